"""DkdnAdapter: the national business-registration database (Ministry of Finance).

What is special about this registry, beyond its JSON (see `client` and `mapping`):
- Errors arrive as HTTP 200 with a `ma_loi`: 04 is the only authoritative "not found"; 01
  (credentials refused), 02, 03 and 99 are `unavailable`, never `not_found`.
- A certificate's legal status (active, suspended, dissolved, revoked, bankrupt, terminated) is
  the record's `status`; the validity policy voids per the catalog's `void_on`, so a dissolved
  enterprise's certificate is still `found` (and void), never `not_found`.
- Branch codes travel with their dash (0199900025-001) whatever spelling the caller used.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.dkdn import client
from adapters.dkdn.client import ErrorCode
from adapters.dkdn.mapping import SPECS, MappingError, wire_to_record
from shared_data.domain import (
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    UnavailableReason,
)
from shared_data.errors import (
    InvalidIdentifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

# Document type -> (the scheme its key is in, the key's shape with the parts the wire spells).
_KEYS: dict[str, tuple[str, re.Pattern[str]]] = {
    "GCN_DKDN": ("ENTERPRISE_CODE", re.compile(r"^(\d{10})$", re.ASCII)),
    "GCN_CHI_NHANH": ("BRANCH_CODE", re.compile(r"^(\d{10})-?(\d{3})$", re.ASCII)),
    "GCN_HKD": ("HKD_REG_NO", re.compile(r"^(\d{10}|\d{12}|\d{13})$", re.ASCII)),
}
_REFUSALS: dict[str, str] = {
    ErrorCode.UNAUTHORIZED: "credentials refused (ma_loi 01)",
    ErrorCode.INVALID_PARAMETER: "request refused as invalid (ma_loi 02)",
    ErrorCode.RATE_LIMITED: "rate limited (ma_loi 03)",
    ErrorCode.SYSTEM_ERROR: "system error (ma_loi 99)",
}
# Codes where asking again later may succeed.
_RETRIABLE: frozenset[str] = frozenset({ErrorCode.RATE_LIMITED, ErrorCode.SYSTEM_ERROR})


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


def wire_key(request: RegistryRequest) -> str:
    """The registry's spelling of the request's key; refuses what the registry cannot hold."""
    if request.document_type not in _KEYS:
        raise UnknownDocumentTypeError(
            f"{client.REGISTRY_ID} does not attest {request.document_type}"
        )
    scheme, shape = _KEYS[request.document_type]
    if request.subject.scheme != scheme:
        raise UnknownSchemeError(
            f"{request.document_type} is looked up by {scheme}, not {request.subject.scheme}"
        )
    match = shape.match(request.subject.value)
    if match is None:
        raise InvalidIdentifierError(scheme, "format", f"{scheme} has the wrong shape")
    return "-".join(match.groups())


def _refused(code: str) -> RegistryError:
    what = _REFUSALS.get(code, "unknown error code")
    return RegistryError(
        UnavailableReason.UPSTREAM_ERROR,
        f"{client.REGISTRY_ID}: {what}",
        retriable=code in _RETRIABLE,
    )


def _record(request: RegistryRequest, data: dict[str, Any] | None) -> RegistryRecord:
    if data is None:
        raise _bad("a found answer carries no du_lieu")
    try:
        record = wire_to_record(request.document_type, data)
    except MappingError as exc:
        raise _bad(str(exc)) from exc
    if record.record_id != wire_key(request):
        raise _bad("the answer is about another registration")
    return record


class DkdnAdapter(HttpRegistryAdapter):
    """Enterprise, branch and household-business certificates keyed by their codes."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset(SPECS)
    schemes = frozenset(scheme for scheme, _ in _KEYS.values())

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        path = client.PATHS[request.document_type].format(wire_key(request))
        return self.transport.build_request("GET", path, headers={"Accept": "application/json"})

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        try:
            envelope = client.decode_envelope(response.content)
        except MappingError as exc:
            raise _bad(str(exc)) from exc
        if envelope.ma_loi == ErrorCode.NOT_FOUND:
            if envelope.du_lieu:
                raise _bad("a not-found answer carries data")
            return RegistryAnswer.not_found(utcnow())
        if envelope.ma_loi != ErrorCode.OK:
            raise _refused(envelope.ma_loi)
        return RegistryAnswer.found(_record(request, envelope.du_lieu), utcnow())

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", client.HEALTH_PATH)
