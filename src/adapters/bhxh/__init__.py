"""BHXH: the national insurance database (Vietnam Social Security), over signed JSON-RPC 2.0.

`adapter.BhxhAdapter(transport, signer)` is the port implementation; `clients.build_transport()`
and `client.Signer` give it its transport and its request signatures;
`simulator.build_simulator(world, token)` serves the same wire format from synthetic data.
"""
