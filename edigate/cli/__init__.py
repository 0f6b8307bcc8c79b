"""The ``edigate`` command: one module per group of subcommands."""
