"""Build the repair engine's character model and decode tables (run from the repository root)."""
