"""THUE protocol: the tax department's JSON:API-style REST, its signed requests and its errors.

Wire format (synthetic, shaped like a JSON:API gateway; `Content-Type: application/vnd.api+json`):

    GET /v1/nguoi-nop-thue/{ma}/xac-nhan-nghia-vu                 -> XN_NGHIA_VU_THUE
    GET /v1/nguoi-nop-thue/{ma}/chung-tu?loai=LPTB&page[size]=20  -> CHUNG_TU_LPTB (newest
        [&filter[doiTuong]={plate or parcel}]                         first, paginated)
    GET /v1/nguoi-nop-thue/{ma}/mst-ca-nhan                       -> MST_CA_NHAN
    GET /v1/trang-thai                                            -> probe, unsigned

`{ma}` is the taxpayer's code: an MST (10 digits, or 10-3 for a dependent unit) or, for
individuals since 1/7/2025, the 12-digit PIN. Answers are `{"data": resource | [resources],
"meta": {...}}`; errors `{"errors": [{"status": "404", "code": "NNT_KHONG_TON_TAI", ...}]}`.

Registry quirk: every call but the probe is signed (HMAC-SHA256 with our key over method, path
with query, and a Unix timestamp; a stale timestamp is refused), the way DigiLocker issuers
authenticate their callers. 404 is "no such record" only with one of `NOT_FOUND_CODES`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from adapters.mapping_helpers import WireFormatError
from adapters.signing import TimestampedHeaders, hmac_signature

REGISTRY_ID = "THUE"
MEDIA_TYPE = "application/vnd.api+json"
DEFAULT_CLIENT_ID = "shared-data"
CLIENT_HEADER = "X-TCT-Client"
TIMESTAMP_HEADER = "X-TCT-Timestamp"
SIGNATURE_HEADER = "X-TCT-Signature"
# How far a request's timestamp may be from the registry's clock.
MAX_SKEW_S = 300
SIGNED_HEADERS = TimestampedHeaders(CLIENT_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER, MAX_SKEW_S)
STATUS_PATH = "/v1/trang-thai"
PATHS = {
    "XN_NGHIA_VU_THUE": "/v1/nguoi-nop-thue/{}/xac-nhan-nghia-vu",
    "CHUNG_TU_LPTB": "/v1/nguoi-nop-thue/{}/chung-tu",
    "MST_CA_NHAN": "/v1/nguoi-nop-thue/{}/mst-ca-nhan",
}
PAGE_SIZE = 20
HEADERS: Mapping[str, str] = {"Accept": MEDIA_TYPE}
# Error codes of a 404 that are the registry's authoritative "no such record".
UNKNOWN_TAXPAYER, NO_LEGACY_MST = "NNT_KHONG_TON_TAI", "KHONG_CO_MST_CU"
NOT_FOUND_CODES = frozenset({UNKNOWN_TAXPAYER, NO_LEGACY_MST})


class ErrorObject(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: str
    code: str
    title: str | None = None


class Document(BaseModel):
    """A JSON:API top-level document: data or errors (never both)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    data: dict[str, Any] | list[dict[str, Any]] | None = None
    errors: list[ErrorObject] | None = None
    meta: dict[str, Any] | None = None


def message(method: str, target: str, timestamp: str) -> bytes:
    """What is signed: `METHOD\\npath?query\\ntimestamp`."""
    return f"{method.upper()}\n{target}\n{timestamp}".encode()


def signature(token: str, method: str, target: str, timestamp: str) -> str:
    """Base64 HMAC-SHA256 of `message(...)` under the client's key."""
    return hmac_signature(token, message(method, target, timestamp))


class Signer:
    """Signs each request with the registry key (the transport's headers are static)."""

    def __init__(
        self, token: str, client_id: str = DEFAULT_CLIENT_ID, clock: Callable[[], float] = time.time
    ) -> None:
        self._token, self._client_id, self._clock = token, client_id, clock

    def sign(self, request: httpx.Request) -> httpx.Request:
        timestamp = str(int(self._clock()))
        target = request.url.raw_path.decode("ascii")
        signed = message(request.method, target, timestamp)
        request.headers.update(SIGNED_HEADERS.sign(self._token, self._client_id, timestamp, signed))
        return request


def auth_headers(token: str) -> dict[str, str]:
    """No static credential: the `Signer` signs each request with the key."""
    return {}


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(body: bytes) -> Document:
    try:
        document = Document.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError("not a JSON:API document") from exc
    if (document.data is None) == (document.errors is None):
        raise WireFormatError("a JSON:API document holds either data or errors")
    return document


def error_document(status: int, code: str, title: str) -> dict[str, Any]:
    return {"errors": [{"status": str(status), "code": code, "title": title}]}
