"""Adapters: one per registry behind the `RegistryAdapter` port, plus their shared transport
and the simulators that speak each registry's wire format over real HTTP."""
