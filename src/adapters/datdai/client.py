"""DATDAI protocol: DigiLocker-style search (Pull URI) then fetch (Pull Doc), over JSON.

Wire format (synthetic, shaped like DigiLocker's issuer APIs in JSON):

    POST /api/v2/pull-uri        X-Datdai-Key: <key>
    {"txn": "<lookup id>", "orgId": "shared-data", "docType": "GCN",
     "thuaDat": "99999-12-345" | "soPhatHanh": "ZZ000123",
     "chuSuDung": {"loai": "CCCD", "so": "001090912345"}}        (GCN: the owner is required)
    -> {"txn": .., "responseStatus": 1, "uris": [{"uri": "vn.gov.datdai-GCN-ZZ000123",
        "ngayCap": "15/10/2020"}]}
    POST /api/v2/pull-doc        {"txn": .., "orgId": .., "uri": ".."}
    -> {"txn": .., "responseStatus": 1, "uri": .., "dataContent": {..the document..}}
    GET  /api/v2/health          -> the probe

`docType` GCN is the land-use-right certificate, TTTD the parcel information (no owner).
`responseStatus` 1 is success, 0 an error named by `maLoi` (KHONG_TIM_THAY: the one
authoritative "no record", also for a parcel asked with someone who is not on its
certificate), 9 "pending manual verification", which this integration cannot collect and so
treats as unavailable. All of these travel with HTTP 200; only outages are 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field, ValidationError

from adapters.mapping_helpers import CamelWire, DmyDate, WireFormatError

REGISTRY_ID = "DATDAI"
ORG_ID = "shared-data"
PULL_URI_PATH = "/api/v2/pull-uri"
PULL_DOC_PATH = "/api/v2/pull-doc"
HEALTH_PATH = "/api/v2/health"
API_KEY_HEADER = "X-Datdai-Key"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HEADERS: Mapping[str, str] = {}  # nothing but the credential (`auth_headers`)
DOC_TYPES = {"GCN_QSDD": "GCN", "THONG_TIN_THUA_DAT": "TTTD"}
# Owner scheme -> the registry's kind of owner identifier (citizen id, enterprise code).
OWNER_KINDS = {"PIN": "CCCD", "ENTERPRISE_CODE": "MSDN"}
URI_PATTERN = r"^vn\.gov\.datdai-(GCN|TTTD)-[A-Z0-9-]{6,20}$"
M = TypeVar("M", bound=CamelWire)


class Status(IntEnum):
    ERROR = 0
    OK = 1
    PENDING = 9


class ErrorCode(StrEnum):
    NOT_FOUND = "KHONG_TIM_THAY"
    INVALID = "KHONG_HOP_LE"
    UNAUTHORIZED = "KHONG_XAC_THUC"
    SYSTEM = "LOI_HE_THONG"


OwnerKind = Literal["CCCD", "MSDN"]
OwnerNumber = Annotated[str, Field(pattern=r"^[0-9]{10}([0-9]{2})?$")]
Uri = Annotated[str, Field(pattern=URI_PATTERN)]


class OwnerKeyWire(CamelWire):
    loai: OwnerKind
    so: OwnerNumber


class PullUriRequest(CamelWire):
    txn: Annotated[str, Field(min_length=1, max_length=64)]
    org_id: str
    doc_type: Literal["GCN", "TTTD"]
    thua_dat: str | None = None
    so_phat_hanh: str | None = None
    chu_su_dung: OwnerKeyWire | None = None


class UriItem(CamelWire):
    uri: Uri
    ngay_cap: DmyDate | None = None


class PullUriResponse(CamelWire):
    txn: str
    response_status: Status
    uris: list[UriItem] = Field(default_factory=list)
    ma_loi: str | None = None


class PullDocRequest(CamelWire):
    txn: Annotated[str, Field(min_length=1, max_length=64)]
    org_id: str
    uri: str


class PullDocResponse(CamelWire):
    txn: str
    response_status: Status
    uri: Uri | None = None
    data_content: dict[str, Any] | None = None
    ma_loi: str | None = None


def auth_headers(token: str) -> dict[str, str]:
    """The registry's own API-key header."""
    return {API_KEY_HEADER: token}


def encode(message: CamelWire) -> bytes:
    """Any DATDAI message as it travels: camelCase keys, absent values left out."""
    body = message.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError(f"not a DATDAI {model.__name__}") from exc
