"""The HTTP layer: FastAPI routes, authentication, error mapping, and the one place that wires
the core, the persistence and the adapters together (`create_app`)."""
