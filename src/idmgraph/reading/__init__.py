"""Reading the graph through a Store.

Named queries, the report and its charts, the landscape, resource descriptions, lookup of
outside identifiers, linksets, vocabulary pages, diffs between reports and releases.
"""
