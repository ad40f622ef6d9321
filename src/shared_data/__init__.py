"""shared-data core: domain types, catalog, lookup orchestration, audit and persistence.

This package imports neither FastAPI nor httpx (tests/unit/test_layers.py checks it).
"""
