"""Profiling aid: the service's CPU per request, driven in-process (no uvicorn, no wrk).

    python bench/inproc.py [--scenario B1|B2] [--concurrency 64] [--requests 3000]
                           [--profile cprofile|none] [--db sqlite|postgresql]

The ASGI app is called directly with a prepared scope and body, so what is measured is the
application's own work (middleware, routing, FastAPI, the lookup, the audit writer thread and
its commits), in process CPU seconds (all threads) per request: on a shared, noisy machine
CPU time moves far less than wall-clock throughput. The registry simulators run as their own
process (real HTTP over loopback) for B2. Not part of `make bench`; docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent / "src"), str(BENCH)]

import procs  # noqa: E402
import setup_data  # noqa: E402


async def drive(app: Any, body: bytes, total: int, concurrency: int) -> list[int]:
    headers = [
        (b"host", b"127.0.0.1"),
        (b"authorization", f"Bearer {setup_data.BENCH_KEY}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    statuses: list[int] = []
    remaining = total

    async def one() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/lookups",
            "raw_path": b"/v1/lookups",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000),
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


async def main_async(args: argparse.Namespace, env: dict[str, str]) -> None:
    os.environ.update(env)
    if args.scenario == "B0":
        from baseline_app import create_app
    else:
        from lookup_api.app import create_app

    app = create_app()
    subjects = setup_data.pick_subjects(env)
    if args.scenario in ("B0", "B1"):
        body = setup_data.lookup_body("CCCD", "PIN", subjects.pin, "P01")
    else:
        body = setup_data.lookup_body("GCN_DKDN", "ENTERPRISE_CODE", subjects.enterprise, "P09")
    async with app.router.lifespan_context(app):
        warm = await drive(app, body.encode(), 300, args.concurrency)
        if set(warm) != {200}:
            raise SystemExit(f"warm-up statuses: {sorted(set(warm))}")
        gc_time = [0.0, 0.0, 0]

        def on_gc(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                gc_time[1] = time.perf_counter()
            else:
                gc_time[0] += time.perf_counter() - gc_time[1]
                gc_time[2] += info["generation"] == 2

        gc.callbacks.append(on_gc)
        profiler = cProfile.Profile() if args.profile == "cprofile" else None
        cpu0, wall0, main0 = time.process_time(), time.perf_counter(), time.thread_time()
        if profiler:
            profiler.enable()
        statuses = await drive(app, body.encode(), args.requests, args.concurrency)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        main = time.thread_time() - main0
        services = getattr(app.state, "services", None)
        stats = services.audit.stats if services is not None else None
    errors = sum(1 for s in statuses if s != 200)
    print(
        f"{args.scenario} c={args.concurrency}: {args.requests} requests, {errors} errors, "
        f"{1e6 * cpu / args.requests:.0f} µs CPU/req ({1e6 * main / args.requests:.0f} in the "
        f"event loop's thread), {1e3 * wall / args.requests:.3f} ms wall/req"
        + (f", audit {stats}" if stats else "")
        + f", GC {1e3 * gc_time[0]:.0f} ms ({gc_time[2]} full)"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="B1", choices=["B0", "B1", "B2"])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", default="none", choices=["cprofile", "none"])
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--loop", default="uvloop", choices=["uvloop", "asyncio"])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shared-data-inproc-"))
    sim_port = procs.free_port()
    env = {
        "SHARED_DATA_SIMULATOR_URL": f"http://127.0.0.1:{sim_port}",
        "SHARED_DATA_CATALOG_DIR": str(setup_data.bench_catalog(workdir)),
        "SHARED_DATA_RATE_LIMIT_PER_MINUTE": "1000000000",
        "SHARED_DATA_ACCESS_LOG": "false",
        "SHARED_DATA_LOG_LEVEL": "WARNING",
        "SHARED_DATA_DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "PYTHONPATH": f"{BENCH.parent / 'src'}:{BENCH}",
    }
    if args.db == "postgresql":
        from sqlalchemy import create_engine, text

        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("DROP DATABASE IF EXISTS shared_data_inproc"))
            conn.execute(text("CREATE DATABASE shared_data_inproc"))
        admin.dispose()
        env["SHARED_DATA_DATABASE_URL"] = (
            "postgresql+psycopg://postgres@127.0.0.1:5432/shared_data_inproc"
        )
        env["SHARED_DATA_AUDIT_SIGNING_KEY"] = setup_data.signing_key()
    setup_data.prepare_database(env)
    sim = procs.start(
        "simulators",
        [sys.executable, "-m", "adapters.simulators.app", "--port", str(sim_port)],
        port=sim_port,
        env={**os.environ, **env},
        core=None,
        logdir=workdir,
    )
    try:
        sim.wait_ready("/_sim", timeout_s=90)
        if args.loop == "uvloop":  # what uvicorn picks when uvloop is installed
            import uvloop

            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(main_async(args, env))
        else:
            asyncio.run(main_async(args, env))
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
