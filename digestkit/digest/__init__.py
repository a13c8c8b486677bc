"""Digests as data: the model, parsers (``parse``) and renderers (``render``)."""

from digestkit.digest.model import SCHEMA_VERSION, Digest, Entry, Summary, split_arxiv_id

__all__ = ["SCHEMA_VERSION", "Digest", "Entry", "Summary", "split_arxiv_id"]
