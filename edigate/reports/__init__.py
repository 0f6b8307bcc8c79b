"""Reports from the store: KPIs, OTIF, and their HTML page."""
