"""The citizen access log in SQL: a subject's audit records, minus embargoed ones; embargoes.

Reads the audit_records table (written by the audit chain, never changed here) by the subject's
keyed reference, each lookup at its latest event, joined with the clients table for the agency
and client name. Embargoes are a table of their own: adding or lifting one changes no audit row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, and_, exists, insert, or_, select, update

from shared_data.access_log import ACCESS_LOG_PROCEDURE, AccessLogEntry, Embargo
from shared_data.persistence.keys import subject_key_bytes, subject_ref
from shared_data.persistence.tables import audit_embargoes_table as embargoes_t
from shared_data.persistence.tables import audit_records_table as audit_t
from shared_data.persistence.tables import clients_table as clients_t

SCOPES = ("subject_ref", "lookup_id", "dossier_id", "client_id")


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class AccessLogRepository:
    """The `AccessLogStore` port, and the embargoes admins set."""

    def __init__(
        self, engine: Engine, subject_key: str | bytes, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._engine = engine
        self._subject_key = subject_key_bytes(subject_key)
        self._clock = clock

    def subject_ref(self, scheme: str, value: str) -> str:
        """Return the keyed reference the audit log stores the subject under."""
        return subject_ref(self._subject_key, scheme, value)

    def entries_for(self, subject_ref: str, now: datetime, limit: int) -> list[AccessLogEntry]:
        """Return the subject's lookups newest first, at their latest event, not embargoed."""
        later = audit_t.alias("later")
        superseded = exists().where(
            later.c.lookup_id == audit_t.c.lookup_id, later.c.seq > audit_t.c.seq
        )
        statement = (
            select(audit_t, clients_t.c.name.label("client_name"), clients_t.c.agency)
            .outerjoin(clients_t, clients_t.c.id == audit_t.c.client_id)
            .where(audit_t.c.subject_ref == subject_ref)
            .where(audit_t.c.procedure_code != ACCESS_LOG_PROCEDURE)
            .where(~superseded, ~_embargoed(now))
            .order_by(audit_t.c.occurred_at.desc(), audit_t.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_entry_from(row) for row in conn.execute(statement)]

    def add_embargo(
        self,
        *,
        reason: str,
        until: datetime,
        created_by: str,
        subject_ref: str | None = None,
        lookup_id: str | None = None,
        dossier_id: str | None = None,
        client_id: str | None = None,
    ) -> Embargo:
        """Withhold matching records from the access log until `until`."""
        scope = {"subject_ref": subject_ref, "lookup_id": lookup_id}
        scope |= {"dossier_id": dossier_id, "client_id": client_id}
        now = self._clock()
        _check_embargo(scope, reason, created_by, until, now)
        embargo = Embargo(
            id=uuid.uuid4().hex,
            reason=reason.strip(),
            until=until,
            created_by=created_by.strip(),
            created_at=now,
            **scope,
        )
        values = embargo.model_dump(exclude={"until"}) | {"until_at": until}
        with self._engine.begin() as conn:
            conn.execute(insert(embargoes_t).values(values))
        return embargo

    def lift_embargo(self, embargo_id: str) -> bool:
        """End an embargo now; False if there is no such embargo still in force."""
        statement = (
            update(embargoes_t)
            .where(embargoes_t.c.id == embargo_id, embargoes_t.c.lifted_at.is_(None))
            .values(lifted_at=self._clock())
        )
        with self._engine.begin() as conn:
            return conn.execute(statement).rowcount == 1

    def list_embargoes(self, *, include_ended: bool = False) -> list[Embargo]:
        """Return embargoes in force (or every one), by end date."""
        statement = select(embargoes_t).order_by(embargoes_t.c.until_at, embargoes_t.c.id)
        if not include_ended:
            now = self._clock()
            statement = statement.where(
                embargoes_t.c.lifted_at.is_(None), embargoes_t.c.until_at > now
            )
        with self._engine.connect() as conn:
            return [_embargo_from(row) for row in conn.execute(statement)]


def _check_embargo(
    scope: dict[str, str | None], reason: str, created_by: str, until: datetime, now: datetime
) -> None:
    if all(value is None for value in scope.values()):
        raise ValueError("an embargo needs a scope: subject, lookup, dossier or client")
    if not reason.strip() or not created_by.strip():
        raise ValueError("an embargo needs a reason and who ordered it")
    if until.utcoffset() is None or until <= now:
        raise ValueError("an embargo must end at a timezone-aware time in the future")


def _embargoed(now: datetime) -> Any:
    # An embargo covers a record when every scope it sets equals the record's.
    matches = [
        or_(embargoes_t.c[name].is_(None), embargoes_t.c[name] == audit_t.c[name])
        for name in SCOPES
    ]
    live = and_(embargoes_t.c.lifted_at.is_(None), embargoes_t.c.until_at > now)
    return exists().where(live, *matches)


def _entry_from(row: Row[Any]) -> AccessLogEntry:
    return AccessLogEntry(
        lookup_id=row.lookup_id,
        occurred_at=row.occurred_at,
        agency=row.agency,
        client_name=row.client_name,
        procedure_code=row.procedure_code,
        dossier_id=row.dossier_id,
        document_type=row.document_type,
        outcome=row.outcome or row.state,
    )


def _embargo_from(row: Row[Any]) -> Embargo:
    values = dict(row._mapping)
    values["until"] = values.pop("until_at")
    return Embargo.model_validate(values)
