"""Run wrk (pinned to the load core) with bench/wrk.lua and read its JSON summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from procs import cpu_seconds, pinned

LUA = Path(__file__).resolve().parent / "wrk.lua"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    errors: int  # socket errors + non-2xx/3xx
    p50_ms: float
    p99_ms: float
    server_cpu_s: float  # CPU the measured process(es) used during the run
    socket_errors: int = 0
    statuses: dict[str, int] | None = None  # by status, when BENCH_STATUS is set

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def cpu_us_per_request(self) -> float:
        return self.server_cpu_s * 1e6 / self.requests if self.requests else 0.0


def write_request(
    path: Path, method: str, target: str, headers: Mapping[str, str], body: str | None = None
) -> Path:
    """A Lua file describing one fixed request, for BENCH_REQ."""

    def lua(s: str) -> str:
        return "[==[" + s + "]==]"

    items = ", ".join(f"[ {lua(k)} ] = {lua(v)}" for k, v in headers.items())
    body_lua = "nil" if body is None else lua(body)
    path.write_text(
        f"return {{method = {lua(method)}, path = {lua(target)}, headers = {{{items}}}, "
        f"body = {body_lua}}}\n",
        encoding="utf-8",
    )
    return path


def run_until(
    url: str,
    *,
    connections: int,
    max_s: float,
    core: int | None,
    env: Mapping[str, str],
    done: Callable[[], bool],
    server_pids: tuple[int, ...] = (),
    poll_s: float = 1.0,
) -> WrkResult:
    """Like `run`, but interrupted (SIGINT: wrk still reports) as soon as `done()` says so."""
    argv = _argv(url, connections, max_s, 10.0, core)
    before = sum(cpu_seconds(pid) for pid in server_pids)
    popen = subprocess.Popen(
        argv, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + max_s + 30
    while popen.poll() is None and time.monotonic() < deadline:
        time.sleep(poll_s)
        if popen.poll() is None and done():
            popen.send_signal(signal.SIGINT)
            break
    stdout, stderr = popen.communicate(timeout=60)
    after = sum(cpu_seconds(pid) for pid in server_pids)
    return _parse(stdout, stderr, popen.returncode, after - before)


def run(
    url: str,
    *,
    connections: int,
    duration_s: float,
    core: int | None,
    env: Mapping[str, str],
    server_pids: tuple[int, ...] = (),
    timeout_s: float = 10.0,
) -> WrkResult:
    """One wrk run of `duration_s` against `url` with `connections` connections, one thread."""
    argv = _argv(url, connections, duration_s, timeout_s, core)
    before = sum(cpu_seconds(pid) for pid in server_pids)
    done = subprocess.run(
        argv,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=duration_s + timeout_s + 30,
    )
    after = sum(cpu_seconds(pid) for pid in server_pids)
    return _parse(done.stdout, done.stderr, done.returncode, after - before)


def _argv(
    url: str, connections: int, duration_s: float, timeout_s: float, core: int | None
) -> list[str]:
    """wrk with one thread and bench/wrk.lua, pinned to `core`."""
    duration, timeout = max(1, round(duration_s)), max(1, round(timeout_s))
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}s"]
    return pinned([*argv, "-s", str(LUA), url], core)


def _parse(stdout: str, stderr: str, returncode: int, cpu_s: float) -> WrkResult:
    line = next((x for x in stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({returncode}): {stdout}\n{stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(
        data[k]
        for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return WrkResult(
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        server_cpu_s=cpu_s,
        socket_errors=errors - data["status_errors"],
        statuses=data.get("statuses") or None,
    )
