"""idmgraph: the ITU-T identity-management standards landscape as a linked-data knowledge graph.

Data flows one way: sources (``ontology/``, ``data/``, ``shapes/``) → graph
(:mod:`idmgraph.sources`) → validation (:mod:`idmgraph.validate`) → release
(:mod:`idmgraph.build`) → store (:mod:`idmgraph.store`) → HTTP (:mod:`idmgraph.web`).
The core never imports ``web`` or ``cli``.
"""

__version__ = "0.1.0"
