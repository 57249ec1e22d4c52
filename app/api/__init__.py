"""The HTTP face: thin FastAPI routers over the knowledge core."""
