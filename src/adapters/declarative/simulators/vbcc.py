"""VBCC simulator: diplomas of the world (`simulators.data.diplomas`) per `registries/vbcc.yaml`.

By PIN the person's diplomas are listed highest level first (then latest), so the configured
record (`ketQua[0]`) is the highest one; by serial, the one diploma or a 404 with the
registry's code. Diplomas are indexed once when the app is built.
"""

from __future__ import annotations

import hmac

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.declarative.config import shipped_config
from adapters.declarative.mapping import write_record
from adapters.simulators.data.diplomas import Diploma, build_diplomas
from adapters.simulators.world import World
from shared_data.domain import RegistryRecord

REGISTRY_ID = "VBCC"


def diploma_record(d: Diploma) -> RegistryRecord:
    fields = {"pin": d.pin, "diploma_no": d.diploma_no, "level": d.level,
              "institution": d.institution, "grad_year": d.grad_year,
              "classification": d.classification}  # fmt: skip
    return RegistryRecord(record_id=d.diploma_no, fields=fields, issued_on=d.issued_on,
                          status=d.status)  # fmt: skip


def build_simulator(world: World, token: str) -> Starlette:
    """The VBCC simulator app; it refuses calls without `X-API-KEY: <token>` (401)."""
    document = shipped_config(REGISTRY_ID).document_types["BANG_TOT_NGHIEP"]
    diplomas = build_diplomas(world)
    by_pin: dict[str, list[Diploma]] = {}
    for diploma in sorted(diplomas.values(), key=lambda d: (d.rank, d.grad_year), reverse=True):
        by_pin.setdefault(diploma.pin, []).append(diploma)
    expected = token.encode()

    def answer(found: list[Diploma]) -> Response:
        items = [write_record(document, diploma_record(d)) for d in found]
        return JSONResponse({"tongSo": len(items), "ketQua": items})

    def refused(request: Request) -> Response | None:
        presented = request.headers.get("x-api-key", "").encode()
        if hmac.compare_digest(presented, expected):
            return None
        return JSONResponse({"loi": "KHONG_CO_QUYEN"}, status_code=401)

    async def by_holder(request: Request) -> Response:
        pin = request.query_params.get("cccd", "")
        if len(pin) != 12 or not pin.isdigit():
            return refused(request) or JSONResponse({"loi": "THAM_SO_SAI"}, status_code=400)
        return refused(request) or answer(by_pin.get(pin, []))

    async def by_serial(request: Request) -> Response:
        diploma = diplomas.get(request.path_params["serial"])
        if diploma is None:
            return refused(request) or JSONResponse({"loi": "KHONG_TIM_THAY"}, status_code=404)
        return refused(request) or answer([diploma])

    async def status(request: Request) -> Response:
        return JSONResponse({"trangThai": "HOAT_DONG"})

    return Starlette(
        routes=[
            Route("/api/v1/van-bang", by_holder, methods=["GET"]),
            Route("/api/v1/van-bang/{serial}", by_serial, methods=["GET"]),
            Route("/api/v1/trang-thai", status, methods=["GET"]),
        ]
    )
