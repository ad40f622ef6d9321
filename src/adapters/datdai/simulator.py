"""DATDAI simulator: the land register's Pull URI / Pull Doc, served from the synthetic world.

Parcels and certificates (`simulators.data.land`) are derived from the world once, when the
app is built; a request costs dict lookups. The search for a certificate needs its owner and
finds only certificates naming that owner; fetching a URI needs no owner (the URI is what the
search handed out, as in DigiLocker). Like the real gateway it answers application errors,
refused credentials included, with HTTP 200 and `responseStatus` 0.
"""

from __future__ import annotations

import hmac

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.datdai import client
from adapters.datdai.client import (
    ErrorCode,
    M,
    PullDocRequest,
    PullDocResponse,
    PullUriRequest,
    PullUriResponse,
    Status,
    UriItem,
)
from adapters.datdai.mapping import LONG_TERM, record_to_wire
from adapters.mapping_helpers import CamelWire, WireFormatError
from adapters.simulators.data.land import Certificate, LandRegister, Parcel
from adapters.simulators.world import World
from shared_data.domain import RegistryRecord

_MAX_BODY_BYTES = 4_000
_SCHEMES = {kind: scheme for scheme, kind in client.OWNER_KINDS.items()}
_GCN, _TTTD = "vn.gov.datdai-GCN-", "vn.gov.datdai-TTTD-"


def certificate_record(c: Certificate) -> RegistryRecord:
    fields = {
        "parcel_key": c.parcel.key,
        "cert_serial": c.serial,
        "owners": [{"scheme": o.scheme, "id": o.id, "name": o.name} for o in c.owners],
        "area_m2": c.parcel.area_m2,
        "land_use_purpose": c.parcel.purpose,
        "use_term": c.use_until.isoformat() if c.use_until else LONG_TERM,
        "assets": list(c.assets),
        "issue_date": c.issued_on.isoformat(),
        "encumbrances": [
            {"kind": "mortgage", "holder": m.holder, "registered_on": m.registered_on.isoformat()}
            for m in c.mortgages
        ],
    }
    return RegistryRecord(
        record_id=c.compact_serial, fields=fields, issued_on=c.issued_on, status=c.status
    )


def parcel_record(p: Parcel) -> RegistryRecord:
    fields = {
        "parcel_key": p.key,
        "area_m2": p.area_m2,
        "land_use_purpose": p.purpose,
        "planning_flags": list(p.planning_flags),
        "registered_changes": [
            {"date": c.on.isoformat(), "description": c.description} for c in p.changes
        ],
    }
    return RegistryRecord(record_id=p.key, fields=fields)


class LandRegistry:
    """Answers searches and fetches from the world (the part of the simulator without HTTP)."""

    def __init__(self, world: World) -> None:
        self.register = LandRegister(world)

    def pull_uri(self, search: PullUriRequest) -> PullUriResponse:
        if (search.thua_dat is None) == (search.so_phat_hanh is None):
            return _uri_error(search.txn, ErrorCode.INVALID)
        if search.doc_type == "TTTD":
            if search.thua_dat is None:
                return _uri_error(search.txn, ErrorCode.INVALID)
            if self.register.parcel(search.thua_dat) is None:
                return _uri_error(search.txn, ErrorCode.NOT_FOUND)
            return _uris(search.txn, [UriItem(uri=_TTTD + search.thua_dat)])
        if search.chu_su_dung is None:
            return _uri_error(search.txn, ErrorCode.INVALID)
        owner = (_SCHEMES[search.chu_su_dung.loai], search.chu_su_dung.so)
        items = [
            UriItem(uri=_GCN + c.compact_serial, ngay_cap=c.issued_on)
            for c in self._certificates(search)
            if owner in {(o.scheme, o.id) for o in c.owners}
        ]
        return _uris(search.txn, items) if items else _uri_error(search.txn, ErrorCode.NOT_FOUND)

    def _certificates(self, search: PullUriRequest) -> list[Certificate]:
        if search.thua_dat is not None:
            return self.register.by_parcel.get(search.thua_dat, [])
        found = self.register.by_serial.get(search.so_phat_hanh or "")
        return [found] if found else []

    def pull_doc(self, fetch: PullDocRequest) -> PullDocResponse:
        record: RegistryRecord | None = None
        if fetch.uri.startswith(_GCN):
            certificate = self.register.by_serial.get(fetch.uri.removeprefix(_GCN))
            record = certificate_record(certificate) if certificate else None
            document_type = "GCN_QSDD"
        else:
            parcel = self.register.parcel(fetch.uri.removeprefix(_TTTD))
            record = parcel_record(parcel) if parcel else None
            document_type = "THONG_TIN_THUA_DAT"
        if record is None:
            return PullDocResponse(
                txn=fetch.txn, response_status=Status.ERROR, ma_loi=ErrorCode.NOT_FOUND
            )
        content = record_to_wire(document_type, record)
        return PullDocResponse(
            txn=fetch.txn, response_status=Status.OK, uri=fetch.uri, data_content=content
        )


def _uris(txn: str, items: list[UriItem]) -> PullUriResponse:
    return PullUriResponse(txn=txn, response_status=Status.OK, uris=items)


def _uri_error(txn: str, code: ErrorCode) -> PullUriResponse:
    return PullUriResponse(txn=txn, response_status=Status.ERROR, ma_loi=code)


def _json(message: CamelWire | bytes) -> Response:
    body = message if isinstance(message, bytes) else client.encode(message)
    return Response(body, media_type=client.JSON_CONTENT_TYPE)


def build_simulator(world: World, token: str) -> Starlette:
    """The DATDAI simulator app; it refuses calls without `X-Datdai-Key: <token>`."""
    registry = LandRegistry(world)
    secret = token.encode()

    async def read(request: Request, model: type[M]) -> M | Response:
        """The request's message, or the error answer to send instead."""
        presented = request.headers.get(client.API_KEY_HEADER.lower(), "").encode()
        if not hmac.compare_digest(presented, secret):
            return _json(_uri_error("", ErrorCode.UNAUTHORIZED))
        body = await request.body()
        try:
            if len(body) > _MAX_BODY_BYTES:
                raise WireFormatError("request too large")
            return client.decode(model, body)
        except WireFormatError:
            return _json(_uri_error("", ErrorCode.INVALID))

    async def pull_uri(request: Request) -> Response:
        search = await read(request, PullUriRequest)
        return search if isinstance(search, Response) else _json(registry.pull_uri(search))

    async def pull_doc(request: Request) -> Response:
        fetch = await read(request, PullDocRequest)
        return fetch if isinstance(fetch, Response) else _json(registry.pull_doc(fetch))

    async def health(request: Request) -> Response:
        return _json(b'{"trangThai":"HOAT_DONG"}')

    return Starlette(
        routes=[
            Route(client.PULL_URI_PATH, pull_uri, methods=["POST"]),
            Route(client.PULL_DOC_PATH, pull_doc, methods=["POST"]),
            Route(client.HEALTH_PATH, health, methods=["GET"]),
        ]
    )
