"""Integration fixtures: a synthetic world and the registry simulators served over loopback.

The session-scoped fixtures (catalog, sim_world, sim_token, simulators) live in tests/conftest.py
so that the API tests share them; tests that need to stop a server start their own
(`tests.simserver.running_simulators`).
"""

from __future__ import annotations

from tests import simserver

# The session world's parameters, for tests that reason about dates and sizes.
SIM_PEOPLE, SIM_ENTERPRISES, SIM_SEED = (
    simserver.SIM_PEOPLE, simserver.SIM_ENTERPRISES, simserver.SIM_SEED
)  # fmt: skip
SIM_AS_OF = simserver.SIM_AS_OF
