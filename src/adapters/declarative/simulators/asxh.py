"""ASXH simulator: poverty-list certificates of the world (`simulators.data.welfare`) per
`registries/asxh.yaml`: one POST lookup answered in a `maKetQua` envelope.

Certificates are indexed once by household id and by every member's PIN.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.declarative.config import shipped_config
from adapters.declarative.mapping import write_record
from adapters.simulators.data.welfare import PovertyCertificate, build_certificates
from adapters.simulators.world import World
from shared_data.domain import RegistryRecord

REGISTRY_ID = "ASXH"
DOCUMENT = "GCN_HO_NGHEO_CAN_NGHEO"
MESSAGES = {"00": "Thành công", "01": "Không có trong danh sách", "02": "Yêu cầu không hợp lệ"}
_MAX_BODY_BYTES = 4_096


def certificate_record(c: PovertyCertificate) -> RegistryRecord:
    fields = {
        "household_id": c.household_id,
        "head_pin": c.head_pin,
        "member_pins": list(c.member_pins),
        "category": c.category,
        "year": c.year,
    }
    return RegistryRecord(record_id=f"{c.household_id}/{c.year}", fields=fields,
                          issued_on=c.issued_on, status=c.status)  # fmt: skip


def _envelope(code: str, data: dict[str, Any] | None = None) -> Response:
    return JSONResponse({"maKetQua": code, "thongDiep": MESSAGES[code], "duLieu": data})


def _query(body: bytes) -> tuple[str, str] | None:
    """(loaiMa, giaTri) of a well-formed lookup, else None."""
    try:
        query = json.loads(body) if len(body) <= _MAX_BODY_BYTES else None
    except ValueError:
        return None
    if not isinstance(query, dict) or query.get("loaiGiayTo") != DOCUMENT:
        return None
    kind, value = query.get("loaiMa"), query.get("giaTri")
    if kind not in ("CCCD", "MA_HO") or not isinstance(value, str) or not query.get("maGiaoDich"):
        return None
    return kind, value


def build_simulator(world: World, token: str) -> Starlette:
    """The ASXH simulator app; it refuses calls without `Authorization: Bearer <token>`."""
    document = shipped_config(REGISTRY_ID).document_types["GCN_HO_NGHEO"]
    certificates = build_certificates(world)
    by_member = {pin: c for c in certificates.values() for pin in c.member_pins}
    expected = f"Bearer {token}".encode()

    async def lookup(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return JSONResponse({"maKetQua": "401", "thongDiep": "Sai khóa"}, status_code=401)
        query = _query(await request.body())
        if query is None:
            return _envelope("02")
        kind, value = query
        found = certificates.get(value) if kind == "MA_HO" else by_member.get(value)
        if found is None:
            return _envelope("01")
        return _envelope("00", write_record(document, certificate_record(found)))

    async def ping(request: Request) -> Response:
        return JSONResponse({"maKetQua": "00"})

    return Starlette(
        routes=[
            Route("/api/an-sinh/ho-ngheo/tra-cuu", lookup, methods=["POST"]),
            Route("/api/an-sinh/ping", ping, methods=["GET"]),
        ]
    )
