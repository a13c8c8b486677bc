"""``python -m eval`` (``make eval``): the evaluation harness run on this clone's fixtures."""
