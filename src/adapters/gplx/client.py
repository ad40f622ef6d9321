"""GPLX protocol: a query-string lookup with HTTP Basic credentials, answered in flat JSON.

Wire format (synthetic, shaped like the traffic police's licence lookup service):

    GET /api/gplx/tracuu?so_gplx=010900000001     (licence number, 12 digits)
    GET /api/gplx/tracuu?so_cccd=001090912345     (holder's PIN)
    Authorization: Basic base64(<client id>:<key>)
    -> 200 {"ket_qua": "CO_DU_LIEU", "giay_phep": {...}}
    -> 200 {"ket_qua": "KHONG_CO_DU_LIEU", "giay_phep": null}   (the authoritative "no record")
    GET /api/gplx/ping                            -> 200 {"ket_qua": "OK"}   (probe)

Errors are HTTP statuses (401 refused credentials, 400 bad parameter, 5xx outages) that the
shared transport reads; "no record" is in band, so the adapter reads no error status itself.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from adapters.mapping_helpers import WireFormatError

REGISTRY_ID = "GPLX"
DEFAULT_CLIENT_ID = "shared-data"
LOOKUP_PATH = "/api/gplx/tracuu"
PING_PATH = "/api/gplx/ping"
# Subject scheme -> the query parameter that names it.
QUERY_KEYS = {"DL_NO": "so_gplx", "PIN": "so_cccd"}
HEADERS: Mapping[str, str] = {"Accept": "application/json"}


class Result(StrEnum):
    FOUND = "CO_DU_LIEU"
    NO_RECORD = "KHONG_CO_DU_LIEU"


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    ket_qua: Result
    giay_phep: dict[str, Any] | None = None


def basic_auth(client_id: str, token: str) -> str:
    """RFC 7617 credentials: `Basic base64(id:key)` (UTF-8)."""
    pair = base64.b64encode(f"{client_id}:{token}".encode()).decode("ascii")
    return f"Basic {pair}"


def auth_headers(token: str, client_id: str = DEFAULT_CLIENT_ID) -> dict[str, str]:
    return {"Authorization": basic_auth(client_id, token)}


def decode(body: bytes) -> Answer:
    try:
        return Answer.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError("not a GPLX answer") from exc
