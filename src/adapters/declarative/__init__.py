"""The declarative adapter: a JSON-over-HTTP registry added by configuration alone.

`config` (the YAML schema, loading, catalog checks), `paths` (JSON paths), `mapping`
(canonical <-> JSON per the configuration), `adapter` (`DeclarativeAdapter` and the factories
`adapters.registry.build_adapters` calls), `simulators` (the shipped registries' simulators).
Shipped configurations live in `registries/`; docs/ADAPTERS.md explains how to add one.
"""
