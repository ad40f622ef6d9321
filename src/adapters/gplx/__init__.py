"""GPLX: the driver-licence database (Traffic Police Department, Ministry of Public Security),
over a query-string lookup API with HTTP Basic credentials.

`adapter.GplxAdapter(transport)` is the port implementation; `clients.build_transport()` gives
it a transport with the credentials; `simulator.build_simulator(world, token)` serves the same
wire format from synthetic data.
"""
