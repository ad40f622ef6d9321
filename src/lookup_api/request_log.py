"""Request ids, the access log (one JSON line per request) and in-flight counting.

`RequestContextMiddleware` is pure ASGI (Starlette's BaseHTTPMiddleware costs throughput):
- the request id is the caller's `X-Request-ID` when it is 1-128 characters of
  [A-Za-z0-9._-], else a new uuid4 hex; it is echoed in the response's `X-Request-ID`, kept in
  `request.state.request_id` (the lookup stores it in the audit record) and in a context
  variable, so every log line written while serving the request carries it;
- one access log line per request at INFO on `shared_data.access`: method, route template
  (never the raw path: paths may hold identifiers), status, duration_ms, request_id and the
  authenticated client id (`request.state.client_id`, set by authentication). No query
  string, no body, no header values. `access_log=False` turns it off; `log_sample_rate` < 1
  keeps that share of the 2xx-4xx lines (5xx are always logged);
- `HttpStats` gets the request's in-flight count, route, status and duration.

`JsonFormatter` renders every log record as one JSON object (its `extra=` fields included);
`configure_logging` installs it once per process on the root logger.
"""

from __future__ import annotations

import contextvars
import json
import logging
import random
import re
import sys
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lookup_api.telemetry import HttpStats

REQUEST_ID_HEADER = b"x-request-id"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}", re.ASCII)
UNMATCHED_ROUTE = "<unmatched>"
# Any other method is "OTHER": a caller must not grow the metrics' label sets at will.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
access_log = logging.getLogger("shared_data.access")


def valid_request_id(raw: str | None) -> str | None:
    """The caller's request id if it is acceptable as is, else None."""
    if raw is not None and _VALID_ID.fullmatch(raw):
        return raw
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


def _caller_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            return valid_request_id(value.decode("latin-1"))
    return None


def request_id_of(scope: Scope) -> str:
    """The request's id, as the middleware chose it (or chosen now, without the middleware)."""
    state = scope.setdefault("state", {})
    request_id = state.get("request_id")
    if not isinstance(request_id, str):
        request_id = state["request_id"] = _caller_request_id(scope) or new_request_id()
    return request_id


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/lookups/{lookup_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Pure ASGI middleware: request id, access log, request counters (module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        stats: HttpStats,
        access_log_enabled: bool = True,
        sample_rate: float = 1.0,
    ) -> None:
        self.app = app
        self.stats = stats
        self.access_log_enabled = access_log_enabled
        self.sample_rate = sample_rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _caller_request_id(scope) or uuid.uuid4().hex
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        status = 500
        stats = self.stats

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        started = time.perf_counter()
        stats.in_flight += 1
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            stats.in_flight -= 1
            duration = time.perf_counter() - started
            route = route_template(scope)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            stats.finished(method, route, status, duration)
            if self.access_log_enabled and (
                status >= 500 or self.sample_rate >= 1.0 or random.random() < self.sample_rate
            ):
                _log_access(method, route, status, duration, request_id, state)
            request_id_var.reset(token)


def _log_access(
    method: str, route: str, status: int, duration: float, request_id: str, state: Any
) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    fields = {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(duration * 1000, 3),
        "request_id": request_id,
        "client_id": state.get("client_id"),
    }
    # makeRecord + handle is logger.info without its stack walk for the caller's file and
    # line (a third of the cost of a log line; this one always comes from here).
    record = access_log.makeRecord(
        access_log.name, logging.INFO, __file__, 0, "request", (), None, extra=fields
    )
    access_log.handle(record)


# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request id of the request
    being served, and the record's `extra` fields."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self._timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():  # in the order the fields were given
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)

    def _timestamp(self, record: logging.LogRecord) -> str:
        """ISO 8601 UTC with milliseconds; the seconds part is formatted once per second."""
        second = int(record.created)
        if second != self._second:
            self._second = second
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._second_text}.{int(record.msecs):03d}Z"


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the current `sys.stderr` (tools and tests swap it); installed once."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for every logger, once per process; `level` for ours."""
    root = logging.getLogger()
    if not any(isinstance(h, _JsonHandler) for h in root.handlers):
        handler = _JsonHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    for name in ("shared_data", "adapters", "lookup_api"):
        logging.getLogger(name).setLevel(level.upper())
    # httpx logs each request's full URL at INFO: registry URLs, and identifiers in their
    # query strings. Never below WARNING, whatever the root level.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
