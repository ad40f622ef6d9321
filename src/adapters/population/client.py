"""How to talk to the population (DANCU) and residence (CUTRU) registries of the BCA.

Wire protocol (synthetic, shaped like the BCA data-sharing gateway; JSON, UTF-8, Vietnamese
keys without diacritics, dates dd/mm/yyyy):

    DANCU  POST /api/v1/congdan/tracuu       X-Api-Key: <key>   X-Request-Id: <lookup id>
           {"loaiTraCuu": "THE_CAN_CUOC", "soDinhDanh": "001090912345"}
           {"loaiTraCuu": "SO_CMND_CU", "soCMND": "013912345"}     (legacy 9-digit subject)
           -> 200 {"loaiTraCuu": "...", "congDan": {...}}
    CUTRU  GET  /api/v1/cutru/{soDinhDanh}     -> 200 residence information (form CT07)
           GET  /api/v1/hogiadinh/{soDinhDanh} -> 200 the household (the abolished book)
    both   GET  /api/v1/trangthai              -> 200 {"trangThai": "HOAT_DONG"}  (probe)
           errors: {"maLoi": "...", "thongBao": "..."} with 400/401/404/429/5xx

How an answer is read: the shared transport (`adapters.transport`) applies the status,
content-type and size rules of every registry, and lets through a 404 in JSON because both
registries say "no such record" with it (`HANDLED_STATUSES`). Then `read_answer`:
- 2xx -> the body, for the mapping to validate;
- 404 whose body says `maLoi: KHONG_TIM_THAY` -> the registry's authoritative "no such
  record" (None); any other 404 (a wrong path, another error code) is unavailable.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from adapters.population.mapping import LOOKUP_KINDS
from adapters.population.wire import ErrorAnswer
from adapters.transport import RegistryTransport, status_error
from shared_data.domain import RegistryRecord, RegistryRequest, Subject, UnavailableReason
from shared_data.errors import RegistryError, UnknownSchemeError

API_KEY_HEADER = "X-Api-Key"
REQUEST_ID_HEADER = "X-Request-Id"
NOT_FOUND_CODE = "KHONG_TIM_THAY"
DANCU_LOOKUP_PATH = "/api/v1/congdan/tracuu"
CUTRU_PATHS = {"CT07": "/api/v1/cutru/{pin}", "SO_HO_KHAU": "/api/v1/hogiadinh/{pin}"}
STATUS_PATH = "/api/v1/trangthai"
# The one HTTP error status these registries answer themselves, as "no such record".
HANDLED_STATUSES = frozenset({404})
# Subject scheme -> the request key DANCU expects; CMND9 is resolved by DANCU's cross-walk.
DANCU_SUBJECT_KEYS = {"PIN": "soDinhDanh", "CMND9": "soCMND"}
HEADERS: Mapping[str, str] = {}  # nothing but the credential (`auth_headers`)


def auth_headers(token: str) -> dict[str, str]:
    """Both BCA registries take one API key header (the same gateway fronts them)."""
    return {API_KEY_HEADER: token}


def dancu_lookup_request(transport: RegistryTransport, request: RegistryRequest) -> httpx.Request:
    key = DANCU_SUBJECT_KEYS.get(request.subject.scheme)
    if key is None:
        raise UnknownSchemeError(f"DANCU does not accept {request.subject.scheme} subjects")
    body = {"loaiTraCuu": LOOKUP_KINDS[request.document_type].value, key: request.subject.value}
    return transport.build_request(
        "POST", DANCU_LOOKUP_PATH, json=body, headers={REQUEST_ID_HEADER: request.lookup_id}
    )


def cutru_lookup_request(transport: RegistryTransport, request: RegistryRequest) -> httpx.Request:
    # Quirk: CUTRU is keyed by PIN only and takes it in the path (GET), unlike DANCU.
    if request.subject.scheme != "PIN":
        raise UnknownSchemeError(f"CUTRU does not accept {request.subject.scheme} subjects")
    path = CUTRU_PATHS[request.document_type].format(pin=quote(request.subject.value, safe=""))
    return transport.build_request("GET", path, headers={REQUEST_ID_HEADER: request.lookup_id})


def probe_request(transport: RegistryTransport) -> httpx.Request:
    return transport.build_request("GET", STATUS_PATH)


def read_answer(registry_id: str, response: httpx.Response) -> bytes | None:
    """The body of a found answer, None for the registry's explicit not-found, else raise."""
    if response.status_code != 404:
        return response.content
    if _error_code(response) == NOT_FOUND_CODE:
        return None
    raise status_error(registry_id, response)


def _error_code(response: httpx.Response) -> str | None:
    try:
        return ErrorAnswer.model_validate_json(response.content).ma_loi
    except ValidationError:
        return None


def check_subject(registry_id: str, subject: Subject, record: RegistryRecord) -> None:
    """Refuse an answer about someone else (a registry mixing up answers must not leak them)."""
    answered = record.fields.get("cmnd9" if subject.scheme == "CMND9" else "pin")
    if subject.scheme == "CMND9" and answered is None:
        return  # only the XN_CMND9 answer carries the legacy number back
    if answered != subject.value:
        raise RegistryError(
            UnavailableReason.BAD_RESPONSE, f"{registry_id}: answer is about another subject"
        )
