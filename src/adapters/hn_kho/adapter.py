"""HnKhoAdapter: Hanoi's electronic data store of TTHC results (Kho quản lý dữ liệu điện tử).

What is special about this registry, beyond its JSON (see `client` and `mapping`):
- One lookup is two calls, search then fetch (Pull URI, then Pull Doc for the chosen URI),
  both sent through the base class's `send` inside one attempt run by its `call`: the
  lookup's deadline covers both, and a retry repeats both (a URI found a moment ago may have
  been withdrawn since).
- Every request is signed afresh (HMAC over the body with a new `ts` and `txn`): the Kho
  refuses a replayed `txn`, so a retry must never resend the same bytes.
- The subject is a dossier number or the owner of the account (PIN, or a tax code: MST,
  ENTERPRISE_CODE and BRANCH_CODE all travel as MST). An owner may hold several results of one
  type: the one in force (HIEU_LUC) issued last is the document, else the latest of the others,
  which the validity policy then voids by its status.
- An empty URI list is the only authoritative "no such document"; `status` "0" or "9" (pending
  manual verification) is unavailable, never not_found.
- The answer must be about the question: the fetched document must carry the URI, type and
  dossier number or account holder asked for, and echo our `txn`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.hn_kho import client
from adapters.hn_kho.client import (
    OWNER_KINDS,
    PullDocAnswer,
    PullUriAnswer,
    Signer,
    Status,
    UriItem,
    vn_now,
)
from adapters.hn_kho.mapping import SPECS, STATUS, MappingError, wire_to_record
from adapters.transport import RegistryTransport
from shared_data.domain import RegistryAnswer, RegistryRecord, RegistryRequest, UnavailableReason
from shared_data.errors import (
    InvalidIdentifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

_SHAPES = {
    "DOSSIER_NO": re.compile(r"^H\d{2}\.\d{2,3}-\d{6}-\d{4}$", re.ASCII),
    "PIN": re.compile(r"^\d{12}$", re.ASCII),
    "MST": re.compile(r"^\d{10}(-\d{3})?$", re.ASCII),
    "ENTERPRISE_CODE": re.compile(r"^\d{10}$", re.ASCII),
    "BRANCH_CODE": re.compile(r"^\d{10}-\d{3}$", re.ASCII),
}
_RETRIABLE_CODES = frozenset({client.ErrorCode.SYSTEM_ERROR, client.ErrorCode.URI_NOT_FOUND})
Search = dict[str, str]
A = TypeVar("A", PullUriAnswer, PullDocAnswer)


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


def _refused(answer: PullUriAnswer | PullDocAnswer) -> RegistryError:
    if answer.status == Status.PENDING:
        detail = "pending manual verification (status 9)"
        return RegistryError(UnavailableReason.UPSTREAM_ERROR, f"{client.REGISTRY_ID}: {detail}")
    code = answer.errorCode or "unknown"
    known = code if code in {c.value for c in client.ErrorCode} else "unknown"
    return RegistryError(
        UnavailableReason.UPSTREAM_ERROR,
        f"{client.REGISTRY_ID}: error {known}",
        retriable=code in _RETRIABLE_CODES,
    )


def _answered(decode: Callable[[bytes], A], body: bytes, txn: str, what: str) -> A:
    """A Kho answer decoded, echoing our `txn`, and answered (status 1), else raise."""
    try:
        answer = decode(body)
    except MappingError as exc:
        raise _bad(str(exc)) from exc
    if answer.txn != txn:
        raise _bad(f"{what} answer does not echo our txn")
    if answer.status != Status.OK:
        raise _refused(answer)
    return answer


def search_of(request: RegistryRequest) -> Search:
    """The Pull-URI search keys for `request`; refuses what the Kho cannot be asked."""
    if request.document_type not in SPECS:
        raise UnknownDocumentTypeError(
            f"{client.REGISTRY_ID} does not attest {request.document_type}"
        )
    scheme, value = request.subject.scheme, request.subject.value
    shape = _SHAPES.get(scheme)
    if shape is None:
        raise UnknownSchemeError(
            f"{client.REGISTRY_ID} looks up by DOSSIER_NO, PIN or MST, not {scheme}"
        )
    if not shape.match(value):
        raise InvalidIdentifierError(scheme, "format", f"{scheme} has the wrong shape")
    if scheme == "DOSSIER_NO":
        return {"maHoSo": value}
    return {"loaiDinhDanh": OWNER_KINDS[scheme], "soDinhDanh": value}


def choose(items: list[UriItem]) -> UriItem:
    """The one in force issued last, else the latest of the others."""
    in_force = STATUS.write("active")
    return max(items, key=lambda i: (i.trangThai == in_force, i.ngayCap or date.min, i.uri))


class HnKhoAdapter(HttpRegistryAdapter):
    """Construction permits and e-certified copies by dossier number or account holder."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset(SPECS)
    # ENTERPRISE_CODE and BRANCH_CODE are MSTs (catalog same_as) and are accepted as such.
    schemes = frozenset({"DOSSIER_NO", "PIN", "MST"})

    def __init__(
        self,
        transport: RegistryTransport,
        key: str,
        *,
        org_id: str = client.DEFAULT_ORG_ID,
        clock: client.Clock = vn_now,
    ) -> None:
        super().__init__(transport)
        self.signer = Signer(key, org_id=org_id, clock=clock)

    # The base class's hooks are the first and the last call; `lookup` runs both.
    def build_request(self, request: RegistryRequest) -> httpx.Request:
        payload = {"docType": request.document_type, **search_of(request)}
        return self.signer.request(self.transport, client.PULL_URI_PATH, payload)[0]

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        try:
            answer = client.decode_pull_doc(response.content)
        except MappingError as exc:
            raise _bad(str(exc)) from exc
        return RegistryAnswer.found(self._record(request, answer), utcnow())

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", client.HEALTH_PATH)

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        # Checked first: a question the Kho cannot hold is the caller's error, raised before
        # any call, bulkhead slot or breaker outcome.
        search = {"docType": request.document_type, **search_of(request)}

        async def attempt(remaining_s: float) -> RegistryAnswer:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + remaining_s
            found = await self._pull_uri(request, search, remaining_s)
            if not found:
                return RegistryAnswer.not_found(utcnow())
            chosen = choose(found)
            answer = await self._pull_doc(chosen, max(0.001, deadline - loop.time()))
            return RegistryAnswer.found(self._record(request, answer), utcnow())

        return await self.call(request, attempt)

    async def _send(
        self, path: str, payload: dict[str, Any], remaining_s: float
    ) -> tuple[bytes, str]:
        """Sign afresh (a retry must not look like a replay) and send one request."""
        wire, txn = self.signer.request(self.transport, path, payload)
        return (await self.send(wire, remaining_s)).content, txn

    async def _pull_uri(
        self, request: RegistryRequest, search: Search, remaining_s: float
    ) -> list[UriItem]:
        body, txn = await self._send(client.PULL_URI_PATH, search, remaining_s)
        answer = _answered(client.decode_pull_uri, body, txn, "Pull-URI")
        for item in answer.uris:
            if client.split_uri(item.uri)[0] != request.document_type:
                raise _bad("Pull-URI answer lists a document of another type")
        return answer.uris

    async def _pull_doc(self, item: UriItem, remaining_s: float) -> PullDocAnswer:
        payload = {"uri": item.uri, "format": "json"}
        body, txn = await self._send(client.PULL_DOC_PATH, payload, remaining_s)
        answer = _answered(client.decode_pull_doc, body, txn, "Pull-Doc")
        if answer.uri != item.uri:
            raise _bad("Pull-Doc answer is about another URI")
        return answer

    def _record(self, request: RegistryRequest, answer: PullDocAnswer) -> RegistryRecord:
        """The fetched document as a record, once it is shown to be the one asked for."""
        if answer.uri is None or answer.data is None or answer.trangThai is None:
            raise _bad("a found document lacks uri, data or trangThai")
        document_type, doc_id = client.split_uri(answer.uri)
        if document_type != request.document_type or answer.docType != document_type:
            raise _bad("the document is of another type")
        search = search_of(request)
        if "maHoSo" in search and answer.maHoSo != search["maHoSo"]:
            raise _bad("the document belongs to another dossier")
        if "soDinhDanh" in search and search["soDinhDanh"] not in answer.chuHoSo:
            raise _bad("the document belongs to another account")
        try:
            return wire_to_record(document_type, doc_id, answer.data, answer.trangThai)
        except MappingError as exc:
            raise _bad(str(exc)) from exc
