"""LltpAdapter: the judicial-records database (CSDL lý lịch tư pháp, BCA since 1/3/2025).

What is special about this registry, beyond its JSON (see `client` and `mapping`):
- It is asynchronous: a lookup submits a certificate request and is usually answered
  DANG_XU_LY with a ticket (`ma_yeu_cau`) -> `pending`, with the registry's suggested wait as
  `retry_after`; `collect(request, ticket)` polls the ticket later (this adapter is a
  `PendingCollector`). A request that is ready at once is answered at once.
- KHONG_CO_DU_LIEU is the only authoritative "no record"; an unknown or expired ticket is an
  HTTP 404, which is `unavailable`: the registry said nothing about the person.
- Every answer echoes the lookup id, the certificate kind, the PIN and (when polled) the
  ticket; any mismatch is `bad_response`, so another person's certificate never leaves.
- Submitting is idempotent on the lookup id (`ma_giao_dich`), so the transport's retries never
  file a second request.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.lltp import client
from adapters.lltp.client import RequestStateWire, State
from adapters.lltp.mapping import wire_to_record
from adapters.mapping_helpers import WireFormatError
from shared_data.domain import RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import (
    InvalidIdentifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

_PIN_RE = re.compile(r"^\d{12}$", re.ASCII)
# When the registry names no wait: how long a certificate usually takes, in seconds.
DEFAULT_PENDING_RETRY_AFTER_S = 5.0


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


class LltpAdapter(HttpRegistryAdapter):
    """Judicial-record certificates No. 1 and No. 2, keyed by PIN, answered asynchronously."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset(client.CERTIFICATE_KINDS)
    schemes = frozenset({"PIN"})

    def _kind(self, request: RegistryRequest) -> int:
        kind = client.CERTIFICATE_KINDS.get(request.document_type)
        if kind is None:
            raise UnknownDocumentTypeError(
                f"{self.registry_id} does not attest {request.document_type}"
            )
        if request.subject.scheme != "PIN":
            raise UnknownSchemeError(
                f"{self.registry_id} looks up by PIN, not {request.subject.scheme}"
            )
        if not _PIN_RE.match(request.subject.value):
            raise InvalidIdentifierError("PIN", "format", "PIN must be exactly 12 ASCII digits")
        return kind

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        body = client.encode_submit(request.lookup_id, self._kind(request), request.subject.value)
        headers = {"Content-Type": client.JSON_CONTENT_TYPE}
        return self.transport.build_request(
            "POST", client.SUBMIT_PATH, content=body, headers=headers
        )

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        return self._answer(request, response, ticket=None)

    async def collect(self, request: RegistryRequest, ticket: str) -> RegistryAnswer:
        """Poll the registry about `ticket`, issued for `request` by an earlier lookup."""
        self._kind(request)
        wire = self.transport.build_request("GET", client.POLL_PATH.format(quote(ticket, safe="")))

        async def attempt(remaining_s: float) -> RegistryAnswer:
            return self._answer(request, await self.send(wire, remaining_s), ticket)

        return await self.call(request, attempt)

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", client.STATUS_PATH)

    def _answer(
        self, request: RegistryRequest, response: httpx.Response, ticket: str | None
    ) -> RegistryAnswer:
        try:
            state = client.decode_state(response.content)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        self._check_echo(request, state, ticket)
        if state.trang_thai is State.PROCESSING:
            wait = state.thoi_gian_cho
            retry_after = float(wait) if wait else DEFAULT_PENDING_RETRY_AFTER_S
            return RegistryAnswer.pending(state.ma_yeu_cau, utcnow(), retry_after=retry_after)
        if state.trang_thai is State.NO_RECORD:
            return RegistryAnswer.not_found(utcnow())
        try:
            record = wire_to_record(request.document_type, state.phieu)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        if record.fields["pin"] != request.subject.value:
            raise _bad("the certificate is about another person")
        return RegistryAnswer.found(record, utcnow())

    def _check_echo(
        self, request: RegistryRequest, state: RequestStateWire, ticket: str | None
    ) -> None:
        """The answer must be about the question asked: never release another's certificate."""
        expected = {
            "loai_phieu": (state.loai_phieu, client.CERTIFICATE_KINDS[request.document_type]),
            "so_dinh_danh": (state.so_dinh_danh, request.subject.value),
        }
        # A submit echoes our transaction; a poll echoes the ticket, which may have been filed
        # under another lookup's transaction (the cache lets identical lookups share a call).
        if ticket is None:
            expected["ma_giao_dich"] = (state.ma_giao_dich, request.lookup_id)
        else:
            expected["ma_yeu_cau"] = (state.ma_yeu_cau, ticket)
        for key, (echoed, asked) in expected.items():
            if echoed != asked:
                raise _bad(f"{key} does not echo the request")
