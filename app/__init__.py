"""CoopGraph: the open knowledge graph of Franco-African academic cooperation."""

__version__ = "0.1.0"
