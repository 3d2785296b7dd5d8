"""Standards bodies' catalogues (Relaton data repositories) into the graph, IdM scope only."""
