"""Grants: the pure rule, the cached policy, and the check inside LookupService (with fakes)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared_data.catalog import Catalog
from shared_data.clients import ClientRole
from shared_data.domain import Outcome, Purpose, RegistryAnswer, RegistryRecord, Subject
from shared_data.errors import (
    PermissionDeniedError,
    QuotaExceededError,
    UnknownDocumentTypeError,
    UnknownProcedureError,
)
from shared_data.grants import (
    ANY_DOCUMENT_TYPE,
    DENIED,
    DENIED_DETAIL,
    DenialReason,
    Entitlements,
    GrantDeniedError,
    GrantPolicy,
    checked_grant_request,
    decide,
    needed_document_types,
)
from shared_data.lookup import LookupQuery, LookupService
from shared_data.quotas import ENUMERATION_SUSPECTED, InMemoryQuotas, QuotaLimits
from tests.fakes import FakeAdapter, FakeAuditLog, FakeGrantStore

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CHILD = "001225956789"
BACKEND = ClientRole.PROCEDURE_BACKEND


def denial(catalog: Catalog, ent: Entitlements, procedure: str, doc: str) -> DenialReason:
    with pytest.raises(GrantDeniedError) as caught:
        decide(ent, catalog.procedures[procedure], catalog.document_types[doc])
    assert caught.value.detail == DENIED_DETAIL  # one message whatever the reason
    assert isinstance(caught.value, PermissionDeniedError)
    return caught.value.reason


@pytest.fixture
def store() -> FakeGrantStore:
    return FakeGrantStore()


def test_a_client_without_any_grant_is_refused_by_default(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    reason = denial(catalog, store.entitlements("c"), "P02", "CT07")
    assert reason is DenialReason.PROCEDURE_NOT_GRANTED


@pytest.mark.parametrize(
    "roles", [(ClientRole.ADMIN,), (ClientRole.OPS,), (ClientRole.CITIZEN_PORTAL,)]
)
def test_only_procedure_backends_look_up_even_holding_a_grant(
    catalog: Catalog, store: FakeGrantStore, roles: tuple[ClientRole, ...]
) -> None:
    store.add_client("c", *roles)
    store.grant("c", "P02", "CT07", ("pin",))
    assert (
        denial(catalog, store.entitlements("c"), "P02", "CT07") is DenialReason.ROLE_NOT_PERMITTED
    )


def test_unknown_and_disabled_clients_are_refused(catalog: Catalog, store: FakeGrantStore) -> None:
    store.add_client("c", BACKEND)
    store.grant("c", "P02", "CT07", ("pin",))
    store.disabled.add("c")
    assert denial(catalog, store.entitlements("c"), "P02", "CT07") is DenialReason.CLIENT_DISABLED
    assert denial(catalog, store.entitlements("x"), "P02", "CT07") is DenialReason.UNKNOWN_CLIENT


def test_a_grant_for_one_document_type_does_not_cover_another(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    store.grant("c", "P02", "CT07", ("pin",))
    reason = denial(catalog, store.entitlements("c"), "P02", "CCCD")
    assert reason is DenialReason.DOCUMENT_TYPE_NOT_GRANTED


def test_a_grant_naming_a_type_the_procedure_does_not_list_is_an_explicit_decision(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    assert "KHAI_SINH" not in needed_document_types(catalog.procedures["P02"])
    store.add_client("c", BACKEND)
    grant = store.grant("c", "P02", "KHAI_SINH", ("full_name",))
    ent = store.entitlements("c")
    assert decide(ent, catalog.procedures["P02"], catalog.document_types["KHAI_SINH"]) == grant


def test_a_grant_for_any_type_covers_only_what_the_procedure_needs(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    wildcard = store.grant("c", "P06", ANY_DOCUMENT_TYPE, ("pin",))
    ent = store.entitlements("c")
    p06 = catalog.procedures["P06"]
    # P06 takes KHAI_SINH as an alternative of QH_NHAN_THAN: covered; CT07 is not needed.
    assert decide(ent, p06, catalog.document_types["KHAI_SINH"]) == wildcard
    assert decide(ent, p06, catalog.document_types["GCN_QSDD"]) == wildcard
    assert denial(catalog, ent, "P06", "CT07") is DenialReason.DOCUMENT_TYPE_NOT_GRANTED


def test_an_exact_grant_wins_over_the_procedure_wide_one(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    store.grant("c", "P07", ANY_DOCUMENT_TYPE, ("pin", "full_name"))
    exact = store.grant("c", "P07", "CCCD", ("pin",))
    ent = store.entitlements("c")
    assert decide(ent, catalog.procedures["P07"], catalog.document_types["CCCD"]) == exact


async def test_the_policy_caches_entitlements_for_its_ttl_and_can_forget(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    now = [0.0]
    store.add_client("c", BACKEND)
    store.grant("c", "P02", "CT07", ("pin",))
    policy = GrantPolicy(store, ttl_s=10, clock=lambda: now[0])
    p02, ct07 = catalog.procedures["P02"], catalog.document_types["CT07"]
    for _ in range(5):
        await policy.authorize("c", p02, ct07)
    assert store.calls == 1  # no store round trip on the hot path
    store.grants["c"].clear()  # revoked in the store: still cached for a while
    await policy.authorize("c", p02, ct07)
    now[0] = 10.5
    with pytest.raises(GrantDeniedError):
        await policy.authorize("c", p02, ct07)
    assert store.calls == 2
    policy.forget("c")
    with pytest.raises(GrantDeniedError):
        await policy.authorize("c", p02, ct07)
    assert store.calls == 3


async def test_a_policy_without_ttl_asks_the_store_every_time(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    store.grant("c", "P02", "CT07", ("pin",))
    policy = GrantPolicy(store, ttl_s=0)
    for _ in range(3):
        await policy.authorize("c", catalog.procedures["P02"], catalog.document_types["CT07"])
    assert store.calls == 3


def test_grant_requests_are_checked_against_the_catalog(catalog: Catalog) -> None:
    request = checked_grant_request(
        catalog, "P07", "CT07", ["members.full_name", "pin", " pin "], " Luật Cư trú "
    )
    assert request.allowed_fields == ("members.full_name", "pin")
    assert request.legal_basis == "Luật Cư trú"
    with pytest.raises(ValueError, match="unknown field"):
        checked_grant_request(catalog, "P07", "CT07", ["no_such_field"], "x")
    with pytest.raises(ValueError, match="malformed"):
        checked_grant_request(catalog, "P07", "CT07", ["members..pin"], "x")
    with pytest.raises(ValueError, match="at least one"):
        checked_grant_request(catalog, "P07", "CT07", [" "], "x")
    with pytest.raises(ValueError, match="legal basis"):
        checked_grant_request(catalog, "P07", "CT07", ["pin"], "  ")
    with pytest.raises(UnknownProcedureError):
        checked_grant_request(catalog, "P99", "CT07", ["pin"], "x")
    with pytest.raises(UnknownDocumentTypeError):
        checked_grant_request(catalog, "P07", "NOPE", ["pin"], "x")
    # For any type the procedure needs, a field of any of those types will do.
    assert checked_grant_request(catalog, "P07", "*", ["place_of_residence"], "x")


# --- inside LookupService -------------------------------------------------------------


def birth_answer() -> RegistryAnswer:
    record = RegistryRecord(
        record_id="UBND-PMM1/2025/000123",
        fields={"full_name": "Nguyễn Minh Thí", "dob": "2025-08-20", "mother_pin": "001192934567"},
        issued_on=date(2025, 8, 25),
    )
    return RegistryAnswer.found(record, NOW)


def lookup_service(catalog: Catalog, store: FakeGrantStore, quotas: InMemoryQuotas | None = None):  # type: ignore[no-untyped-def]
    adapter = FakeAdapter("HOTICH", {("KHAI_SINH", CHILD): birth_answer()})
    audit = FakeAuditLog()
    service = LookupService(
        catalog,
        {"HOTICH": adapter},
        audit,
        grants=GrantPolicy(store, ttl_s=0),
        quotas=quotas,
        clock=lambda: NOW,
    )
    return service, adapter, audit


def birth_query(value: str = CHILD, procedure: str = "P14") -> LookupQuery:
    return LookupQuery(
        document_type="KHAI_SINH",
        subject=Subject(scheme="PIN", value=value),
        purpose=Purpose(procedure_code=procedure, dossier_id="D-9"),
    )


async def test_a_refused_lookup_is_audited_as_denied_and_asks_no_registry(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    service, adapter, audit = lookup_service(catalog, store)
    with pytest.raises(GrantDeniedError):
        await service.lookup("c", birth_query(), request_id="r-1")
    assert adapter.requests == [] and audit.started == []
    (entry,) = audit.entries
    assert (entry.outcome, entry.reason) == (DENIED, "procedure_not_granted")
    assert (entry.client_id, entry.procedure_code, entry.dossier_id) == ("c", "P14", "D-9")
    assert (entry.subject_value, entry.request_id) == (CHILD, "r-1")


async def test_a_found_document_carries_only_the_granted_fields_and_its_digest_covers_them(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    store.grant("c", "P14", "KHAI_SINH", ("full_name",))
    store.add_client("d", BACKEND)
    store.grant("d", "P14", "KHAI_SINH", ("full_name", "dob"))
    service, _, audit = lookup_service(catalog, store)
    narrow = await service.lookup("c", birth_query())
    wide = await service.lookup("d", birth_query())
    assert narrow.status is Outcome.FOUND and narrow.document and wide.document
    assert narrow.document.fields == {"full_name": "Nguyễn Minh Thí"}
    assert set(wide.document.fields) == {"full_name", "dob"}
    assert narrow.document.digest != wide.document.digest  # the digest is of what is released
    assert audit.entries[0].digest == narrow.document.digest


async def test_the_rate_limit_refuses_before_anything_else(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    store.grant("c", "P14", "KHAI_SINH", ("full_name",))
    quotas = InMemoryQuotas(QuotaLimits(per_minute=2), "k", clock=lambda: 1000.0)
    service, adapter, audit = lookup_service(catalog, store, quotas)
    await service.lookup("c", birth_query())
    await service.lookup("c", birth_query())
    with pytest.raises(QuotaExceededError) as caught:
        await service.lookup("c", birth_query())
    assert caught.value.retry_after >= 1
    assert len(adapter.requests) == 2 and len(audit.entries) == 2
    assert quotas.stats.rate_limited == 1


async def test_past_the_distinct_subject_ceiling_lookups_pass_but_are_flagged(
    catalog: Catalog, store: FakeGrantStore
) -> None:
    store.add_client("c", BACKEND)
    store.grant("c", "P14", "KHAI_SINH", ("full_name",))
    limits = QuotaLimits(per_minute=1000, distinct_subjects_per_hour=2)
    quotas = InMemoryQuotas(limits, "k", clock=lambda: 7200.0)
    service, _, audit = lookup_service(catalog, store, quotas)
    for value in (CHILD, CHILD, "001090912345", "001192934567", CHILD):
        await service.lookup("c", birth_query(value))
    reasons = [entry.reason for entry in audit.entries]
    assert reasons == [None, None, None, ENUMERATION_SUSPECTED, ENUMERATION_SUSPECTED]
    assert quotas.stats.enumeration_flagged == 2
