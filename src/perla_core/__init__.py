"""perla's pure domain: aggregates, value objects, events, ports and application services.

Synchronous, typed and free of I/O: it imports the standard library, attrs and small pure
validators only. Adapters (``perla_adapters``) implement its ports; entrypoints
(``perla_entrypoints``) wire them together.
"""

__version__ = "0.1.0"
