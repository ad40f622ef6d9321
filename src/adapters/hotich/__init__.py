"""HOTICH: the electronic civil-status database (Ministry of Justice), over SOAP-style XML.

`adapter.HotichAdapter(transport)` is the port implementation; `clients.build_transport()` gives
it a transport with the registry's auth header; `simulator.build_simulator(world, token)` serves
the same wire format from synthetic data.
"""
