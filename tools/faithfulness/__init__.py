"""Build the faithfulness fixtures (run from the repository root)."""
