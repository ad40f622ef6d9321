"""DKXE: the vehicle-registration database (Traffic Police Department), over a paginated JSON
search API.

`adapter.DkxeAdapter(transport)` is the port implementation; `clients.build_transport()` gives
it a transport with the API key; `simulator.build_simulator(world, token)` serves the same wire
format from synthetic data.
"""
