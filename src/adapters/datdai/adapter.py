"""DatdaiAdapter: the national land database (CSDL quốc gia về đất đai).

What is special about this registry, beyond its JSON (see `client` and `mapping`):
- Search then fetch: one lookup is a Pull URI (the parcel key or the certificate serial, and
  for a certificate the owner) and then a Pull Doc of the one URI chosen, both inside one
  resilient attempt (retried together, bounded by one deadline).
- Two keys: a land-use-right certificate (GCN_QSDD) is found only with the `owner` qualifier
  (PIN or enterprise code), and only if that owner is on it; anything else is `not_found`,
  so that a parcel looked up with someone who does not own it never reveals its certificate.
  The fetched certificate is checked again (parcel or serial, and the owner among its owners):
  a registry answering otherwise is `bad_response`, never data.
- Several certificates can match (a replaced one and its replacement): the latest issued is
  the document; the replaced one stays void by its status.
- `responseStatus` 0 + KHONG_TIM_THAY is the only "no record"; 9 (manual verification
  pending) has no ticket we could collect, so it is `unavailable`.
"""

from __future__ import annotations

import time
from datetime import date

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.datdai import client
from adapters.datdai.client import (
    ErrorCode,
    OwnerKeyWire,
    PullDocRequest,
    PullDocResponse,
    PullUriRequest,
    PullUriResponse,
    Status,
)
from adapters.datdai.mapping import wire_to_record
from adapters.mapping_helpers import WireFormatError
from shared_data.domain import RegistryAnswer, RegistryRecord, RegistryRequest, UnavailableReason
from shared_data.errors import (
    MissingQualifierError,
    QualifierError,
    RegistryError,
    UnknownDocumentTypeError,
    UnknownSchemeError,
)

OWNER = "owner"
_SUBJECT_KEYS = {"PARCEL_KEY": "thua_dat", "LAND_CERT_SERIAL": "so_phat_hanh"}
_REFUSALS: dict[str, str] = {
    ErrorCode.UNAUTHORIZED: "credentials refused (KHONG_XAC_THUC)",
    ErrorCode.INVALID: "request refused as invalid (KHONG_HOP_LE)",
    ErrorCode.SYSTEM: "system error (LOI_HE_THONG)",
}


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


def _refused(code: str | None) -> RegistryError:
    what = _REFUSALS.get(code or "", "unknown error code")
    retriable = code == ErrorCode.SYSTEM
    return RegistryError(
        UnavailableReason.UPSTREAM_ERROR, f"{client.REGISTRY_ID}: {what}", retriable=retriable
    )


def _status(status: Status, code: str | None) -> bool:
    """True for success, False for the registry's "no record"; raise for anything else."""
    if status is Status.OK:
        return True
    if status is Status.PENDING:
        raise RegistryError(
            UnavailableReason.UPSTREAM_ERROR,
            f"{client.REGISTRY_ID}: answer pending manual verification",
        )
    if code == ErrorCode.NOT_FOUND:
        return False
    raise _refused(code)


