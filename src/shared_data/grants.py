"""Grants: which client may look up which document type, for which procedure. Deny by default.

A grant is (client, procedure, document type, allowed fields, legal basis). A lookup passes
only if the client holds the procedure_backend role, holds a live grant for the lookup's
procedure, and that grant covers the document type: a grant naming the type exactly covers it
(even one the procedure does not list: the grant is the explicit decision); a grant for
`ANY_DOCUMENT_TYPE` covers only the types the procedure itself needs (a requirement's document
type or one of its alternatives). Admins administer; they do not read personal data.

Every refusal raises `GrantDeniedError` with one and the same message: the caller must not
learn which rule failed, nor anything about the subject. The real reason is on the exception
(`reason`) and in the log and the audit record, never in the response.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Protocol

from shared_data.catalog.models import Catalog, DocumentType, Procedure
from shared_data.clients import ClientRole
from shared_data.domain import Frozen
from shared_data.errors import (
    PermissionDeniedError,
    UnknownDocumentTypeError,
    UnknownProcedureError,
)

log = logging.getLogger(__name__)

ANY_DOCUMENT_TYPE = "*"
# The audit outcome of a refused lookup.
DENIED = "denied"
DENIED_DETAIL = "This client is not permitted to make this lookup."
LOOKUP_ROLE = ClientRole.PROCEDURE_BACKEND


class DenialReason(StrEnum):
    """Why a lookup was refused: for the log and the audit record only."""

    UNKNOWN_CLIENT = "unknown_client"
    CLIENT_DISABLED = "client_disabled"
    ROLE_NOT_PERMITTED = "role_not_permitted"
    PROCEDURE_NOT_GRANTED = "procedure_not_granted"
    DOCUMENT_TYPE_NOT_GRANTED = "document_type_not_granted"


class GrantDeniedError(PermissionDeniedError):
    """A refused lookup: the detail is always `DENIED_DETAIL`; `reason` stays inside."""

    def __init__(self, reason: DenialReason) -> None:
        super().__init__(DENIED_DETAIL)
        self.reason = reason


class Grant(Frozen):
    """One client's right to look up one document type for one procedure."""

    id: str
    client_id: str
    procedure_code: str
    # A catalog document type id, or ANY_DOCUMENT_TYPE: what the procedure itself needs.
    document_type: str
    # Field paths that may leave: top-level names, or dotted paths into nested values
    # (`members.full_name` keeps that key of a dict, or of each dict in a list).
    allowed_fields: tuple[str, ...]
    legal_basis: str
    created_at: datetime
    revoked_at: datetime | None = None


class Entitlements(Frozen):
    """What the grant check needs to know of one client, read in one go from the store."""

    client_id: str
    roles: frozenset[ClientRole] = frozenset()
    disabled: bool = False
    exists: bool = True
    grants: tuple[Grant, ...] = ()
    # The store's stamp of what was read (GrantStore.version); None: the store has none.
    version: tuple[Any, ...] | None = None

    @cached_property
    def by_procedure(self) -> dict[str, tuple[Grant, ...]]:
        """The grants indexed by procedure (a demo client holds thousands)."""
        index: dict[str, list[Grant]] = {}
        for grant in self.grants:
            index.setdefault(grant.procedure_code, []).append(grant)
        return {code: tuple(grants) for code, grants in index.items()}


class GrantStore(Protocol):
    """Where clients' roles and live grants are kept (SQL: persistence/grants_repository)."""

    def entitlements(self, client_id: str) -> Entitlements:
        """Return the client's roles and its grants not revoked (exists=False if unknown)."""
        ...

    # Optional: `version(client_id)`, a cheap stamp that changes whenever `entitlements`
    # would: an expired cache entry whose stamp is unchanged is kept, not re-read.


class GrantGate(Protocol):
    """What LookupService asks before any cache read or registry call."""

    async def authorize(self, client_id: str, procedure: Procedure, doc: DocumentType) -> Grant:
        """Return the grant covering this lookup, or raise GrantDeniedError."""
        ...


def needed_document_types(procedure: Procedure) -> frozenset[str]:
    """The document types a procedure's requirements name, alternatives included."""
    needed: set[str] = set()
    for requirement in procedure.requirements:
        if requirement.document_type:
            needed.add(requirement.document_type)
        needed.update(requirement.alternatives)
    return frozenset(needed)


def decide(entitlements: Entitlements, procedure: Procedure, doc: DocumentType) -> Grant:
    """The pure rule: the grant covering (procedure, document type), or GrantDeniedError."""
    if not entitlements.exists:
        raise GrantDeniedError(DenialReason.UNKNOWN_CLIENT)
    if entitlements.disabled:
        raise GrantDeniedError(DenialReason.CLIENT_DISABLED)
    if LOOKUP_ROLE not in entitlements.roles:
        raise GrantDeniedError(DenialReason.ROLE_NOT_PERMITTED)
    granted = entitlements.by_procedure.get(procedure.code, ())
    if not granted:
        raise GrantDeniedError(DenialReason.PROCEDURE_NOT_GRANTED)
    for grant in granted:
        if grant.document_type == doc.id:
            return grant
    if doc.id in needed_document_types(procedure):
        for grant in granted:
            if grant.document_type == ANY_DOCUMENT_TYPE:
                return grant
    raise GrantDeniedError(DenialReason.DOCUMENT_TYPE_NOT_GRANTED)


