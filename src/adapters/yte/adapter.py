"""YteAdapter: electronic birth notices, death notices and driver health certificates.

What is special about this registry, beyond its FHIR dialect (see `client`, `mapping`):
- each document type is one resource type searched by a parameter per subject scheme: a birth
  notice by its number or the mother's PIN (the newborn has no PIN yet), a death notice by the
  deceased's PIN, a health certificate by the driver's PIN or its number;
- the registry sorts newest first; the newest is the document (the latest exam decides whether
  a driver's certificate is still within its 12 months);
- `total: 0` is the only not_found; the answer must echo the PIN or number asked about.
"""

from __future__ import annotations

import re

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.mapping_helpers import WireFormatError
from adapters.yte import client
from adapters.yte.mapping import SPECS, resource_to_record
from shared_data.domain import RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import (
    InvalidIdentifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

_SHAPES = {"PIN": re.compile(r"^[0-9]{12}$"), "HEALTH_DOC_NO": re.compile(r"^[A-Z0-9\-/]{6,30}$")}


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


class YteAdapter(HttpRegistryAdapter):
    """Health documents, by document number or PIN."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset(SPECS)
    schemes = frozenset({"PIN", "HEALTH_DOC_NO"})
    media_types = frozenset({client.MEDIA_TYPE})

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        spec = SPECS.get(request.document_type)
        if spec is None:
            raise UnknownDocumentTypeError(f"YTE does not attest {request.document_type}")
        scheme, value = request.subject.scheme, request.subject.value
        if scheme not in spec.params:
            raise UnknownSchemeError(f"{request.document_type} is not looked up by {scheme}")
        if not _SHAPES[scheme].match(value):
            raise InvalidIdentifierError(scheme, "format", f"{scheme} has the wrong shape")
        params = {spec.params[scheme]: value, "_sort": client.NEWEST_FIRST, "_count": "1"}
        path = f"{client.BASE_PATH}/{spec.resource_type}"
        return self.transport.build_request("GET", path, params=params)

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        try:
            found = client.decode_bundle(response.content)
            if found.total == 0:
                return RegistryAnswer.not_found(utcnow())
            record = resource_to_record(request.document_type, found.entry[0].resource)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        spec = SPECS[request.document_type]
        echoed = spec.subject_field if request.subject.scheme == "PIN" else "doc_no"
        if record.fields[echoed] != request.subject.value:
            raise _bad("the answer is about another subject")
        return RegistryAnswer.found(record, utcnow())

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", client.METADATA_PATH)