class DatdaiAdapter(HttpRegistryAdapter):
    """Land certificates (parcel or serial + owner) and parcel information (parcel key)."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset(client.DOC_TYPES)
    schemes = frozenset(_SUBJECT_KEYS)

    def _owner(self, request: RegistryRequest) -> OwnerKeyWire | None:
        if request.document_type != "GCN_QSDD":
            return None
        owner = request.qualifiers.get(OWNER)
        if owner is None:
            raise MissingQualifierError(OWNER, "GCN_QSDD is looked up with its owner")
        kind = client.OWNER_KINDS.get(owner.scheme)
        if kind is None:
            raise QualifierError(
                OWNER, f"an owner is named by PIN or ENTERPRISE_CODE, not {owner.scheme}"
            )
        return OwnerKeyWire(loai=kind, so=owner.value)  # type: ignore[arg-type]

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        """The search (Pull URI) for `request`; refuses what the registry cannot answer."""
        doc_type = client.DOC_TYPES.get(request.document_type)
        if doc_type is None:
            raise UnknownDocumentTypeError(
                f"{self.registry_id} does not attest {request.document_type}"
            )
        key = _SUBJECT_KEYS.get(request.subject.scheme)
        if key is None or (doc_type == "TTTD" and key != "thua_dat"):
            raise UnknownSchemeError(
                f"{request.document_type} is not looked up by {request.subject.scheme}"
            )
        search = PullUriRequest(
            txn=request.lookup_id,
            org_id=client.ORG_ID,
            doc_type=doc_type,  # type: ignore[arg-type]
            chu_su_dung=self._owner(request),
            **{key: _compact(request.subject.value)},
        )
        return self._post(client.PULL_URI_PATH, client.encode(search))

    def _post(self, path: str, body: bytes) -> httpx.Request:
        headers = {"Content-Type": client.JSON_CONTENT_TYPE}
        return self.transport.build_request("POST", path, content=body, headers=headers)

    async def lookup(self, request: RegistryRequest) -> RegistryAnswer:
        search = self.build_request(request)

        async def attempt(remaining_s: float) -> RegistryAnswer:
            deadline = time.monotonic() + remaining_s
            uri = self._pick(request, await self.send(search, remaining_s))
            if uri is None:
                return RegistryAnswer.not_found(utcnow())
            fetch = PullDocRequest(txn=request.lookup_id, org_id=client.ORG_ID, uri=uri)
            left = max(0.001, deadline - time.monotonic())
            response = await self.send(self._post(client.PULL_DOC_PATH, client.encode(fetch)), left)
            return self._document(request, response, uri)

        return await self.call(request, attempt)

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        """A fetched document (Pull Doc answer) -> the answer for `request`."""
        return self._document(request, response, None)

    def probe_request(self) -> httpx.Request:
        return self.transport.build_request("GET", client.HEALTH_PATH)

    def _pick(self, request: RegistryRequest, response: httpx.Response) -> str | None:
        """The URI of the document the search found (the latest issued), None if none."""
        try:
            found = client.decode(PullUriResponse, response.content)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        # Refusals may come before the registry read our txn; answers must echo it.
        ok = _status(found.response_status, found.ma_loi)
        if found.txn != request.lookup_id:
            raise _bad("txn does not echo the request")
        if not ok:
            if found.uris:
                raise _bad("a not-found answer carries URIs")
            return None
        prefix = f"vn.gov.datdai-{client.DOC_TYPES[request.document_type]}-"
        if not found.uris or any(not item.uri.startswith(prefix) for item in found.uris):
            raise _bad("a found answer without URIs of the document type asked")
        return max(found.uris, key=lambda item: item.ngay_cap or date.min).uri

    def _document(
        self, request: RegistryRequest, response: httpx.Response, uri: str | None
    ) -> RegistryAnswer:
        try:
            fetched = client.decode(PullDocResponse, response.content)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        ok = _status(fetched.response_status, fetched.ma_loi)
        if fetched.txn != request.lookup_id:
            raise _bad("txn does not echo the request")
        if not ok:
            return RegistryAnswer.not_found(utcnow())
        if fetched.data_content is None or (uri is not None and fetched.uri != uri):
            raise _bad("the document is not the one asked for")
        try:
            record = wire_to_record(request.document_type, fetched.data_content)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        _check_subject(request, record)
        return RegistryAnswer.found(record, utcnow())


def _compact(value: str) -> str:
    """Serials are searched without the space they are printed with (ZZ 000123)."""
    return value.replace(" ", "")


def _check_subject(request: RegistryRequest, record: RegistryRecord) -> None:
    """The document must be the one asked about, and a certificate must name the owner."""
    subject = request.subject
    if subject.scheme == "PARCEL_KEY" and record.fields["parcel_key"] != subject.value:
        raise _bad("the document is about another parcel")
    if subject.scheme == "LAND_CERT_SERIAL" and record.record_id != _compact(subject.value):
        raise _bad("the document is another certificate")
    owner = request.qualifiers.get(OWNER)
    if request.document_type == "GCN_QSDD" and owner is not None:
        named = {(o["scheme"], o["id"]) for o in record.fields["owners"]}
        if (owner.scheme, owner.value) not in named:
            raise _bad("the certificate does not name the owner asked with")
