"""HotichAdapter: the electronic civil-status database (CSDL hộ tịch điện tử, Ministry of Justice).

What is special about this registry, beyond its XML (see `client` and `mapping`):
- `TrangThai` 01 is the only authoritative "no record"; any other non-00 status, a SOAP Fault or
  an HTTP error is `unavailable`, never `not_found`.
- It answers with every record it holds for the person (all marriages, all marital-status
  confirmations); the latest one by issue/registration date is the document.
- A marital-status confirmation (XN_TTHN) carries the status at issue only; the registry adds the
  person's status today (`TinhTrangHienTai`) and the date it last changed, and the confirmation
  is void once they disagree (Decree 123/2015 Art. 23: valid until the status changes).
"""

from __future__ import annotations

import re
from datetime import date

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.hotich import client
from adapters.hotich.client import Code, Result
from adapters.hotich.mapping import FIELDS, MappingError
from shared_data.domain import RegistryAnswer, RegistryRecord, RegistryRequest, UnavailableReason
from shared_data.errors import (
    InvalidIdentifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

_PIN_RE = re.compile(r"^\d{12}$", re.ASCII)
MARITAL_STATUS_CHANGE = "marital_status_change"


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


class HotichAdapter(HttpRegistryAdapter):
    """Civil-status documents keyed by the person's PIN."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset(FIELDS)
    schemes = frozenset({"PIN"})
    media_types = client.MEDIA_TYPES

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        pin = self._subject_pin(request)
        query = client.Query(request.lookup_id, request.document_type, pin)
        return self.transport.build_request(
            "POST",
            client.QUERY_PATH,
            content=client.encode_query(query),
            headers={"Content-Type": client.XML_CONTENT_TYPE, "SOAPAction": client.SOAP_ACTION},
        )

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        try:
            result = client.decode_result(response.content)
        except MappingError as exc:
            raise _bad(str(exc)) from exc
        if isinstance(result, client.Fault):
            # A Client fault means our request was refused: retrying it unchanged will not help.
            client_fault = result.code.endswith("Client")
            raise RegistryError(
                UnavailableReason.UPSTREAM_ERROR,
                f"{self.registry_id}: SOAP fault",
                retriable=not client_fault,
            )
        _check_echo(request, result)
        return _answer(request, result)

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", f"{client.WSDL_PATH}?wsdl")

    def _subject_pin(self, request: RegistryRequest) -> str:
        if request.document_type not in self.document_types:
            raise UnknownDocumentTypeError(
                f"{self.registry_id} does not attest {request.document_type}"
            )
        if request.subject.scheme not in self.schemes:
            raise UnknownSchemeError(
                f"{self.registry_id} looks up by PIN, not {request.subject.scheme}"
            )
        if not _PIN_RE.match(request.subject.value):
            raise InvalidIdentifierError("PIN", "format", "PIN must be exactly 12 ASCII digits")
        return request.subject.value


def _check_echo(request: RegistryRequest, result: Result) -> None:
    """The answer must be about the question asked: never release another person's record."""
    expected = {
        "MaGiaoDich": (result.tx_id, request.lookup_id),
        "MaGiayTo": (result.document_type, request.document_type),
        "SoDinhDanh": (result.pin, request.subject.value),
    }
    for tag, (echoed, asked) in expected.items():
        if echoed is None and result.code == Code.FOUND and tag != "MaGiaoDich":
            raise _bad(f"found answer lacks <{tag}>")
        if echoed is not None and echoed != asked:
            raise _bad(f"<{tag}> does not echo the request")


def _answer(request: RegistryRequest, result: Result) -> RegistryAnswer:
    if result.code == Code.NO_RECORD:
        if result.records:
            raise _bad("a no-record answer carries records")
        return RegistryAnswer.not_found(utcnow())
    if result.code != Code.FOUND:
        known = result.code if result.code in client.MESSAGES else "unknown"
        raise RegistryError(
            UnavailableReason.UPSTREAM_ERROR,
            f"{client.REGISTRY_ID}: status {known}",
            retriable=result.code == Code.SYSTEM_ERROR,
        )
    if not result.records:
        raise _bad("a found answer carries no record")
    # Several records (remarriage, repeated confirmations): the latest one is the document.
    record = max(result.records, key=lambda r: r.issued_on or date.min)
    if request.document_type == "KET_HON" and record.status is None:
        raise _bad("marriage record lacks <TinhTrang>")
    if request.document_type == "XN_TTHN":
        record = _marital_check(record, result)
    return RegistryAnswer.found(record, utcnow())


def _marital_check(record: RegistryRecord, result: Result) -> RegistryRecord:
    """Void a confirmation whose status no longer holds, or that a later event overtook."""
    current = result.current_marital_status
    if current is None:
        raise _bad("marital-status answer lacks <TinhTrangHienTai>")
    changed = result.last_marital_change_on
    overtaken = changed is not None and record.issued_on is not None and changed > record.issued_on
    if current != record.fields.get("marital_status") or overtaken:
        return record.model_copy(update={"voided_by": MARITAL_STATUS_CHANGE})
    return record
