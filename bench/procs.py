"""Processes of a bench run: start them pinned to a core, wait for their port, read /proc."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cores() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def pinned(argv: Sequence[str], core: int | None) -> list[str]:
    """`argv` under `taskset -c core` when taskset exists and a core is given."""
    if core is None or shutil.which("taskset") is None:
        return list(argv)
    return ["taskset", "-c", str(core), *argv]


def repin(pid: int, core: int) -> None:
    """Move a running process, every thread of it, to `core`."""
    if shutil.which("taskset"):
        subprocess.run(
            ["taskset", "-a", "-p", "-c", str(core), str(pid)],
            check=True,
            stdout=subprocess.DEVNULL,
        )


@dataclass
class Proc:
    """A child process started by the bench (its own process group: stopped as a group)."""

    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path
    started: list[float] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_ready(self, path: str = "/", timeout_s: float = 60.0) -> None:
        """Until something answers HTTP on the port (any status)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log}\n{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                    if sock.recv(12).startswith(b"HTTP/1."):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start within {timeout_s} s: {self.tail()}")

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


def start(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str],
    core: int | None,
    logdir: Path,
) -> Proc:
    log = logdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            pinned(argv, core),
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Proc(name, popen, port, log)


def children(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn under taskset is a direct exec, but be safe)."""
    found = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids = (task / "children").read_text().split()
            for kid in kids:
                found.extend(children(int(kid)))
    except OSError:
        pass
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its live descendants."""
    total = 0.0
    for p in set(children(pid)):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