class GrantPolicy:
    """The `GrantGate`: `decide` over entitlements cached per client for `ttl_s` seconds.

    The hot path makes no database round trip while a client's entry is fresh; a revoked
    grant stops working within `ttl_s` (0 disables the cache: every lookup asks the store).
    """

    def __init__(
        self,
        store: GrantStore,
        ttl_s: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        maxsize: int = 10_000,
    ) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._clock = clock
        self._maxsize = maxsize
        self._cache: dict[str, tuple[float, Entitlements]] = {}
        self._loading: dict[str, asyncio.Future[Entitlements]] = {}

    async def authorize(self, client_id: str, procedure: Procedure, doc: DocumentType) -> Grant:
        """Return the grant covering this lookup, or raise GrantDeniedError (and log why)."""
        entitlements = await self.entitlements(client_id)
        try:
            return decide(entitlements, procedure, doc)
        except GrantDeniedError as exc:
            log.info(
                "lookup refused",
                extra={
                    "client_id": client_id,
                    "procedure": procedure.code,
                    "document_type": doc.id,
                    "reason": exc.reason.value,
                },
            )
            raise

    async def entitlements(self, client_id: str) -> Entitlements:
        """Return the client's entitlements, from the cache while fresh."""
        now = self._clock()
        cached = self._cache.get(client_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        # Single flight: concurrent misses share one read. A client may hold thousands of
        # grants; each expiry used to start one read per waiting request (64 at once under
        # load), which stalled the service (docs/PERFORMANCE.md).
        task = self._loading.get(client_id)
        if task is None:
            task = asyncio.ensure_future(self._load(client_id, now))
            self._loading[client_id] = task
            task.add_done_callback(lambda done: self._loaded(client_id, done))
        return await asyncio.shield(task)

    async def _load(self, client_id: str, now: float) -> Entitlements:
        entitlements = await asyncio.to_thread(self._read, client_id)
        if self._ttl_s > 0:
            if len(self._cache) >= self._maxsize:
                self._cache.clear()
            self._cache[client_id] = (now + self._ttl_s, entitlements)
        return entitlements

    def _read(self, client_id: str) -> Entitlements:
        """Revalidate an expired entry by the store's stamp, else read everything (a demo
        client's 5,674 grants took ≈ 200 ms of CPU every `ttl_s`: the p99 of every lookup)."""
        version = getattr(self._store, "version", None)
        cached = self._cache.get(client_id)
        known = None if cached is None else cached[1].version
        if version is not None and known is not None and version(client_id) == known:
            return cached[1]  # type: ignore[index]
        return self._store.entitlements(client_id)

    def _loaded(self, client_id: str, task: asyncio.Future[Entitlements]) -> None:
        if self._loading.get(client_id) is task:
            del self._loading[client_id]
        if not task.cancelled():
            task.exception()  # retrieved: no warning if every waiter has gone

    def forget(self, client_id: str | None = None) -> None:
        """Drop cached entitlements (one client's, or all): after an admin change here."""
        if client_id is None:
            self._cache.clear()
        else:
            self._cache.pop(client_id, None)


class GrantRequest(Frozen):
    """A grant to be given: checked against the catalog by `checked_grant_request`."""

    procedure_code: str
    document_type: str
    allowed_fields: tuple[str, ...]
    legal_basis: str


def checked_grant_request(
    catalog: Catalog,
    procedure_code: str,
    document_type: str,
    allowed_fields: Sequence[str],
    legal_basis: str,
) -> GrantRequest:
    """Check a grant against the catalog; return it with its field paths normalised.

    Raises UnknownProcedureError, UnknownDocumentTypeError, or ValueError for fields the
    document type does not have and for a missing legal basis.
    """
    procedure = catalog.procedures.get(procedure_code)
    if procedure is None:
        raise UnknownProcedureError(f"Unknown procedure '{procedure_code}'.")
    if document_type == ANY_DOCUMENT_TYPE:
        docs = [catalog.document_types[d] for d in sorted(needed_document_types(procedure))]
    elif document_type in catalog.document_types:
        docs = [catalog.document_types[document_type]]
    else:
        raise UnknownDocumentTypeError(f"Unknown document type '{document_type}'.")
    if not legal_basis.strip():
        raise ValueError("a grant needs a legal basis")
    return GrantRequest(
        procedure_code=procedure_code,
        document_type=document_type,
        allowed_fields=_checked_paths(docs, allowed_fields),
        legal_basis=legal_basis.strip(),
    )


def _checked_paths(docs: Sequence[DocumentType], allowed_fields: Sequence[str]) -> tuple[str, ...]:
    # A path's first segment must be a catalog field of the document type (for ANY: of one
    # the procedure needs); deeper segments are not in the catalog and are taken as written.
    known = {name for doc in docs for name in doc.fields}
    paths = sorted({path.strip() for path in allowed_fields if path.strip()})
    if not paths:
        raise ValueError("a grant must allow at least one field")
    for path in paths:
        if any(not part for part in path.split(".")):
            raise ValueError(f"malformed field path {path!r}")
        if path.split(".")[0] not in known:
            raise ValueError(f"unknown field {path!r}: known are {', '.join(sorted(known))}")
    return tuple(paths)
