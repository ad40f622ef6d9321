"""YTE: the health data exchange (birth notices, death notices, driver health certificates),
over a FHIR-flavoured search API.

`adapter.YteAdapter(transport)` is the port implementation; `clients.build_transport()` gives
it a transport with the bearer token; `simulator.build_simulator(world, token)` serves the same
wire format from synthetic data.
"""
