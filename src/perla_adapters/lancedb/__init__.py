"""LanceDB adapters (extra ``lancedb``)."""
