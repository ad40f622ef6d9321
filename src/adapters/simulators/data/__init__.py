"""Synthetic data of the registries the world does not model itself (licences, vehicles, tax,
health, diplomas, poverty lists), derived from the world deterministically.

Each module derives its registry's records from the people and enterprises of a `World`
with stable hashes of (salt, identifier), never `random` and never the clock, so that every
simulator built over the same world serves the same data, and registries agree with each
other (a vehicle's registration fee receipt names the plate the vehicle register holds).
Indexes are built once per simulator app; a request costs dict lookups.
"""
