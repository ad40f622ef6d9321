"""ThueAdapter: the tax administration database (Cục Thuế, Ministry of Finance).

What is special about this registry, beyond its JSON:API dialect (see `client`, `mapping`):
- the taxpayer is named by MST (enterprises, dependent units) or by PIN (individuals, since
  1/7/2025); enterprise and branch codes are MSTs and are accepted as such;
- a 404 is "no such record" only with an error code of `client.NOT_FOUND_CODES`; an empty
  receipt list is "no receipt" too;
- receipts come newest first; a qualifier naming what was paid for (PLATE_NO or PARCEL_KEY)
  is passed to the registry as a filter, else the newest receipt is the document;
- MST_CA_NHAN (the personal tax-code certificate) was abolished on 1/7/2025: the registry
  still answers with the legacy code and the catalog's validity says the paper is abolished.
"""

from __future__ import annotations

import re

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.mapping_helpers import WireFormatError
from adapters.thue import client
from adapters.thue.client import Signer
from adapters.thue.mapping import SPECS, resource_to_record
from adapters.transport import RegistryTransport, status_error
from shared_data.domain import RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import (
    InvalidIdentifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

# Scheme -> the shape of a taxpayer code in it (MST-like schemes are the same number space).
_TAX_CODES = {
    "MST": re.compile(r"^([0-9]{10})-?([0-9]{3})?$"),
    "ENTERPRISE_CODE": re.compile(r"^([0-9]{10})$"),
    "BRANCH_CODE": re.compile(r"^([0-9]{10})-?([0-9]{3})$"),
    "PIN": re.compile(r"^([0-9]{12})$"),
}
# Per document type: the schemes the catalog names (key and alt_keys).
_SCHEMES = {
    "XN_NGHIA_VU_THUE": frozenset({"MST", "PIN", "ENTERPRISE_CODE", "BRANCH_CODE"}),
    "CHUNG_TU_LPTB": frozenset({"PIN", "MST", "ENTERPRISE_CODE", "BRANCH_CODE"}),
    "MST_CA_NHAN": frozenset({"PIN"}),
}
# Qualifiers naming what a receipt was paid for.
_PAID_FOR = ("PLATE_NO", "PARCEL_KEY")


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


def taxpayer_code(request: RegistryRequest) -> str:
    """The registry's spelling of the taxpayer: MST with its dash for a dependent unit, or PIN."""
    if request.document_type not in SPECS:
        raise UnknownDocumentTypeError(f"THUE does not attest {request.document_type}")
    scheme = request.subject.scheme
    if scheme not in _SCHEMES[request.document_type]:
        raise UnknownSchemeError(f"{request.document_type} is not looked up by {scheme}")
    match = _TAX_CODES[scheme].match(request.subject.value)
    if match is None:
        raise InvalidIdentifierError(scheme, "format", f"{scheme} has the wrong shape")
    return "-".join(part for part in match.groups() if part)


class ThueAdapter(HttpRegistryAdapter):
    """Tax obligations, fee receipts and legacy personal tax codes, by MST or PIN."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset(SPECS)
    schemes = frozenset({"MST", "PIN"})
    media_types = frozenset({client.MEDIA_TYPE})
    handled_statuses = frozenset({404})

    def __init__(self, transport: RegistryTransport, signer: Signer) -> None:
        super().__init__(transport)
        self.signer = signer

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        path = client.PATHS[request.document_type].format(taxpayer_code(request))
        params: dict[str, str] = {}
        if request.document_type == "CHUNG_TU_LPTB":
            params = {"loai": "LPTB", "page[size]": str(client.PAGE_SIZE)}
            paid_for = next((request.qualifiers[s] for s in _PAID_FOR if s in request.qualifiers),
                            None)  # fmt: skip
            if paid_for is not None:
                params["filter[doiTuong]"] = paid_for.value
        return self.signer.sign(self.transport.build_request("GET", path, params=params))

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        try:
            document = client.decode(response.content)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        if response.status_code == 404:
            codes = {e.code for e in document.errors or ()}
            if codes and codes <= client.NOT_FOUND_CODES:
                return RegistryAnswer.not_found(utcnow())
            raise status_error(self.registry_id, response)
        if document.errors is not None:
            raise _bad("a 2xx answer carries errors")
        data = document.data
        if request.document_type == "CHUNG_TU_LPTB":
            if not isinstance(data, list):
                raise _bad("receipts are not a list")
            if not data:
                return RegistryAnswer.not_found(utcnow())
            data = data[0]  # newest first
        if not isinstance(data, dict):
            raise _bad("expected one resource")
        try:
            record = resource_to_record(request.document_type, data)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        self._check_subject(request, record.fields)
        return RegistryAnswer.found(record, utcnow())

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", client.STATUS_PATH)

    def _check_subject(self, request: RegistryRequest, fields: dict[str, object]) -> None:
        """Never release an answer about another taxpayer than the one asked about."""
        name = {"XN_NGHIA_VU_THUE": "mst", "CHUNG_TU_LPTB": "payer_id", "MST_CA_NHAN": "pin"}
        if fields[name[request.document_type]] != taxpayer_code(request):
            raise _bad("the answer is about another taxpayer")
