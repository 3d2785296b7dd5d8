"""The release pipeline: sources → graph → SHACL gate → dist/ → pinned snapshot.

sources, validate, build (dumps), void (VoID/DCAT), compactld, release (manifest), snapshot.
"""
