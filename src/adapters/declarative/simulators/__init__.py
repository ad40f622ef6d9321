"""Simulators of the registries shipped as declarative configurations.

Each serves exactly the wire its shipped configuration describes: records are written with
`declarative.mapping.write_record` over that configuration, so the adapter and the simulator
cannot drift apart, and the contract's round trip holds by construction of the config.
"""
