"""HN_KHO protocol: search-then-fetch (DigiLocker's Pull URI / Pull Doc), HMAC-signed requests.

Wire format (synthetic, shaped like DigiLocker's issuer APIs, DOMAIN.md 7.1, in JSON):

    POST /api/pulluri    Content-Type: application/json
    x-kho-hmac: base64(HMAC-SHA256(<the raw request body>, <API key>))
    {"ver": "1.0", "ts": "2026-06-01T09:00:00+07:00", "txn": "<unique id>", "orgId": "shared-data",
     "docType": "GIAY_PHEP_XAY_DUNG",
     "maHoSo": "H01.12-251215-0001"}                       (by dossier number), or
     "loaiDinhDanh": "CCCD" | "MST", "soDinhDanh": "..."}   (by the owner of the account)
    -> {"ver", "status": "1", "ts", "txn" (echoed), "docType",
        "uris": [{"uri": "vn.gov.hn_kho-GIAY_PHEP_XAY_DUNG-<docid>", "ngayCap": "15/12/2025",
                  "trangThai": "HIEU_LUC"}, ...]}          (an empty list: no such document)

    POST /api/pulldoc  (signed alike)  {"ver", "ts", "txn", "orgId", "uri": "..", "format": "json"}
    -> {"ver", "status": "1", "ts", "txn", "uri", "docType", "maHoSo",
        "chuHoSo": ["<PIN or MST of each account holder>"], "trangThai": "HIEU_LUC",
        "data": {...}}                                    (format "xml": "dataContent", base64 XML)

`status` is DigiLocker's ResponseStatus: "1" answered, "0" error (with `errorCode`), "9" pending
manual verification. Application errors travel as HTTP 200 with status "0"; a request whose
HMAC, timestamp or txn is refused gets HTTP 401 (`errorCode` AUTH_FAILED). Replay protection:
`ts` (ISO 8601 with offset) must be within `MAX_SKEW_S` of the Kho's clock and each `txn` is
accepted once, so every attempt of a lookup signs afresh. `GET /api/health` needs no signature.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Any, Literal

import httpx
from pydantic import Field, StringConstraints, ValidationError

from adapters.hn_kho.mapping import STATUS, MappingError
from adapters.mapping_helpers import DmyDate, StrictWire, validation_summary
from adapters.signing import hmac_signature
from adapters.transport import RegistryTransport

REGISTRY_ID = "HN_KHO"
PULL_URI_PATH = "/api/pulluri"
PULL_DOC_PATH = "/api/pulldoc"
HEALTH_PATH = "/api/health"
HMAC_HEADER = "x-kho-hmac"
VERSION = "1.0"
DEFAULT_ORG_ID = "shared-data"
MAX_SKEW_S = 300.0
URI_PREFIX = "vn.gov.hn_kho"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HEADERS: Mapping[str, str] = {}
VN_TZ = timezone(timedelta(hours=7))
# Subject scheme -> the Kho's word for an owner's identifier (tax codes of every form are MST).
OWNER_KINDS = {"PIN": "CCCD", "MST": "MST", "ENTERPRISE_CODE": "MST", "BRANCH_CODE": "MST"}

Uri = Annotated[
    str, StringConstraints(pattern=r"^vn\.gov\.hn_kho-[A-Z][A-Z0-9_]*-[A-Za-z0-9]{1,40}$")
]
Clock = Callable[[], datetime]
StatusWord = STATUS.wire_type


class Status(StrEnum):
    """DigiLocker's ResponseStatus."""

    OK = "1"
    ERROR = "0"
    PENDING = "9"


class ErrorCode(StrEnum):
    AUTH_FAILED = "AUTH_FAILED"
    INVALID_REQUEST = "INVALID_REQUEST"
    URI_NOT_FOUND = "URI_NOT_FOUND"
    SYSTEM_ERROR = "SYSTEM_ERROR"


def vn_now() -> datetime:
    return datetime.now(VN_TZ)


def document_uri(document_type: str, doc_id: str) -> str:
    return f"{URI_PREFIX}-{document_type}-{doc_id}"


def split_uri(uri: str) -> tuple[str, str]:
    """`vn.gov.hn_kho-<DOCTYPE>-<docid>` -> (DOCTYPE, docid)."""
    _, document_type, doc_id = uri.split("-", 2)
    return document_type, doc_id


# --- answers ---------------------------------------------------------------------------


class UriItem(StrictWire):
    uri: Uri
    ngayCap: DmyDate | None = None
    trangThai: StatusWord


class _Answer(StrictWire):
    ver: Literal["1.0"]
    status: Literal["0", "1", "9"]
    ts: str
    txn: str
    errorCode: str | None = None
    errorMessage: str | None = None


class PullUriAnswer(_Answer):
    docType: str | None = None
    uris: list[UriItem] = Field(default_factory=list)


class PullDocAnswer(_Answer):
    uri: Uri | None = None
    docType: str | None = None
    maHoSo: str | None = None
    chuHoSo: list[str] = Field(default_factory=list)
    trangThai: StatusWord | None = None
    format: Literal["json", "xml"] | None = None
    data: dict[str, Any] | None = None
    dataContent: str | None = None


def _decode(model: type[_Answer], body: bytes) -> Any:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise MappingError(validation_summary(exc)) from exc


def decode_pull_uri(body: bytes) -> PullUriAnswer:
    answer: PullUriAnswer = _decode(PullUriAnswer, body)
    return answer


def decode_pull_doc(body: bytes) -> PullDocAnswer:
    answer: PullDocAnswer = _decode(PullDocAnswer, body)
    return answer


def encode_answer(answer: _Answer) -> bytes:
    body = answer.model_dump(mode="json", exclude_none=True)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- requests --------------------------------------------------------------------------


class Signer:
    """Builds signed requests: a fresh `ts` and `txn` for every one (replays are refused)."""

    def __init__(self, key: str, *, org_id: str = DEFAULT_ORG_ID, clock: Clock = vn_now) -> None:
        self._key = key.encode()
        self.org_id = org_id
        self._clock = clock

    def body(self, payload: dict[str, Any]) -> tuple[bytes, str]:
        """The request body with its envelope, and its txn."""
        txn = uuid.uuid4().hex
        envelope = {
            "ver": VERSION,
            "ts": self._clock().isoformat(timespec="seconds"),
            "txn": txn,
            "orgId": self.org_id,
            **payload,
        }
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode(), txn

    def request(
        self, transport: RegistryTransport, path: str, payload: dict[str, Any]
    ) -> tuple[httpx.Request, str]:
        body, txn = self.body(payload)
        headers = {"Content-Type": JSON_CONTENT_TYPE, HMAC_HEADER: hmac_signature(self._key, body)}
        return transport.build_request("POST", path, content=body, headers=headers), txn


def auth_headers(token: str) -> dict[str, str]:
    """No static credential: the Kho authenticates each body by its HMAC (`Signer`)."""
    return {}
