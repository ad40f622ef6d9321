"""HN_KHO: Hanoi's electronic store of TTHC results, searched then fetched (Pull URI, Pull Doc).

`adapter.HnKhoAdapter(transport, key)` is the port implementation (`clients.build_transport()`
gives it a transport; `key` signs every request); `simulator.build_simulator(world, token)`
serves the same wire format over the documents `documents.kho_documents(world)` derives.
"""
