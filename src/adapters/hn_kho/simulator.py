"""HN_KHO simulator: the Kho's Pull URI / Pull Doc pair over the documents of `documents`.

It checks what the real Kho checks before answering: the body's HMAC under the shared key, a
`ts` within `MAX_SKEW_S` of its clock (stale or future requests are refused), and a `txn` never
seen before within that window (replays are refused); each refusal is HTTP 401 AUTH_FAILED.
Pull Doc answers in JSON (`data`) or, with `format: "xml"`, as DigiLocker does (`dataContent`,
base64 of an XML rendition of the same fields).
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.hn_kho import client
from adapters.hn_kho.client import ErrorCode, PullDocAnswer, PullUriAnswer, Status, UriItem
from adapters.hn_kho.documents import KhoDocument, kho_documents
from adapters.hn_kho.mapping import SPECS, STATUS, record_to_wire
from adapters.signing import signature_matches
from adapters.simulators.world import World

_MAX_BODY_BYTES = 16_000
_MESSAGES = {
    ErrorCode.AUTH_FAILED: "Xác thực yêu cầu không thành công",
    ErrorCode.INVALID_REQUEST: "Yêu cầu không hợp lệ",
    ErrorCode.URI_NOT_FOUND: "Không tìm thấy giấy tờ",
}


class Kho:
    """The documents, indexed by URI, by (type, dossier number) and by (type, account holder)."""

    def __init__(self, documents: list[KhoDocument]) -> None:
        self.by_uri = {client.document_uri(d.document_type, d.doc_id): d for d in documents}
        self.by_key: dict[tuple[str, str], list[KhoDocument]] = defaultdict(list)
        for doc in documents:
            self.by_key[(doc.document_type, doc.dossier_no)].append(doc)
            for owner in doc.owners:
                self.by_key[(doc.document_type, owner)].append(doc)

    def search(self, document_type: str, key: str) -> list[KhoDocument]:
        return self.by_key.get((document_type, key), [])


class ReplayGuard:
    """HMAC, timestamp window and single-use txn checks of one request body."""

    def __init__(self, key: bytes, clock: Callable[[], datetime]) -> None:
        self._key = key
        self._clock = clock
        self._seen: dict[str, datetime] = {}

    def admit(self, body: bytes, presented: str, envelope: dict[str, Any]) -> bool:
        if not presented or not signature_matches(self._key, body, presented):
            return False
        try:
            ts = datetime.fromisoformat(str(envelope.get("ts")))
        except ValueError:
            return False
        now = self._clock()
        if ts.tzinfo is None or abs((now - ts).total_seconds()) > client.MAX_SKEW_S:
            return False
        txn = envelope.get("txn")
        if not isinstance(txn, str) or not txn or txn in self._seen:
            return False
        self._forget_before(now)
        self._seen[txn] = ts
        return True

    def _forget_before(self, now: datetime) -> None:
        # A txn older than the window cannot come back: its ts would be refused as stale.
        if len(self._seen) > 10_000:
            horizon = client.MAX_SKEW_S * 2
            self._seen = {
                t: at for t, at in self._seen.items() if (now - at).total_seconds() <= horizon
            }


def _answer(model: PullUriAnswer | PullDocAnswer, status: int = 200) -> Response:
    return Response(client.encode_answer(model), status, media_type=client.JSON_CONTENT_TYPE)


def _error(
    cls: type[PullUriAnswer] | type[PullDocAnswer], txn: str, code: ErrorCode, status: int = 200
) -> Response:
    ts = client.vn_now().isoformat(timespec="seconds")
    body = cls(
        ver="1.0", status="0", ts=ts, txn=txn, errorCode=code, errorMessage=_MESSAGES.get(code)
    )
    return _answer(body, status)


def xml_rendition(doc: KhoDocument) -> str:
    """DigiLocker-style DataContent: base64 of the fields as flat XML."""
    data = record_to_wire(doc.document_type, doc.record, doc.commenced_on)
    inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in data.items())
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><DuLieu loai="{doc.document_type}">{inner}</DuLieu>'
    )
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


def _pull_uri(kho: Kho, envelope: dict[str, Any], ts: str, txn: str) -> Response:
    document_type = envelope.get("docType")
    key = envelope.get("maHoSo") or envelope.get("soDinhDanh")
    owner_kind = envelope.get("loaiDinhDanh")
    by_owner = "soDinhDanh" in envelope and owner_kind in ("CCCD", "MST")
    if document_type not in SPECS or not isinstance(key, str) or ("maHoSo" in envelope) == by_owner:
        return _error(PullUriAnswer, txn, ErrorCode.INVALID_REQUEST)
    items = [
        UriItem(
            uri=client.document_uri(doc.document_type, doc.doc_id),
            ngayCap=doc.record.issued_on,
            trangThai=STATUS.write(doc.record.status or "active"),
        )
        for doc in kho.search(document_type, key)
    ]
    answer = PullUriAnswer(
        ver="1.0", status=Status.OK, ts=ts, txn=txn, docType=document_type, uris=items
    )
    return _answer(answer)


def _pull_doc(kho: Kho, envelope: dict[str, Any], ts: str, txn: str) -> Response:
    doc = kho.by_uri.get(str(envelope.get("uri")))
    fmt = envelope.get("format", "json")
    if fmt not in ("json", "xml"):
        return _error(PullDocAnswer, txn, ErrorCode.INVALID_REQUEST)
    if doc is None:
        return _error(PullDocAnswer, txn, ErrorCode.URI_NOT_FOUND)
    data = record_to_wire(doc.document_type, doc.record, doc.commenced_on)
    answer = PullDocAnswer(
        ver="1.0",
        status=Status.OK,
        ts=ts,
        txn=txn,
        uri=client.document_uri(doc.document_type, doc.doc_id),
        docType=doc.document_type,
        maHoSo=doc.dossier_no,
        chuHoSo=list(doc.owners),
        trangThai=STATUS.write(doc.record.status or "active"),
        format=fmt,
        data=data if fmt == "json" else None,
        dataContent=xml_rendition(doc) if fmt == "xml" else None,
    )
    return _answer(answer)


def build_simulator(
    world: World, token: str, *, clock: Callable[[], datetime] = client.vn_now
) -> Starlette:
    """The HN_KHO simulator app; it verifies each request's HMAC (key `token`), ts and txn."""
    kho = Kho(kho_documents(world))
    guard = ReplayGuard(token.encode(), clock)
    Handler = Callable[[Kho, dict[str, Any], str, str], Response]

    def signed(handle: Handler, cls: type[PullUriAnswer] | type[PullDocAnswer]) -> Any:
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            try:
                envelope = json.loads(body) if len(body) <= _MAX_BODY_BYTES else None
            except ValueError:
                envelope = None
            if not isinstance(envelope, dict):
                return _error(cls, "", ErrorCode.INVALID_REQUEST, 400)
            txn = str(envelope.get("txn", ""))
            if not guard.admit(body, request.headers.get(client.HMAC_HEADER, ""), envelope):
                return _error(cls, txn, ErrorCode.AUTH_FAILED, 401)
            return handle(kho, envelope, clock().isoformat(timespec="seconds"), txn)

        return endpoint

    async def health(request: Request) -> Response:
        return Response(b'{"status":"1"}', media_type=client.JSON_CONTENT_TYPE)

    return Starlette(
        routes=[
            Route(client.PULL_URI_PATH, signed(_pull_uri, PullUriAnswer), methods=["POST"]),
            Route(client.PULL_DOC_PATH, signed(_pull_doc, PullDocAnswer), methods=["POST"]),
            Route(client.HEALTH_PATH, health, methods=["GET"]),
        ]
    )
