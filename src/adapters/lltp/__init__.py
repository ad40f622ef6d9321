"""LLTP: the judicial-records database (Ministry of Public Security), asynchronous JSON.

`adapter.LltpAdapter(transport)` is the port implementation and a `PendingCollector`: a lookup
submits a request and usually comes back `pending` with the registry's ticket, which `collect`
redeems later. `clients.build_transport()` gives it a transport with the registry's bearer
token; `simulator.build_simulator(world, token)` serves the same wire format from synthetic data.
"""
