"""Embedder adapters beyond the core's offline ``HashingEmbedder``."""
