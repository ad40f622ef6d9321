"""DkxeAdapter: the vehicle-registration database (Traffic Police Department).

What is special about this registry, beyond its JSON (see `client` and `mapping`):
- the certificate is keyed by plate; since 2023 plates are tied to their owner, so it is also
  found by the owner's PIN or enterprise code (the catalog's alt_keys). Either may come as a
  qualifier of the other: a plate with its owner is found only if that owner holds it;
- asked by owner alone, the registry searches current registrations, newest first, and the
  newest is the document (one page, one call);
- `total: 0` is the only not_found; a registration that was transferred or withdrawn is still
  found, and void under the catalog's current_state rule.
"""

from __future__ import annotations

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.dkxe import client
from adapters.dkxe.mapping import compact_plate, item_to_record
from adapters.mapping_helpers import WireFormatError
from shared_data.domain import (
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    Subject,
    UnavailableReason,
)
from shared_data.errors import (
    InvalidIdentifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

_OWNER_SHAPES = {"PIN": 12, "ENTERPRISE_CODE": 10}


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


def _plate(subject: Subject) -> str:
    try:
        return compact_plate(subject.value)
    except ValueError as exc:
        raise InvalidIdentifierError("PLATE_NO", "format", "not a plate number") from exc


def _owner(subject: Subject) -> tuple[str, str]:
    size = _OWNER_SHAPES[subject.scheme]
    if len(subject.value) != size or not subject.value.isascii() or not subject.value.isdigit():
        raise InvalidIdentifierError(
            subject.scheme, "format", f"{subject.scheme} has the wrong shape"
        )
    return client.OWNER_KINDS[subject.scheme], subject.value


def search_terms(request: RegistryRequest) -> tuple[str | None, tuple[str, str] | None]:
    """(compact plate, owner) asked about, from the subject and its qualifiers."""
    if request.document_type != "DK_XE":
        raise UnknownDocumentTypeError(f"DKXE does not attest {request.document_type}")
    named = {request.subject.scheme: request.subject, **request.qualifiers}
    if request.subject.scheme not in ("PLATE_NO", *_OWNER_SHAPES):
        raise UnknownSchemeError(f"DK_XE is not looked up by {request.subject.scheme}")
    plate = _plate(named["PLATE_NO"]) if "PLATE_NO" in named else None
    owners = [named[s] for s in _OWNER_SHAPES if s in named]
    if len(owners) > 1:
        raise UnknownSchemeError("DK_XE names at most one owner")
    return plate, (_owner(owners[0]) if owners else None)


class DkxeAdapter(HttpRegistryAdapter):
    """Vehicle registration certificates, by plate or by owner."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset({"DK_XE"})
    schemes = frozenset({"PLATE_NO", *_OWNER_SHAPES})

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        plate, owner = search_terms(request)
        return self.transport.build_request(
            "POST", client.SEARCH_PATH, json=client.search_body(plate, owner)
        )

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        try:
            page = client.decode_page(response.content)
            if page.total == 0:
                return RegistryAnswer.not_found(utcnow())
            record = item_to_record(page.items[0])  # newest first
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        _check_terms(request, record)
        return RegistryAnswer.found(record, utcnow())

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", client.HEALTH_PATH)


def _check_terms(request: RegistryRequest, record: RegistryRecord) -> None:
    """The registration must match the plate and owner asked about (no foreign records)."""
    plate, owner = search_terms(request)
    if plate is not None and compact_plate(record.fields["plate_no"]) != plate:
        raise _bad("the answer is about another plate")
    if owner is not None and record.fields["owner_id"] != owner[1]:
        raise _bad("the answer is about another owner")
