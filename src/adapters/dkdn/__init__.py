"""DKDN: the national business-registration database (Ministry of Finance), over a JSON gateway.

`adapter.DkdnAdapter(transport)` is the port implementation; `clients.build_transport()` gives
it a transport with the gateway's credential headers; `simulator.build_simulator(world, token)`
serves the same wire format from synthetic data.
"""
