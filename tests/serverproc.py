"""The API as a real server process: `lookup_api.app:create_app` under uvicorn, as `serve` runs it.

    with running_server(server_env(url, sims.base_url), tmp_path / "api.log") as api:
        httpx.get(f"{api.base_url}/readyz")
        api.kill()     # SIGKILL: no shutdown, no flush, the audit writer dies mid-batch
        api.start()    # the same port: requests sent meanwhile wait in the socket's backlog

The test binds the listening socket and hands it to the child, so the port is known before the
server starts and stays ours across a SIGKILL and a restart. Settings go in as SHARED_DATA_*
environment variables, as in production; the server's output goes to a log file whose tail is
shown when it fails to start.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from tests.simserver import SIM_TOKEN

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
# A fixed Ed25519 key (base64 of 32 raw bytes): PostgreSQL refuses to start without one.
SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
# What `shared-data serve` runs, on an inherited socket. Not uvicorn's `--fd`: it wraps the
# socket as AF_UNIX, so accepted TCP connections never get TCP_NODELAY and every response waits
# ~40 ms (Nagle and delayed ACK); `socket(fileno=...)` reads the socket's real family.
SERVE = """\
import socket, sys, uvicorn
config = uvicorn.Config("lookup_api.app:create_app", factory=True, access_log=False,
                        log_config=None, log_level="warning")
uvicorn.Server(config).run(sockets=[socket.socket(fileno=int(sys.argv[1]))])
"""


def server_env(database_url: str, simulator_url: str, **settings: object) -> dict[str, str]:
    """SHARED_DATA_* variables for a server on this database and these simulators.

    Keyword arguments are further settings by field name (`audit_abandon_after_s=1`).
    """
    env = {
        "database_url": database_url,
        "simulator_url": simulator_url,
        "simulator_token": SIM_TOKEN,
        "audit_signing_key": SIGNING_KEY,
        "probe_interval_s": 0,  # no background traffic to the simulators unless asked
        **settings,
    }
    return {f"SHARED_DATA_{name.upper()}": str(value) for name, value in env.items()}


class ServerProcess:
    """One API server process on a socket bound here; start, kill and start it again."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(1024)
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        # Inherited SHARED_DATA_* variables would change what the test set up.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("SHARED_DATA_")}
        self._env = inherited | dict(env)
        self._log_path = log_path
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: bool = True) -> ServerProcess:
        """Start the server; return once `/readyz` says it is ready (unless `wait` is off)."""
        if self.running:
            raise RuntimeError("the server is already running")
        fd = self._socket.fileno()
        self._log = self._log or self._log_path.open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(fd)],
            env=self._env,
            pass_fds=(fd,),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_ready()
        return self

    def kill(self) -> None:
        """SIGKILL the server and reap it: nothing of it runs any more."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Shut the server down gracefully (SIGTERM), or kill it if it does not stop in time."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()

    def close(self) -> None:
        """Stop the server and release the port."""
        self.stop()
        self._socket.close()
        if self._log is not None:
            self._log.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        if not self._log_path.exists():
            return ""
        text = self._log_path.read_text("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self) -> None:
        """Return once `/readyz` answers 200; fail with the log's tail otherwise."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"the API server exited at start:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not accepting yet: the connection waits in the backlog, then times out
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the API server was not ready in {STARTUP_TIMEOUT_S:.0f} s:\n"
                           f"{self.log_tail()}")  # fmt: skip


@contextmanager
def running_server(env: Mapping[str, str], log_path: Path) -> Iterator[ServerProcess]:
    """A started server process, stopped (and its port released) on exit."""
    server = ServerProcess(env, log_path)
    try:
        yield server.start()
    finally:
        server.close()
