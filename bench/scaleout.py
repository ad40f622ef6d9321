"""Scale-out check (issue 8): 2 API processes (gunicorn + uvicorn workers) sharing PostgreSQL and
Redis, behind nginx (deploy/nginx.conf) when nginx is installed; ~20 s of load; then no errors,
a valid audit chain, every answer's record present, and the rate limit shared by the processes.

    .venv/bin/python bench/scaleout.py [--postgres-url URL] [--redis-url URL] [--seconds 8]

Exit status 0 when every check passes. Uses its own database (shared_data_scaleout) and Redis
database 14 (flushed at start), so it touches nobody's test data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import procs
import setup_data
import wrk
from run import PY, ROOT, http, request_file
from setup_data import BENCH_KEY

DB_NAME = "shared_data_scaleout"


def fresh_database(url: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + DB_NAME


def start_nginx(workdir: Path, listen: int, upstream: int) -> procs.Proc | None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        return None
    logs = workdir / "nginx"
    logs.mkdir()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = (
        conf.replace("__LISTEN__", f"127.0.0.1:{listen}")
        .replace("__UPSTREAMS__", f"server 127.0.0.1:{upstream} max_fails=0;")
        .replace("__PID__", str(logs / "nginx.pid"))
        .replace("__LOGS__", str(logs))
    )
    conf = conf.replace("worker_processes auto;", "worker_processes 1;")
    path = workdir / "nginx.conf"
    path.write_text(conf)
    argv = [nginx, "-c", str(path), "-p", str(logs), "-g", "daemon off;"]
    proc = procs.start("nginx", argv, port=listen, env=dict(os.environ), core=None, logdir=workdir)
    proc.wait_ready("/healthz", timeout_s=20)
    return proc


def worker_pids(master: int) -> list[int]:
    return [p for p in procs.children(master) if p != master]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="shared-data-scaleout-"))
    started: list[procs.Proc] = []
    checks: list[tuple[str, bool, str]] = []
    t0 = time.monotonic()
    try:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        db_url = fresh_database(args.postgres_url)
        signing_key = setup_data.signing_key()
        sim_port, api_port, proxy_port = procs.free_port(), procs.free_port(), procs.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHARED_DATA_")}
        env.update(
            {
                "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'bench'}",
                "SHARED_DATA_DATABASE_URL": db_url,
                "SHARED_DATA_AUDIT_SIGNING_KEY": signing_key,
                "SHARED_DATA_QUOTA_REDIS_URL": args.redis_url,
                "SHARED_DATA_SIMULATOR_URL": f"http://127.0.0.1:{sim_port}",
                "SHARED_DATA_CATALOG_DIR": str(setup_data.bench_catalog(workdir)),
                "SHARED_DATA_ACCESS_LOG": "false",
                "SHARED_DATA_LOG_LEVEL": "WARNING",
                "SHARED_DATA_BIND": f"127.0.0.1:{api_port}",
                "SHARED_DATA_WORKERS": str(args.workers),
            }
        )
        setup_data.prepare_database(env)
        subjects = setup_data.pick_subjects(env)
        sim = procs.start(
            "simulators",
            [PY, "-m", "adapters.simulators.app", "--port", str(sim_port)],
            port=sim_port,
            env=env,
            core=None,
            logdir=workdir,
        )
        started.append(sim)
        sim.wait_ready("/_sim")
        cached = setup_data.lookup_body("CCCD", "PIN", subjects.pin, "P01")
        uncached = setup_data.lookup_body("GCN_DKDN", "ENTERPRISE_CODE", subjects.enterprise, "P09")
        headers = {"Authorization": f"Bearer {BENCH_KEY}", "Content-Type": "application/json"}
        lua = {
            "BENCH_REQ": ",".join(
                request_file(workdir, name, "POST", "/v1/lookups", headers, body)["BENCH_REQ"]
                for name, body in (("cached", cached), ("uncached", uncached))
            ),
            "BENCH_STATUS": "1",
        }

        # Phase 1, load: cached and uncached lookups in turn, 64 connections, limiter wide open.
        api = start_api(workdir, env, api_port, rate_per_minute=10**9, burst=None)
        started.append(api)
        nginx = start_nginx(workdir, proxy_port, api_port)
        if nginx is not None:
            started.append(nginx)
        url = f"http://127.0.0.1:{proxy_port if nginx is not None else api_port}"
        workers = worker_pids(api.pid)
        cpu_before = {pid: procs.cpu_seconds(pid) for pid in workers}
        load = wrk.run(url, connections=64, duration_s=args.seconds, core=None, env=lua)
        statuses = load.statuses or {}
        ok_1 = statuses.get("200", 0)
        checks.append(
            (
                "load: every answer 200, no socket errors",
                load.socket_errors == 0 and ok_1 == load.requests,
                f"{load.requests} lookups in {load.duration_s:.1f} s ({load.rps:.0f}/s, p50 "
                f"{load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms); statuses {statuses}; "
                f"socket errors {load.socket_errors}",
            )
        )
        used = {pid: procs.cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in workers}
        checks.append(
            (
                f"load: all {args.workers} worker processes served",
                len(used) == args.workers and all(v > 0.2 for v in used.values()),
                ", ".join(f"pid {pid} {cpu:.1f} s CPU" for pid, cpu in used.items()),
            )
        )
        api.stop()  # each worker drains its audit queue before it exits

        # Phase 2, shared counters: the same processes' rate limit, 600 a minute with a burst
        # of 60, from 16 connections for 4 s. One bucket in Redis for both processes lets
        # about 60 + 40 through; a bucket per process would let twice that.
        rate, burst, seconds = 600, 60, 4
        api = start_api(workdir, env, api_port, rate_per_minute=rate, burst=burst)
        started.append(api)
        limited = wrk.run(url, connections=16, duration_s=seconds, core=None, env=lua)
        statuses = limited.statuses or {}
        ok_2, refused = statuses.get("200", 0), statuses.get("429", 0)
        allowed = burst + rate * limited.duration_s / 60
        checks.append(
            (
                "rate limit shared by the processes (Redis)",
                refused > 0 and ok_2 <= allowed * 1.1 + 2 and ok_2 + refused == limited.requests,
                f"{ok_2} accepted, {refused} refused (429) of {limited.requests}; one shared "
                f"bucket allows ≈ {allowed:.0f}, one per process ≈ {allowed * args.workers:.0f}",
            )
        )
        api.stop()
        report = verify(db_url, signing_key)
        checks.append(("audit chain valid (verify_chain)", report["ok"], json.dumps(report)))
        checks.append(
            (
                "an audit record for every answer",
                report["completed"] >= ok_1 + ok_2,
                f"{report['completed']} completed records for {ok_1 + ok_2} answers",
            )
        )
    finally:
        for proc in reversed(started):
            proc.stop()
    width = max(len(c[0]) for c in checks) if checks else 0
    print(
        f"scale-out: {args.workers} processes on PostgreSQL, Redis quotas, "
        f"{'nginx' if shutil.which('nginx') else 'no nginx'}; {time.monotonic() - t0:.0f} s"
    )
    for name, ok, detail in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name:{width}}  {detail}")
    passed = bool(checks) and all(ok for _, ok, _ in checks)
    if passed:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"  logs kept in {workdir}")
    return 0 if passed else 1


def start_api(
    workdir: Path, env: dict[str, str], port: int, *, rate_per_minute: int, burst: int | None
) -> procs.Proc:
    """gunicorn with the deployment's config (deploy/gunicorn.conf.py), N uvicorn workers."""
    env = {**env, "SHARED_DATA_RATE_LIMIT_PER_MINUTE": str(rate_per_minute)}
    if burst is not None:
        env["SHARED_DATA_RATE_LIMIT_BURST"] = str(burst)
    argv = [
        PY,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "lookup_api.app:create_app()",
    ]
    api = procs.start("gunicorn", argv, port=port, env=env, core=None, logdir=workdir)
    api.wait_ready("/healthz", timeout_s=90)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # every worker through its lifespan
        status, _ = http("GET", f"http://127.0.0.1:{port}/readyz")
        if status == 200 and len(worker_pids(api.pid)) >= int(env["SHARED_DATA_WORKERS"]):
            break
        time.sleep(0.2)
    time.sleep(1.0)
    return api


def verify(db_url: str, signing_key: str) -> dict:
    from sqlalchemy import text

    from shared_data.persistence.audit_signing import load_signing_key
    from shared_data.persistence.audit_verify import verify_chain
    from shared_data.persistence.db import create_engine_for

    engine = create_engine_for(db_url)
    try:
        report = verify_chain(engine, load_signing_key(signing_key).public_key())
        with engine.connect() as conn:
            completed = conn.execute(
                text("SELECT count(*) FROM audit_records WHERE state = 'completed'")
            ).scalar_one()
        return {
            "ok": report.ok,
            "rows": report.rows,
            "checkpoints": report.checkpoints,
            "completed": int(completed),
            "finding": None if report.finding is None else str(report.finding),
        }
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
