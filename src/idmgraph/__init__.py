"""idmgraph: the ITU-T identity-management standards landscape as a linked-data knowledge graph.

Data flows one way: sources (``ontology/``, ``data/``, ``shapes/``) → graph
(:mod:`idmgraph.pipeline.sources`) → validation (:mod:`idmgraph.pipeline.validate`) → release
(:mod:`idmgraph.pipeline.build`) → store (:mod:`idmgraph.store`) → HTTP (:mod:`idmgraph.web`).
The core never imports ``web`` or ``cli``.
"""

__version__ = "0.1.0"
