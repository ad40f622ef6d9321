"""`make bench`: the service against the framework's own ceiling, in one run (issue 8).

Starts, on loopback: the registry simulators, the service and a bare FastAPI baseline (one
uvicorn worker each, access log off); the service and the baseline pinned to one core, the
simulators and wrk to the other. Then loads them with wrk (bench/wrk.lua), each scenario
`--runs` times for `--duration` seconds after a warm-up, and prints medians and ratios:

  B0   baseline: validates the same body, returns a body of the same size, no I/O (64 conn.)
  B1   cached found lookup: auth, grant, cache hit, minimisation, audit committed (64 conn.)
  B2   uncached lookup (a ttl-0 type) against a simulator with no added latency, 1 and 64
  B2d  the simulator called directly with the same wire request, 1 and 64
  B3   reuse plan of a procedure with >= 6 requirements over >= 4 registries, at 50 ms
  B4   GET /v1/coverage over the 2,149-procedure catalog
  MEM  RSS after 100,000 distinct cached subjects, and its slope over a 60 s soak

Results go to docs/PERFORMANCE.md (between the bench markers), with the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import procs
import report
import setup_data
import wrk
from setup_data import BENCH_KEY

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PY = sys.executable


@dataclass
class Scenario:
    """Medians over runs of one scenario."""

    name: str
    what: str
    connections: int
    runs: list[wrk.WrkResult] = field(default_factory=list)
    note: str = ""
    unavailable: str | None = None

    def _median(self, measure: str) -> float:
        values = [getattr(run, measure) for run in self.runs]
        return statistics.median(values) if values else 0.0

    @property
    def rps(self) -> float:
        return self._median("rps")

    @property
    def p50_ms(self) -> float:
        return self._median("p50_ms")

    @property
    def p99_ms(self) -> float:
        return self._median("p99_ms")

    @property
    def cpu_us(self) -> float:
        return self._median("cpu_us_per_request")

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    server_core: int | None
    load_core: int | None
    env: dict[str, str] = field(default_factory=dict)
    started: list[procs.Proc] = field(default_factory=list)
    results: dict[str, Scenario] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)

    # -- processes -------------------------------------------------------------------------

    def start(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        core: int | None,
        ready_path: str = "/",
    ) -> procs.Proc:
        port = int(env["BENCH_PORT"])
        proc = procs.start(name, argv, port=port, env=env, core=core, logdir=self.workdir)
        self.started.append(proc)
        proc.wait_ready(ready_path, timeout_s=90)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            proc.stop()

    def uvicorn(
        self,
        target: str,
        port: int,
        extra_env: dict[str, str],
        *,
        factory: bool,
        core: int | None,
        name: str,
    ) -> procs.Proc:
        env = {**self.env, **extra_env, "BENCH_PORT": str(port)}
        argv = [
            PY,
            "-m",
            "uvicorn",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        if factory:
            argv.append("--factory")
        return self.start(name, argv, env, core, ready_path="/healthz")

    # -- load ------------------------------------------------------------------------------

    def measure(
        self,
        key: str,
        what: str,
        url: str,
        connections: int,
        lua_env: dict[str, str],
        pids: tuple[int, ...],
        *,
        runs: int | None = None,
        duration: float | None = None,
    ) -> Scenario:
        runs = runs or self.args.runs
        duration = duration or self.args.duration
        scenario = Scenario(key, what, connections)
        wrk.run(
            url,
            connections=connections,
            duration_s=self.args.warmup,
            core=self.load_core,
            env=lua_env,
        )
        profiler = pyspy(key, pids[0], duration)
        for _ in range(runs):
            scenario.runs.append(
                wrk.run(
                    url,
                    connections=connections,
                    duration_s=duration,
                    core=self.load_core,
                    env=lua_env,
                    server_pids=pids,
                )
            )
        if profiler is not None:
            profiler.wait()
        self.results[key] = scenario
        print(report.line(scenario), flush=True)
        return scenario


def pyspy(key: str, pid: int, duration: float) -> subprocess.Popen[bytes] | None:
    """With BENCH_PYSPY=<dir>: py-spy samples the measured process during the first run.

    Profiling aid (docs/PERFORMANCE.md, "Where the time goes"): raw collapsed stacks, only
    samples holding the GIL (CPU), written to <dir>/<scenario>.txt.
    """
    out = os.environ.get("BENCH_PYSPY")
    if not out:
        return None
    Path(out).mkdir(parents=True, exist_ok=True)
    target = Path(out) / f"{key.replace('@', '_')}.txt"
    argv = ["py-spy", "record", "--gil", "--format", "raw", "-r", "500", "-p", str(pid)]
    argv += ["-d", str(max(1, int(duration))), "-o", str(target)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def http(
    method: str,
    url: str,
    body: object | None = None,
    token: str | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def request_file(
    workdir: Path,
    name: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str | None = None,
) -> dict[str, str]:
    lua = wrk.write_request(workdir / f"{name}.lua", method, path, headers, body)
    return {"BENCH_REQ": str(lua)}


def api_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {BENCH_KEY}", "Content-Type": "application/json"}


def database_env(args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    if args.db == "sqlite":
        return {"SHARED_DATA_DATABASE_URL": f"sqlite:///{workdir}/bench.db"}
    url = args.postgres_url
    # A fresh database per run: the bench must not touch anybody's test database.
    from sqlalchemy import create_engine, text

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = "shared_data_bench"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return {
        "SHARED_DATA_DATABASE_URL": url.rsplit("/", 1)[0] + "/" + name,
        "SHARED_DATA_AUDIT_SIGNING_KEY": setup_data.signing_key(),
    }


def base_env(args: argparse.Namespace, workdir: Path, sim_url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("SHARED_DATA_")
    }  # a clean slate: only what the bench sets
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'src'}:{BENCH}",
            "SHARED_DATA_SIMULATOR_URL": sim_url,
            "SHARED_DATA_CATALOG_DIR": str(setup_data.bench_catalog(workdir)),
            # Keep wrk's thousands of requests a second under the per-client rate limit: the
            # limiter still runs on every request, it just never refuses.
            "SHARED_DATA_RATE_LIMIT_PER_MINUTE": "1000000000",
            "SHARED_DATA_CACHE_MAXSIZE": str(args.cache_maxsize),
            "SHARED_DATA_ACCESS_LOG": "false",
            "SHARED_DATA_LOG_LEVEL": "WARNING",
        }
    )
    env.update(database_env(args, workdir))
    if args.transport:
        env["SHARED_DATA_HTTP_TRANSPORT"] = args.transport
    return env


# -- scenarios ---------------------------------------------------------------------------------


def scenario_b0_b1(bench: Bench, api: procs.Proc, subjects: setup_data.Subjects) -> None:
    api_url = f"http://127.0.0.1:{api.port}"
    body = setup_data.lookup_body("CCCD", "PIN", subjects.pin, "P01")
    status, answer = http("POST", f"{api_url}/v1/lookups", json.loads(body), BENCH_KEY)
    if status != 200 or json.loads(answer)["status"] != "found":
        raise RuntimeError(f"B1 priming lookup failed: {status} {answer[:300]!r}")
    # The cached answer, as B1 serves it: the baseline returns a body of this size.
    status, cached = http("POST", f"{api_url}/v1/lookups", json.loads(body), BENCH_KEY)
    body_file = bench.workdir / "b1_response.json"
    body_file.write_bytes(cached)
    bench.facts["response_bytes"] = str(len(cached))
    port = procs.free_port()
    baseline = bench.uvicorn(
        "baseline_app:create_app",
        port,
        {"BENCH_BASELINE_BODY": str(body_file)},
        factory=True,
        core=bench.server_core,
        name="baseline",
    )
    lua = request_file(bench.workdir, "b1", "POST", "/v1/lookups", api_headers(), body)
    bench.measure(
        "B0",
        "baseline: same body model in, same-size body out, no I/O",
        f"http://127.0.0.1:{baseline.port}",
        64,
        lua,
        (baseline.pid,),
    )
    baseline.stop()
    before = metrics(api_url)
    bench.measure(
        "B1", "cached found lookup (CCCD), audit group-committed", api_url, 64, lua, (api.pid,)
    )
    after = metrics(api_url)
    batches = after.get("shared_data_audit_batches_total", 0) - before.get(
        "shared_data_audit_batches_total", 0
    )
    rows = after.get("shared_data_audit_rows_total", 0) - before.get(
        "shared_data_audit_rows_total", 0
    )
    if batches:
        bench.results["B1"].note = f"{rows / batches:.0f} audit rows per commit"
        bench.facts["b1_rows_per_request"] = ""


def scenario_b2(
    bench: Bench, api: procs.Proc, sim: procs.Proc, subjects: setup_data.Subjects
) -> None:
    api_url = f"http://127.0.0.1:{api.port}"
    sim_url = f"http://127.0.0.1:{sim.port}"
    body = setup_data.lookup_body("GCN_DKDN", "ENTERPRISE_CODE", subjects.enterprise, "P09")
    status, answer = http("POST", f"{api_url}/v1/lookups", json.loads(body), BENCH_KEY)
    if status != 200 or json.loads(answer)["status"] != "found":
        raise RuntimeError(f"B2 priming lookup failed: {status} {answer[:300]!r}")
    lua = request_file(bench.workdir, "b2", "POST", "/v1/lookups", api_headers(), body)
    method, path, headers, wire_body = setup_data.wire_request(
        "DKDN", "GCN_DKDN", "ENTERPRISE_CODE", subjects.enterprise, sim_url, "sim-token"
    )
    lua_direct = request_file(bench.workdir, "b2d", method, path, headers, wire_body)
    what = "uncached lookup (GCN_DKDN, ttl 0), simulator without added latency"
    bench.measure("B2@1", what, api_url, 1, lua, (api.pid, sim.pid))
    # B2d: the simulator alone, moved to the service's (idle) core so that it does not share
    # one with wrk; moved back afterwards.
    if bench.server_core is not None:
        procs.repin(sim.pid, bench.server_core)
    try:
        direct = "the simulator called directly with the same wire request"
        bench.measure("B2d@1", direct, sim_url, 1, lua_direct, (sim.pid,))
        bench.measure("B2d@64", direct, sim_url, 64, lua_direct, (sim.pid,))
    finally:
        if bench.load_core is not None:
            procs.repin(sim.pid, bench.load_core)
    bench.measure("B2@64", what, api_url, 64, lua, (api.pid,))


def reuse_plan_route(api_url: str) -> str | None:
    status, raw = http("GET", f"{api_url}/openapi.json")
    if status != 200:
        return None
    paths = json.loads(raw).get("paths", {})
    return next((p for p in paths if p.endswith("/reuse-plan")), None)


def scenario_b3(
    bench: Bench, api: procs.Proc, sim: procs.Proc, subjects: setup_data.Subjects
) -> None:
    key = "B3"
    sim_url = f"http://127.0.0.1:{sim.port}"
    what = "reuse plan: 6 documents over 4 registries, each registry at +50 ms, cache off"
    route = reuse_plan_route(f"http://127.0.0.1:{api.port}")
    if route is None:
        bench.results[key] = Scenario(key, what, 1, unavailable="no reuse-plan endpoint yet")
        print(report.line(bench.results[key]), flush=True)
        return
    import reuse

    # Its own instance: the cache off (every plan asks its four registries) and the catalog
    # with the bench procedure.
    extra = {
        "SHARED_DATA_CACHE_MAXSIZE": "0",
        "SHARED_DATA_CATALOG_DIR": str(setup_data.bench_catalog(bench.workdir, with_b3=True)),
    }
    planner = bench.uvicorn(
        "lookup_api.app:create_app",
        procs.free_port(),
        extra,
        factory=True,
        core=bench.server_core,
        name="api-b3",
    )
    api_url = f"http://127.0.0.1:{planner.port}"
    try:
        plan = reuse.pick(api_url, route, BENCH_KEY, subjects, http)
    except reuse.NotAvailable as exc:
        bench.results[key] = Scenario(key, what, 1, unavailable=str(exc))
        print(report.line(bench.results[key]), flush=True)
        planner.stop()
        return
    for registry in plan.registries:
        http("PUT", f"{sim_url}/_sim/faults/{registry.lower()}", {"mode": "latency", "ms": 50})
    try:
        lua = request_file(bench.workdir, "b3", "POST", plan.path, api_headers(), plan.body)
        scenario = bench.measure(key, what, api_url, 1, lua, (planner.pid,))
        scenario.note = plan.describe
    finally:
        http("DELETE", f"{sim_url}/_sim/faults")
        planner.stop()


def scenario_b4(bench: Bench, api: procs.Proc) -> None:
    api_url = f"http://127.0.0.1:{api.port}"
    started = time.perf_counter()
    status, raw = http("GET", f"{api_url}/v1/coverage", token=BENCH_KEY)
    cold_ms = (time.perf_counter() - started) * 1000
    what = "GET /v1/coverage, 2,149 procedures"
    if status != 200:
        bench.results["B4"] = Scenario("B4", what, 1, unavailable=f"HTTP {status}")
        return
    total = json.loads(raw).get("total_procedures") or json.loads(raw).get("procedures")
    lua = request_file(
        bench.workdir, "b4", "GET", "/v1/coverage", {"Authorization": f"Bearer {BENCH_KEY}"}
    )
    scenario = bench.measure("B4", what, api_url, 1, lua, (api.pid,))
    scenario.note = f"first call {cold_ms:.0f} ms; {len(raw)} bytes"
    if isinstance(total, int):
        scenario.note += f"; {total} procedures"


def metrics(api_url: str) -> dict[str, float]:
    """Unlabelled or summed samples of /metrics (the bench client has the ops role)."""
    status, raw = http("GET", f"{api_url}/metrics", token=BENCH_KEY)
    found: dict[str, float] = {}
    if status != 200:
        return found
    for line in raw.decode().splitlines():
        if line.startswith("#") or " " not in line:
            continue
        name_labels, value = line.rsplit(" ", 1)
        name = name_labels.split("{", 1)[0]
        labels = name_labels[len(name) :]
        try:
            number = float(value)
        except ValueError:
            continue
        found[name] = found.get(name, 0.0) + number
        if labels:
            found[name + labels] = number
    return found


def scenario_memory(bench: Bench) -> None:
    """On its own instance, the cache bounded at `--memory-subjects` entries: a warm-up of
    distinct lookups, then distinct lookups until the cache holds that many (or the time cap),
    then a soak of more distinct lookups that each evict one entry, RSS sampled every second."""
    subjects, warm = bench.args.memory_subjects, 1000
    extra = {"SHARED_DATA_CACHE_MAXSIZE": str(subjects)}
    api = bench.uvicorn(
        "lookup_api.app:create_app",
        procs.free_port(),
        extra,
        factory=True,
        core=bench.server_core,
        name="api-memory",
    )
    api_url = f"http://127.0.0.1:{api.port}"
    env = {
        "BENCH_DISTINCT": "1",
        "BENCH_DOC": setup_data.MEMORY_DOC,
        "BENCH_PROC": setup_data.MEMORY_PROC,
        "BENCH_AUTH": BENCH_KEY,
        "BENCH_START": "0",
        "BENCH_LIMIT": "0",
    }
    miss_key = 'shared_data_cache_misses_total{registry="DANCU"}'

    def cached() -> float:
        return metrics(api_url).get(miss_key, 0.0)

    # Warm-up: the first lookups load grants, connections and lazily built state; RSS counts
    # from after them (their entries are in the cache and in the count).
    wrk.run_until(
        api_url,
        connections=64,
        max_s=30,
        core=bench.load_core,
        env=env,
        done=lambda: cached() >= warm,
    )
    rss_before, warmed = procs.rss_bytes(api.pid), cached()
    started = time.monotonic()
    fill_env = {**env, "BENCH_START": str(int(warmed) + 10)}
    fill = wrk.run_until(
        api_url,
        connections=64,
        max_s=bench.args.fill_timeout,
        core=bench.load_core,
        env=fill_env,
        done=lambda: cached() >= subjects,
        server_pids=(api.pid,),
    )
    fill_s = time.monotonic() - started
    misses = cached()
    rss_full = procs.rss_bytes(api.pid)
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def sample() -> None:
        t0 = time.monotonic()
        while not stop.wait(1.0):
            samples.append((time.monotonic() - t0, procs.rss_bytes(api.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # The soak: more distinct subjects; a full cache evicts its least recent entry for each.
    soak_env = {**env, "BENCH_START": str(int(misses) + warm + 20)}
    soak = wrk.run(
        api_url,
        connections=64,
        duration_s=bench.args.soak,
        core=bench.load_core,
        env=soak_env,
        server_pids=(api.pid,),
    )
    stop.set()
    sampler.join()
    api.stop()
    slope = linear_slope(samples) * 60 / 2**20  # MB per minute
    # The second half alone: whether growth goes on, or was the way to a plateau (caches of
    # the database connections and allocator arenas filling up once).
    late = samples[len(samples) // 2 :]
    late_slope = linear_slope(late) * 60 / 2**20
    if os.environ.get("BENCH_RSS_SAMPLES"):
        Path(os.environ["BENCH_RSS_SAMPLES"]).write_text(
            "\n".join(f"{t:.1f} {rss}" for t, rss in samples), "utf-8"
        )
    bench.memory = {
        "subjects_target": float(subjects),
        "subjects": misses,
        "warm": warmed,
        "fill_requests": float(fill.requests),
        "fill_errors": float(fill.errors),
        "fill_s": fill_s,
        "rss_before_mb": rss_before / 2**20,
        "rss_full_mb": rss_full / 2**20,
        "rss_end_mb": (samples[-1][1] if samples else rss_full) / 2**20,
        "soak_s": bench.args.soak,
        "soak_requests": float(soak.requests),
        "soak_errors": float(soak.errors),
        "slope_mb_min": slope,
        "late_slope_mb_min": late_slope,
        "cache_maxsize": float(subjects),
        "cache_full": float(misses >= subjects),
    }
    print(report.memory_line(bench.memory), flush=True)


def linear_slope(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of (seconds, bytes): bytes per second."""
    if len(samples) < 2:
        return 0.0
    xs = [s[0] for s in samples]
    ys = [float(s[1]) for s in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


# -- main -------------------------------------------------------------------------------------


def default_transport() -> str:
    from shared_data.settings import Settings

    return f"{Settings.model_fields['http_transport'].default} (the service's default)"


def versions() -> dict[str, str]:
    from importlib.metadata import version

    names = ("uvicorn", "fastapi", "starlette", "pydantic", "httpx", "sqlalchemy")
    found = {"python": platform.python_version()}
    for name in names:
        found[name] = version(name)
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    found["wrk"] = wrk_v.split(" [")[0].replace("wrk ", "")
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument(
        "--transport",
        choices=("httpx", "aiohttp"),
        default=None,
        help="SHARED_DATA_HTTP_TRANSPORT (default: the service's default)",
    )
    parser.add_argument("--cache-maxsize", type=int, default=100_000)
    parser.add_argument(
        "--memory-subjects",
        type=int,
        default=20_000,
        help="cache bound and distinct subjects (100000: about 5 min alone)",
    )
    parser.add_argument(
        "--fill-timeout",
        type=float,
        default=100.0,
        help="at most this long to fill the cache (s): make bench stays < 5 min",
    )
    parser.add_argument("--soak", type=float, default=60.0)
    parser.add_argument("--only", default="B0,B1,B2,B3,B4,MEM", help="comma-separated scenarios")
    parser.add_argument(
        "--extra-env",
        action="append",
        default=[],
        help="KEY=VALUE for the service (e.g. SHARED_DATA_ACCESS_LOG=true)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: `make bench` installs it (apt-get install wrk)", file=sys.stderr)
        return 2
    available = procs.cores()
    server_core, load_core = (available[0], available[1]) if len(available) >= 2 else (None, None)
    workdir = Path(tempfile.mkdtemp(prefix="shared-data-bench-"))
    command = "make bench" if not argv else "bench/run.py " + " ".join(argv)
    command = os.environ.get("BENCH_COMMAND", command)
    load_start = procs.loadavg()
    t0 = time.monotonic()
    sim_port, api_port = procs.free_port(), procs.free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    bench = Bench(args, workdir, server_core, load_core)
    bench.env = base_env(args, workdir, sim_url)
    for item in args.extra_env:
        name, _, value = item.partition("=")
        bench.env[name] = value
    only = set(args.only.split(","))
    print(f"bench: work directory {workdir}; cores {available}; load {load_start}", flush=True)
    try:
        # The demo grants, B3's procedure included (only the B3 instance serves it).
        b3_catalog = str(setup_data.bench_catalog(workdir, with_b3=True))
        setup_data.prepare_database({**bench.env, "SHARED_DATA_CATALOG_DIR": b3_catalog})
        subjects = setup_data.pick_subjects(bench.env)
        sim = bench.start(
            "simulators",
            [PY, "-m", "adapters.simulators.app", "--host", "127.0.0.1", "--port", str(sim_port)],
            {**bench.env, "BENCH_PORT": str(sim_port)},
            load_core,
            ready_path="/_sim",
        )
        api = bench.uvicorn(
            "lookup_api.app:create_app", api_port, {}, factory=True, core=server_core, name="api"
        )
        if only & {"B0", "B1"}:
            scenario_b0_b1(bench, api, subjects)
        if "B2" in only:
            scenario_b2(bench, api, sim, subjects)
        if "B3" in only:
            scenario_b3(bench, api, sim, subjects)
        if "B4" in only:
            scenario_b4(bench, api)
        if "MEM" in only:
            api.stop()  # its own instance (one service on the core at a time)
            scenario_memory(bench)
    finally:
        bench.stop_all()
    elapsed = time.monotonic() - t0
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cores": f"service + baseline on core {server_core}; simulators + wrk on core {load_core}",
        "load_start": load_start,
        "load_end": procs.loadavg(),
        "elapsed_s": f"{elapsed:.0f}",
        "database": args.db,
        "transport": bench.env.get("SHARED_DATA_HTTP_TRANSPORT") or default_transport(),
        "command": command,
        **{f"v_{k}": v for k, v in versions().items()},
        **bench.facts,
    }
    text = report.render(bench.results, bench.memory, info, args)
    print(text)
    if not args.no_write:
        report.write(args.output, text)
        print(f"written to {args.output}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or None))
