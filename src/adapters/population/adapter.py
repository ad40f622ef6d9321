"""Adapters for the National Population Database (DANCU) and the Residence Database (CUTRU).

DANCU attests the identity card (CCCD), the legacy 9-digit ID cross-walk (XN_CMND9) and the
relationship to the household head (QH_NHAN_THAN); subjects may be named by PIN or by the old
CMND9, which DANCU resolves itself. CUTRU attests residence (CT07) and the household that the
abolished household book (SO_HO_KHAU) recorded: it is still answered from the registry, and the
catalog's `abolished` validity tells the procedure to stop asking for the paper.
Wire details live in `client` (HTTP) and `mapping` (JSON <-> canonical).
"""

from __future__ import annotations

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.population import client
from adapters.population.mapping import (
    CUTRU_MAPPINGS,
    DANCU_MAPPINGS,
    WireFormatError,
    record_from_wire,
)
from shared_data.domain import RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import RegistryError, UnknownDocumentTypeError


class _PopulationAdapter(HttpRegistryAdapter):
    """What DANCU and CUTRU share: answer reading, strict mapping, subject echo check."""

    handled_statuses = client.HANDLED_STATUSES

    def _check_document_type(self, request: RegistryRequest) -> None:
        if request.document_type not in self.document_types:
            raise UnknownDocumentTypeError(
                f"{self.registry_id} does not attest {request.document_type}"
            )

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        body = client.read_answer(self.registry_id, response)
        if body is None:
            return RegistryAnswer.not_found(utcnow())
        try:
            record = record_from_wire(request.document_type, body)
        except WireFormatError as exc:
            raise RegistryError(
                UnavailableReason.BAD_RESPONSE, f"{self.registry_id}: {exc}"
            ) from exc
        client.check_subject(self.registry_id, request.subject, record)
        return RegistryAnswer.found(record, utcnow())

    def probe_request(self) -> httpx.Request:
        return client.probe_request(self.transport)


class DancuAdapter(_PopulationAdapter):
    registry_id = "DANCU"
    document_types = frozenset(DANCU_MAPPINGS)
    schemes = frozenset(client.DANCU_SUBJECT_KEYS)

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        self._check_document_type(request)
        return client.dancu_lookup_request(self.transport, request)


class CutruAdapter(_PopulationAdapter):
    registry_id = "CUTRU"
    document_types = frozenset(CUTRU_MAPPINGS)
    schemes = frozenset({"PIN"})

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        self._check_document_type(request)
        return client.cutru_lookup_request(self.transport, request)
