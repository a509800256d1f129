"""Search over the catalogue and the shop's documents (issue 7).

Pure and synchronous: the model (:mod:`.model`), the ports (:mod:`.ports`), Spanish text and
model-code normalisation (:mod:`.text`), rank fusion (:mod:`.fusion`), the offline
:class:`~.embedding.HashingEmbedder` and Markdown chunking (:mod:`.documents`). Adapters:
``perla_adapters.memory.search`` (the reference) and ``perla_adapters.lancedb``.
"""
