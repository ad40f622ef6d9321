"""GplxAdapter: the driver-licence database (Traffic Police Department, since 1/3/2025).

What is special about this registry, beyond its JSON (see `client` and `mapping`):
- a licence is found by its number (DL_NO) or by its holder's PIN, both in the query string;
- "no record" comes in band (`ket_qua: KHONG_CO_DU_LIEU`, HTTP 200) and is the only
  not_found; any HTTP error status is the shared transport's `unavailable`;
- the answer must name the licence or holder asked about, or it is not released;
- the card's expiry is the record's `valid_until` (until_expiry); a revoked licence is void.
"""

from __future__ import annotations

import re

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.gplx import client
from adapters.gplx.client import Result
from adapters.gplx.mapping import wire_to_record
from adapters.mapping_helpers import WireFormatError
from shared_data.domain import RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import (
    InvalidIdentifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

_TWELVE_DIGITS = re.compile(r"^[0-9]{12}$")
# Subject scheme -> the canonical field that must echo it.
_ECHO = {"DL_NO": "dl_no", "PIN": "pin"}


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


class GplxAdapter(HttpRegistryAdapter):
    """Driving licences, by licence number or holder PIN."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset({"GPLX"})
    schemes = frozenset(client.QUERY_KEYS)

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        if request.document_type not in self.document_types:
            raise UnknownDocumentTypeError(f"GPLX does not attest {request.document_type}")
        scheme, value = request.subject.scheme, request.subject.value
        if scheme not in client.QUERY_KEYS:
            raise UnknownSchemeError(f"GPLX looks licences up by DL_NO or PIN, not {scheme}")
        if not _TWELVE_DIGITS.match(value):
            raise InvalidIdentifierError(scheme, "format", f"{scheme} must be 12 ASCII digits")
        return self.transport.build_request(
            "GET", client.LOOKUP_PATH, params={client.QUERY_KEYS[scheme]: value}
        )

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        try:
            answer = client.decode(response.content)
            if answer.ket_qua is Result.NO_RECORD:
                if answer.giay_phep is not None:
                    raise WireFormatError("a no-record answer carries a licence")
                return RegistryAnswer.not_found(utcnow())
            record = wire_to_record(answer.giay_phep)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        if record.fields[_ECHO[request.subject.scheme]] != request.subject.value:
            raise _bad("the answer is about another licence")
        return RegistryAnswer.found(record, utcnow())

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", client.PING_PATH)
