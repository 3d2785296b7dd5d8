"""The store: one QueryRequest in, one QueryAnswer out.

The Store interface, the embedded Oxigraph backend with its sandboxed worker processes, the
answer cache, the remote SPARQL backend and the atomic publication of a release to it.
"""
