"""What the audit log holds, read straight from the database, and the chain's verification."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from shared_data.persistence.audit_signing import signing_key_for
from shared_data.persistence.audit_verify import VerifyReport, verify_chain
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.tables import audit_records_table as audit_t
from tests.serverproc import SIGNING_KEY


def audit_states(database_url: str) -> dict[str, set[str]]:
    """Every lookup id in the audit log, with the states of its events."""
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(audit_t.c.lookup_id, audit_t.c.state)).all()
    finally:
        engine.dispose()
    states: dict[str, set[str]] = defaultdict(set)
    for lookup_id, state in rows:
        states[lookup_id].add(state)
    return dict(states)


def still_pending(states: dict[str, set[str]]) -> set[str]:
    """Lookups with a pending event and no completion or abandonment."""
    return {lookup_id for lookup_id, seen in states.items() if seen == {"pending"}}


def chain_seqs(database_url: str) -> list[int]:
    """The seq of every chained audit row, in order."""
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as conn:
            statement = select(audit_t.c.seq).where(audit_t.c.seq.is_not(None))
            return list(conn.execute(statement.order_by(audit_t.c.seq)).scalars())
    finally:
        engine.dispose()


def verify(database_url: str) -> VerifyReport:
    """Verify the whole chain with the public key of the servers' signing key."""
    public_key = signing_key_for(SIGNING_KEY, database_url).public_key()
    engine = create_engine_for(database_url)
    try:
        return verify_chain(engine, public_key)
    finally:
        engine.dispose()
