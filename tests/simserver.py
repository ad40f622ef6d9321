"""Run the registry simulators under a real uvicorn server, on loopback, in a background thread.

    with running_simulators(world, token) as sims:
        settings = Settings(simulator_url=sims.base_url, simulator_token=SecretStr(token))
        ...
        sims.stop()  # from now on connections are refused: adapters must say `unavailable`

The port is picked by the kernel (bound before the server starts, so there is no race) and
the server runs without access log, like in production.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache

import uvicorn

from adapters.simulators.app import create_simulator_app
from adapters.simulators.dataset import build_world
from adapters.simulators.world import World

STARTUP_TIMEOUT_S = 10.0
# What tests give the simulators and the adapters (Settings' default simulator token too).
SIM_TOKEN = "sim-token"
# A small world for tests: wiring, not volume (fixtures of DOMAIN.md 11.5 included).
SIM_PEOPLE, SIM_ENTERPRISES, SIM_SEED = 300, 50, 86
SIM_AS_OF = date(2026, 6, 1)


@cache
def small_world() -> World:
    """The tests' shared small world (built once per process; treat it as read-only)."""
    return build_world(
        people=SIM_PEOPLE, enterprises=SIM_ENTERPRISES, seed=SIM_SEED, as_of=SIM_AS_OF
    )


class SimulatorServer:
    """One uvicorn server hosting `create_simulator_app(world, token)` on 127.0.0.1."""

    def __init__(self, world: World, token: str) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_simulator_app(world, token), access_log=False, log_level="warning",
            lifespan="off",
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def registry_url(self, registry_id: str) -> str:
        return f"{self.base_url}/{registry_id.lower()}"

    def start(self) -> SimulatorServer:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut the server down and close its socket; idempotent."""
        if self._thread.is_alive():
            self._server.should_exit = True
            self._thread.join(timeout=STARTUP_TIMEOUT_S)
        self._socket.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


@contextmanager
def running_simulators(world: World, token: str) -> Iterator[SimulatorServer]:
    """A started server (its `base_url`, `registry_url(id)`, `stop()`), stopped on exit."""
    server = SimulatorServer(world, token).start()
    try:
        yield server
    finally:
        server.stop()
