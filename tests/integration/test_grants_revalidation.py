"""Cached entitlements are revalidated by the store's stamp, on SQLite and PostgreSQL: an
unchanged client costs one small query per TTL instead of re-reading all its grants, and every
kind of change (grant added, grant revoked, client disabled, role added) is seen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from shared_data.catalog import Catalog
from shared_data.clients import ClientRole
from shared_data.grants import Entitlements, GrantDeniedError, GrantPolicy, GrantRequest
from shared_data.persistence.grants_repository import GrantRepository
from shared_data.persistence.repositories import ClientRepository


class CountingStore:
    """The real repository, counting full reads."""

    def __init__(self, repo: GrantRepository) -> None:
        self.repo = repo
        self.full_reads = 0

    def entitlements(self, client_id: str) -> Entitlements:
        self.full_reads += 1
        return self.repo.entitlements(client_id)

    def version(self, client_id: str) -> tuple[object, ...]:
        return self.repo.version(client_id)


@pytest.fixture
def engine(migrated_engine: tuple[str, Engine]) -> Iterator[Engine]:
    yield migrated_engine[1]


def request(procedure: str, document_type: str) -> GrantRequest:
    return GrantRequest(
        procedure_code=procedure,
        document_type=document_type,
        allowed_fields=("pin",),
        legal_basis="test basis",
    )


async def test_an_unchanged_client_is_not_re_read_and_each_change_is_seen(
    engine: Engine, catalog: Catalog
) -> None:
    clients, grants = ClientRepository(engine), GrantRepository(engine)
    client = clients.create_client("backend", "test", ClientRole.PROCEDURE_BACKEND)
    ct07 = grants.add_grant(client.id, request("P02", "CT07"))
    store = CountingStore(grants)
    now = [0.0]
    policy = GrantPolicy(store, ttl_s=10, clock=lambda: now[0])
    p02, p01 = catalog.procedures["P02"], catalog.procedures["P01"]
    ct07_doc, cccd = catalog.document_types["CT07"], catalog.document_types["CCCD"]

    async def expire_and_authorize(procedure: object, doc: object) -> None:
        now[0] += 11
        await policy.authorize(client.id, procedure, doc)  # type: ignore[arg-type]

    await policy.authorize(client.id, p02, ct07_doc)
    for _ in range(3):
        await expire_and_authorize(p02, ct07_doc)
    assert store.full_reads == 1  # three expiries, nothing changed: stamps only

    grants.add_grant(client.id, request("P01", "CCCD"))
    await expire_and_authorize(p01, cccd)  # the new grant is seen
    assert store.full_reads == 2

    assert grants.revoke_grant(ct07.id)
    with pytest.raises(GrantDeniedError):
        await expire_and_authorize(p02, ct07_doc)
    assert store.full_reads == 3

    clients.add_roles(client.id, [ClientRole.CITIZEN_PORTAL])
    await expire_and_authorize(p01, cccd)
    assert store.full_reads == 4

    clients.disable_client(client.id)
    with pytest.raises(GrantDeniedError):
        await expire_and_authorize(p01, cccd)
    assert store.full_reads == 5


def test_the_stamp_is_read_with_the_entitlements(engine: Engine) -> None:
    clients, grants = ClientRepository(engine), GrantRepository(engine)
    client = clients.create_client("backend", "test", ClientRole.PROCEDURE_BACKEND)
    before = grants.entitlements(client.id)
    assert before.version == grants.version(client.id)
    grants.add_grant(client.id, request("P02", "CT07"))
    assert grants.version(client.id) != before.version
    assert grants.entitlements("nobody").version == grants.version("nobody")
