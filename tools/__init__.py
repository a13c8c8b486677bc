"""Build tooling: regenerates shipped data (the repair model, fixtures); not installed."""
