"""LLTP protocol: submit a certificate request, then poll it by its ticket.

Wire format (synthetic, shaped like an asynchronous government service; DigiLocker's
`ResponseStatus 9` "pending" is the same idea):

    POST /api/v1/yeucau            Authorization: Bearer <token>
    {"ma_giao_dich": "<lookup id>", "loai_phieu": 1, "so_dinh_danh": "001090912345"}
    GET  /api/v1/yeucau/{ma_yeu_cau}
    GET  /api/v1/trangthai         -> the probe

Both answer the request's state: `{"ma_yeu_cau", "ma_giao_dich", "loai_phieu",
"so_dinh_danh", "trang_thai", "thoi_gian_cho", "phieu"}` with `trang_thai`
DANG_XU_LY (HTTP 202, still processing: ask again after `thoi_gian_cho` seconds),
DA_CAP (200, the certificate is in `phieu`) or KHONG_CO_DU_LIEU (200, the registry holds no
person with that PIN: the one authoritative "no record"). A request is idempotent on
`ma_giao_dich`: submitting the same one again returns the same ticket, so a retried submit
never files a second request. An unknown or expired ticket is HTTP 404; errors are
`{"ma_loi", "mo_ta"}` with 400/401/5xx.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from adapters.mapping_helpers import Pin, StrictWire, WireFormatError

REGISTRY_ID = "LLTP"
SUBMIT_PATH = "/api/v1/yeucau"
POLL_PATH = "/api/v1/yeucau/{}"
STATUS_PATH = "/api/v1/trangthai"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HEADERS: Mapping[str, str] = {}  # nothing but the credential (`auth_headers`)
CERTIFICATE_KINDS = {"LLTP_1": 1, "LLTP_2": 2}
TICKET_PATTERN = r"^YC[0-9A-F]{16}$"


class State(StrEnum):
    PROCESSING = "DANG_XU_LY"
    ISSUED = "DA_CAP"
    NO_RECORD = "KHONG_CO_DU_LIEU"


class SubmitWire(StrictWire):
    ma_giao_dich: Annotated[str, Field(min_length=1, max_length=64)]
    loai_phieu: Literal[1, 2]
    so_dinh_danh: Pin


class RequestStateWire(StrictWire):
    """The registry's account of one request; `phieu` only once issued."""

    ma_yeu_cau: Annotated[str, Field(pattern=TICKET_PATTERN)]
    ma_giao_dich: str
    loai_phieu: Literal[1, 2]
    so_dinh_danh: Pin
    trang_thai: State
    thoi_gian_cho: Annotated[int, Field(ge=0, le=86_400)] | None = None
    phieu: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _certificate_iff_issued(self) -> RequestStateWire:
        if (self.phieu is not None) != (self.trang_thai is State.ISSUED):
            raise ValueError("phieu comes with DA_CAP, and only with it")
        return self


def auth_headers(token: str) -> dict[str, str]:
    """A bearer token."""
    return {"Authorization": f"Bearer {token}"}


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_submit(tx_id: str, kind: int, pin: str) -> bytes:
    return _dumps({"ma_giao_dich": tx_id, "loai_phieu": kind, "so_dinh_danh": pin})


def decode_submit(body: bytes) -> SubmitWire:
    try:
        return SubmitWire.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError("not an LLTP request") from exc


def encode_state(state: RequestStateWire) -> bytes:
    return _dumps(state.model_dump(mode="json"))


def decode_state(body: bytes) -> RequestStateWire:
    try:
        return RequestStateWire.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError("not an LLTP request state") from exc


def encode_error(code: str, message: str) -> bytes:
    return _dumps({"ma_loi": code, "mo_ta": message})
