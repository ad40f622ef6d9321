"""Registry simulators: each registry's wire format, served over HTTP from synthetic data."""
