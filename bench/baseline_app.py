"""B0: the framework's own ceiling for this request shape.

A bare FastAPI endpoint at the same path that validates the same request body model
(`lookup_api.schemas.LookupRequest`) and returns a body of the same size as a real cached
lookup's answer (the bytes of one, recorded by bench/run.py and named by BENCH_BASELINE_BODY),
with no I/O: no authentication, no grant, no cache, no audit.

    uvicorn --factory baseline_app:create_app
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response

from lookup_api.schemas import LookupRequest


def create_app() -> FastAPI:
    path = os.environ.get("BENCH_BASELINE_BODY")
    body = Path(path).read_bytes() if path else b"{}"
    app = FastAPI()

    @app.post("/v1/lookups")
    async def create_lookup(request: LookupRequest) -> Response:
        return Response(content=body, media_type="application/json")

    return app
