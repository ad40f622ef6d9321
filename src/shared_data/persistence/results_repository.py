"""SQL of the results store: `ResultRepository` implements `results.model.ResultStore`.

The database holds no identifier and no field in clear: subjects are a keyed index plus
ciphertext; a result's fields and dossier id are one sealed `payload`, its revocation reason
(free text) sealed too (results/sealing.py says why). Revoking and superseding are
conditional updates (`WHERE status = 'active'`), so of two concurrent changes to one result
exactly one wins; a supersession writes the old row and the new one in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, insert, select, text, update

from shared_data.canonical import canonical_json
from shared_data.persistence.tables import result_subjects_table as subjects_t
from shared_data.persistence.tables import results_table as results_t
from shared_data.results.model import PublishedResult, ResultStatus, SealedSubject
from shared_data.results.sealing import Sealer

ACTIVE = ResultStatus.ACTIVE.value


def payload_context(result_id: str) -> str:
    """What a result's sealed payload is bound to: its row."""
    return json.dumps(["payload", result_id])


def reason_context(result_id: str) -> str:
    """What a sealed revocation reason (free text: it may name people) is bound to."""
    return json.dumps(["revocation_reason", result_id])


class ResultRepository:
    """Results and their subjects, sealed with `sealer`."""

    def __init__(self, engine: Engine, sealer: Sealer) -> None:
        self._engine = engine
        self._sealer = sealer

    def add(self, result: PublishedResult, subjects: Sequence[SealedSubject]) -> None:
        """Store a new active result with its subjects, in one transaction."""
        with self._engine.begin() as conn:
            self._insert(conn, result, subjects)

    def get(self, result_id: str) -> PublishedResult | None:
        """Return the result, whatever its status (None if there is no such id)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(results_t).where(results_t.c.id == result_id)).first()
        return None if row is None else self._result(row)

    def subjects(self, result_id: str) -> list[SealedSubject]:
        """Return the result's subjects as stored."""
        statement = select(subjects_t).where(subjects_t.c.result_id == result_id)
        with self._engine.connect() as conn:
            rows = conn.execute(statement.order_by(subjects_t.c.scheme, subjects_t.c.subject_ref))
            return [
                SealedSubject(scheme=r.scheme, ref=r.subject_ref, sealed_value=r.sealed_value)
                for r in rows
            ]

    def find(self, document_type: str, ref: str) -> list[PublishedResult]:
        """Return every result of `document_type` naming the subject indexed as `ref`."""
        statement = (
            select(results_t)
            .join(subjects_t, subjects_t.c.result_id == results_t.c.id)
            .where(subjects_t.c.subject_ref == ref, results_t.c.document_type == document_type)
        )
        with self._engine.connect() as conn:
            return [self._result(row) for row in conn.execute(statement)]

    def revoke(self, result_id: str, reason: str, at: datetime) -> PublishedResult | None:
        """Mark an active result revoked; None if it was not active."""
        statement = (
            update(results_t)
            .where(results_t.c.id == result_id, results_t.c.status == ACTIVE)
            .values(
                status=ResultStatus.REVOKED.value,
                revoked_at=at,
                revocation_reason=self._sealer.seal(reason.encode(), reason_context(result_id)),
            )
        )
        with self._engine.begin() as conn:
            if conn.execute(statement).rowcount != 1:
                return None
            row = conn.execute(select(results_t).where(results_t.c.id == result_id)).one()
        return self._result(row)

    def supersede(
        self, old_id: str, new: PublishedResult, subjects: Sequence[SealedSubject]
    ) -> bool:
        """Mark an active result superseded by `new` and store `new`, atomically."""
        statement = (
            update(results_t)
            .where(results_t.c.id == old_id, results_t.c.status == ACTIVE)
            .values(
                status=ResultStatus.SUPERSEDED.value,
                superseded_by=new.result_id,
                superseded_at=new.published_at,
            )
        )
        with self._engine.begin() as conn:
            if conn.execute(statement).rowcount != 1:
                return False  # nothing was written
            self._insert(conn, new, subjects)
        return True

    def ping(self) -> None:
        """Raise unless the store can be read."""
        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def _insert(
        self, conn: Any, result: PublishedResult, subjects: Sequence[SealedSubject]
    ) -> None:
        conn.execute(insert(results_t).values(self._values(result)))
        conn.execute(
            insert(subjects_t),
            [
                {
                    "result_id": result.result_id,
                    "subject_ref": s.ref,
                    "scheme": s.scheme,
                    "sealed_value": s.sealed_value,
                }
                for s in subjects
            ],
        )

    def _values(self, result: PublishedResult) -> dict[str, Any]:
        sealed = {"fields": result.fields, "dossier_id": result.dossier_id}
        payload = self._sealer.seal(canonical_json(sealed), payload_context(result.result_id))
        return {
            "id": result.result_id,
            "document_type": result.document_type,
            "procedure_code": result.procedure_code,
            "client_id": result.client_id,
            "status": result.status.value,
            "issued_on": result.issued_on,
            "valid_until": result.valid_until,
            "published_at": result.published_at,
            "document_uri": result.document_uri,
            "digest": result.digest,
            "payload": payload,
            "key_id": self._sealer.key_id,
            "supersedes": result.supersedes,
            "superseded_by": result.superseded_by,
            "superseded_at": result.superseded_at,
            "revoked_at": result.revoked_at,
            "revocation_reason": None,  # set by `revoke` only, sealed
        }

    def _result(self, row: Row[Any]) -> PublishedResult:
        opened = json.loads(self._sealer.open(row.payload, payload_context(row.id)))
        reason = row.revocation_reason
        if reason is not None:
            reason = self._sealer.open(reason, reason_context(row.id)).decode()
        return PublishedResult(
            result_id=row.id,
            document_type=row.document_type,
            procedure_code=row.procedure_code,
            client_id=row.client_id,
            dossier_id=opened["dossier_id"],
            fields=opened["fields"],
            issued_on=row.issued_on,
            valid_until=row.valid_until,
            status=ResultStatus(row.status),
            published_at=row.published_at,
            document_uri=row.document_uri,
            digest=row.digest,
            supersedes=row.supersedes,
            superseded_by=row.superseded_by,
            superseded_at=row.superseded_at,
            revoked_at=row.revoked_at,
            revocation_reason=reason,
        )
