"""The knowledge core: load → validate → infer → store. Knows nothing of HTTP or the CLI."""
