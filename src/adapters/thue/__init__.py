"""THUE: the tax administration database (Cục Thuế, Ministry of Finance), over a JSON:API-style
REST gateway with signed requests.

`adapter.ThueAdapter(transport, signer)` is the port implementation; `clients.build_transport()`
and `client.Signer(token)` give it what it needs; `simulator.build_simulator(world, token)`
serves the same wire format from synthetic data.
"""
