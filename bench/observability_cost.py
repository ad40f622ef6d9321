"""CPU cost of the monitoring on the request path, in-process (docs/OPERATIONS.md, Logs).

    .venv/bin/python bench/observability_cost.py

Prints, per call, the cost of `MonitoredAdapter` around a lookup and of
`RequestContextMiddleware` around a raw ASGI app: access log off, on (JSON to /dev/null),
sampled at 10%. Best of 5 runs, CPU time (`time.process_time`), so that other processes on a
shared machine move the figures less than wall time would.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from adapters.monitoring import AdapterMonitor, MonitoredAdapter
from lookup_api.request_log import RequestContextMiddleware, configure_logging
from lookup_api.telemetry import HttpStats
from shared_data.domain import Health, RegistryAnswer, RegistryRecord, RegistryRequest, Subject

ANSWER = RegistryAnswer.found(RegistryRecord(record_id="r", fields={}), datetime.now(UTC))
REQUEST = RegistryRequest(
    lookup_id="l", registry="X", document_type="D", subject=Subject(scheme="PIN", value="0" * 12)
)
SCOPE = {
    "type": "http",
    "method": "POST",
    "path": "/v1/lookups",
    "headers": [(b"host", b"x"), (b"x-request-id", b"bench-1")],
}


class InstantAdapter:
    registry_id, document_types, schemes = "X", frozenset[str](), frozenset[str]()

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        return ANSWER

    async def probe(self) -> Health:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


async def per_call_us(call: Callable[[], Awaitable[Any]], n: int) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(n):
            await call()
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best


async def hello(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hi"})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def send(message: Any) -> None:
    return None


async def main(devnull: Any) -> None:
    inner = InstantAdapter()
    monitored = MonitoredAdapter(inner, AdapterMonitor("X"))
    bare = await per_call_us(lambda: inner.lookup(REQUEST), 200_000)
    wrapped = await per_call_us(lambda: monitored.lookup(REQUEST), 200_000)
    print(f"MonitoredAdapter: +{wrapped - bare:.2f} us per lookup")

    configure_logging()
    real_stderr, sys.stderr = sys.stderr, devnull  # the JSON handler writes to sys.stderr
    try:
        base = await per_call_us(lambda: hello(dict(SCOPE), receive, send), 50_000)
        results = {}
        for label, options in (
            ("access log off", {"access_log_enabled": False}),
            ("access log on", {}),
            ("access log sampled 10%", {"sample_rate": 0.1}),
        ):
            app = RequestContextMiddleware(hello, stats=HttpStats(), **options)  # type: ignore[arg-type]
            results[label] = await per_call_us(
                lambda app=app: app(dict(SCOPE), receive, send), 50_000
            )
    finally:
        sys.stderr = real_stderr
    for label, cost in results.items():
        print(f"RequestContextMiddleware, {label}: +{cost - base:.2f} us per request")
    logging.shutdown()


if __name__ == "__main__":
    with open(os.devnull, "w") as null:
        asyncio.run(main(null))
