"""The running gateway: scheduler, AS2 listener, alerts."""
