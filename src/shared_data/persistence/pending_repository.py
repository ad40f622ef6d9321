"""Pending lookups in SQL: the `PendingLookupStore` port (`pending_lookups` table).

A pending lookup must be asked about again later, so the service needs its subject back; yet
a table of who is having their judicial record checked is exactly what must not be readable
from a database dump. So the subject (with any qualifiers) is kept only as:
- `subject_ref`: the audit log's keyed HMAC, to find a subject's pending lookups;
- `subject_sealed`: AES-256-GCM under a key derived (HKDF-SHA256) from the audit subject key,
  bound to its lookup id (associated data), so a sealed value moved to another row does not
  open. Without the key, neither reveals the identifier.
Sync SQL; the async port methods run it in a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, Row, insert, select, update

from shared_data.domain import Outcome, Purpose, Subject
from shared_data.persistence.keys import subject_key_bytes, subject_ref
from shared_data.persistence.tables import pending_lookups_table as pending_t
from shared_data.ports import PendingLookup

_SEAL_INFO = b"shared-data pending_lookups subject v1"
_NONCE_BYTES = 12


def sealing_key(subject_key: str | bytes) -> bytes:
    """The AES-256 key that seals subjects, derived from the audit subject key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO)
    return hkdf.derive(subject_key_bytes(subject_key))


class SqlPendingLookups:
    """Implements `PendingLookupStore` over the `pending_lookups` table."""

    def __init__(self, engine: Engine, subject_key: str | bytes) -> None:
        self._engine = engine
        self._ref_key = subject_key_bytes(subject_key)
        self._aead = AESGCM(sealing_key(subject_key))

    # --- the port ---------------------------------------------------------------------

    async def add(self, pending: PendingLookup) -> None:
        await asyncio.to_thread(self.add_now, pending)

    async def get(self, lookup_id: str) -> PendingLookup | None:
        return await asyncio.to_thread(self.get_now, lookup_id)

    async def settle(self, lookup_id: str, outcome: Outcome, at: datetime) -> None:
        await asyncio.to_thread(self.settle_now, lookup_id, outcome, at)

    # --- sync SQL -----------------------------------------------------------------------

    def add_now(self, pending: PendingLookup) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(pending_t).values(self._row(pending)))

    def get_now(self, lookup_id: str) -> PendingLookup | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(pending_t).where(pending_t.c.lookup_id == lookup_id)).first()
        return None if row is None else self._pending(row)

    def settle_now(self, lookup_id: str, outcome: Outcome, at: datetime) -> None:
        statement = (
            update(pending_t)
            .where(pending_t.c.lookup_id == lookup_id, pending_t.c.completed_at.is_(None))
            .values(completed_at=at.astimezone(UTC), outcome=outcome.value)
        )
        with self._engine.begin() as conn:
            conn.execute(statement)

    # --- rows -----------------------------------------------------------------------------

    def _seal(self, lookup_id: str, keys: dict[str, Any]) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        plaintext = json.dumps(keys, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = self._aead.encrypt(nonce, plaintext, lookup_id.encode())
        return base64.b64encode(nonce + sealed).decode()

    def _open(self, lookup_id: str, sealed: str) -> dict[str, Any]:
        raw = base64.b64decode(sealed)
        plaintext = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], lookup_id.encode())
        opened: dict[str, Any] = json.loads(plaintext)
        return opened

    def _row(self, p: PendingLookup) -> dict[str, Any]:
        keys = {
            "subject": p.subject.model_dump(),
            "qualifiers": {role: q.model_dump() for role, q in p.qualifiers.items()},
        }
        return {
            "lookup_id": p.lookup_id,
            "client_id": p.client_id,
            "registry": p.registry,
            "document_type": p.document_type,
            "ticket": p.ticket,
            "subject_scheme": p.subject.scheme,
            "subject_ref": subject_ref(self._ref_key, p.subject.scheme, p.subject.value),
            "subject_sealed": self._seal(p.lookup_id, keys),
            "procedure_code": p.purpose.procedure_code,
            "dossier_id": p.purpose.dossier_id,
            "legal_basis": p.purpose.legal_basis,
            "created_at": p.created_at.astimezone(UTC),
            "completed_at": p.completed_at.astimezone(UTC) if p.completed_at else None,
            "outcome": p.outcome.value if p.outcome else None,
        }

    def _pending(self, row: Row[Any]) -> PendingLookup:
        keys = self._open(row.lookup_id, row.subject_sealed)
        return PendingLookup(
            lookup_id=row.lookup_id,
            client_id=row.client_id,
            registry=row.registry,
            document_type=row.document_type,
            ticket=row.ticket,
            subject=Subject(**keys["subject"]),
            qualifiers={role: Subject(**q) for role, q in keys["qualifiers"].items()},
            purpose=Purpose(
                procedure_code=row.procedure_code,
                dossier_id=row.dossier_id,
                legal_basis=row.legal_basis,
            ),
            created_at=row.created_at,
            completed_at=row.completed_at,
            outcome=Outcome(row.outcome) if row.outcome else None,
        )
