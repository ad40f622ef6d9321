"""DATDAI: the national land database (Ministry of Agriculture and Environment), search then fetch.

`adapter.DatdaiAdapter(transport)` is the port implementation: a lookup first searches (Pull
URI: the parcel or certificate, and for a certificate its owner) and then fetches the one
document found (Pull Doc), as DigiLocker's issuer APIs do. `clients.build_transport()` gives it a
transport with the registry's key; `simulator.build_simulator(world, token)` serves the same
wire format from synthetic data.
"""
