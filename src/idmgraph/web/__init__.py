"""The HTTP face of the graph: one module per thing a visitor asks for."""
