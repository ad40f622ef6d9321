"""DKDN protocol: the JSON envelope and its error codes, authentication and the HTTP-level checks.

Wire format (synthetic, shaped like the national business-registration gateway):

    GET /api/doanhnghiep/{enterprise_code}   (10 digits)          -> GCN_DKDN
    GET /api/chinhanh/{branch_code}          (0199900025-001)     -> GCN_CHI_NHANH
    GET /api/hokinhdoanh/{reg_no}            (10, 12 or 13 digits) -> GCN_HKD
    GET /api/health                                               -> probe, no credentials
    X-Client-Id: <client id>   X-Client-Secret: <secret>   Accept: application/json

Every answer is `{"ma_loi": "00", "mo_ta": "Thành công", "du_lieu": {...}}`. Registry quirk:
application errors (refused credentials included) come back as HTTP 200 with their own `ma_loi`;
only outages surface as HTTP 5xx (so any non-2xx is an HTTP error of the shared transport's rules).
`ma_loi` 04 is the one authoritative "not found".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.dkdn.mapping import MappingError

REGISTRY_ID = "DKDN"
DEFAULT_CLIENT_ID = "shared-data"
HEALTH_PATH = "/api/health"
PATHS = {
    "GCN_DKDN": "/api/doanhnghiep/{}",
    "GCN_CHI_NHANH": "/api/chinhanh/{}",
    "GCN_HKD": "/api/hokinhdoanh/{}",
}
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HEADERS: Mapping[str, str] = {}  # nothing but the credential (`auth_headers`)


class ErrorCode(StrEnum):
    """`ma_loi` values of the DKDN gateway."""

    OK = "00"
    UNAUTHORIZED = "01"
    INVALID_PARAMETER = "02"
    RATE_LIMITED = "03"
    NOT_FOUND = "04"
    SYSTEM_ERROR = "99"


MESSAGES: dict[str, str] = {
    ErrorCode.OK: "Thành công",
    ErrorCode.UNAUTHORIZED: "Thông tin xác thực không hợp lệ",
    ErrorCode.INVALID_PARAMETER: "Tham số không hợp lệ",
    ErrorCode.RATE_LIMITED: "Vượt quá hạn mức truy vấn",
    ErrorCode.NOT_FOUND: "Không tìm thấy dữ liệu",
    ErrorCode.SYSTEM_ERROR: "Lỗi hệ thống",
}


class Envelope(BaseModel):
    """The gateway's wrapper around every answer; `du_lieu` is checked per document type."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    ma_loi: Annotated[str, Field(pattern=r"^[0-9]{2}$")]
    mo_ta: str | None = None
    du_lieu: dict[str, Any] | None = None


def auth_headers(token: str, client_id: str = DEFAULT_CLIENT_ID) -> dict[str, str]:
    """The gateway's own credential pair (not a bearer token)."""
    return {"X-Client-Id": client_id, "X-Client-Secret": token}


def encode_envelope(code: ErrorCode, data: dict[str, Any] | None = None) -> bytes:
    body = {"ma_loi": code.value, "mo_ta": MESSAGES[code], "du_lieu": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_envelope(body: bytes) -> Envelope:
    try:
        return Envelope.model_validate_json(body)
    except ValidationError as exc:
        raise MappingError("not a DKDN envelope") from exc
