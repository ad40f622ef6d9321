"""The results store's core: drafts checked against the catalog, rights, audit, the latest
active result winning, the composition with the Kho's adapter, sealing. No I/O: an in-memory
store and the fakes of tests/fakes.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from adapters.simulators.fixtures import MAU, NOT_FOUND_PIN, THU
from shared_data.catalog import Catalog
from shared_data.clients import Client, ClientRole
from shared_data.domain import Outcome, RegistryAnswer, RegistryRecord, RegistryRequest, Subject
from shared_data.errors import (
    AuditUnavailableError,
    InvalidIdentifierError,
    InvalidResultError,
    PermissionDeniedError,
    ResultNotActiveError,
    UnknownDocumentTypeError,
    UnknownProcedureError,
    UnknownResultError,
    UnknownSchemeError,
)
from shared_data.grants import ANY_DOCUMENT_TYPE, GrantPolicy
from shared_data.results.adapter import ResultsStoreAdapter, StoreFirstAdapter, record_of
from shared_data.results.model import PublishedResult, ResultDraft, ResultStatus, SealedSubject
from shared_data.results.sealing import Sealer, SealingError
from shared_data.results.service import GrantPublicationGate, ResultsService
from shared_data.validity import evaluate
from tests.fakes import FakeAdapter, FakeAuditLog, FakeGrantStore

PERMIT, COPY = "GIAY_PHEP_XAY_DUNG", "BAN_SAO_DIEN_TU"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
DOSSIER = "H01.12-260520-0042"
KEY = b"unit-test-results-key-0123456789"
PIN_MAU = Subject(scheme="PIN", value=MAU)


class MemoryStore:
    """The `ResultStore` port in memory, with its conditional writes."""

    def __init__(self) -> None:
        self.results: dict[str, PublishedResult] = {}
        self.subject_rows: dict[str, list[SealedSubject]] = {}

    def add(self, result: PublishedResult, subjects: Sequence[SealedSubject]) -> None:
        self.results[result.result_id] = result
        self.subject_rows[result.result_id] = list(subjects)

    def get(self, result_id: str) -> PublishedResult | None:
        return self.results.get(result_id)

    def subjects(self, result_id: str) -> list[SealedSubject]:
        return self.subject_rows.get(result_id, [])

    def find(self, document_type: str, ref: str) -> list[PublishedResult]:
        named = {rid for rid, rows in self.subject_rows.items() if any(s.ref == ref for s in rows)}
        return [
            r
            for rid, r in self.results.items()
            if rid in named and r.document_type == document_type
        ]

    def revoke(self, result_id: str, reason: str, at: datetime) -> PublishedResult | None:
        current = self.results[result_id]
        if current.status is not ResultStatus.ACTIVE:
            return None
        update = {"status": ResultStatus.REVOKED, "revoked_at": at, "revocation_reason": reason}
        self.results[result_id] = current.model_copy(update=update)
        return self.results[result_id]

    def supersede(
        self, old_id: str, new: PublishedResult, subjects: Sequence[SealedSubject]
    ) -> bool:
        old = self.results[old_id]
        if old.status is not ResultStatus.ACTIVE:
            return False
        update = {"status": ResultStatus.SUPERSEDED, "superseded_by": new.result_id}
        self.results[old_id] = old.model_copy(update=update)
        self.add(new, subjects)
        return True

    def ping(self) -> None:
        return None


class AllowPublishing:
    def __init__(self) -> None:
        self.refuse = False

    async def authorize_publication(self, client: Client, procedure: Any, doc: Any) -> None:
        if self.refuse:
            raise PermissionDeniedError("no")


def _client(client_id: str, role: ClientRole = ClientRole.PROCEDURE_BACKEND) -> Client:
    return Client(id=client_id, name=client_id, agency="UBND Phường Mẫu Một", role=role)


BACKEND, OTHER, ADMIN = _client("backend"), _client("other"), _client("ops", ClientRole.ADMIN)


def _permit(*subjects: Subject, issued: date = date(2026, 5, 20), **changes: Any) -> ResultDraft:
    values: dict[str, Any] = {
        "document_type": PERMIT,
        "subjects": subjects or (PIN_MAU, Subject(scheme="PIN", value=THU)),
        "fields": {
            "permit_no": "42/GPXD", "owner_id": MAU, "parcel_key": "99999-12-345",
            "scale": "3 tầng", "issue_date": issued.isoformat(),
            "expiry_of_commencement": (issued + timedelta(days=365)).isoformat(),
        },
        "issued_on": issued,
        "dossier_id": DOSSIER,
        "procedure_code": "P11",
    }  # fmt: skip
    return ResultDraft(**(values | changes))


@pytest.fixture
def world(catalog: Catalog) -> tuple[ResultsService, MemoryStore, FakeAuditLog, AllowPublishing]:
    store, audit, gate = MemoryStore(), FakeAuditLog(), AllowPublishing()
    service = ResultsService(catalog, store, Sealer(KEY), audit, gate, clock=lambda: NOW)
    return service, store, audit, gate


async def _find(service: ResultsService, scheme: str, value: str, doc: str = PERMIT) -> Any:
    request = RegistryRequest(
        lookup_id="l1", registry="HN_KHO", document_type=doc,
        subject=Subject(scheme=scheme, value=value),
    )  # fmt: skip
    return await ResultsStoreAdapter(service).lookup(request)


# --- drafts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error"),
    [({"fields": {"permit_no": "1", "colour": "red"}}, InvalidResultError),
     ({"document_type": "KHAI_SINH"}, InvalidResultError),  # HOTICH keeps its own records
     ({"document_type": "NO_SUCH_TYPE"}, UnknownDocumentTypeError),
     ({"procedure_code": "P99"}, UnknownProcedureError),
     ({"subjects": (Subject(scheme="CMND9", value="013912345"),)}, UnknownSchemeError),
     ({"subjects": (Subject(scheme="PIN", value="00109091234"),)}, InvalidIdentifierError),
     ({"dossier_id": "dossier 42"}, InvalidIdentifierError),
     ({"issued_on": TODAY + timedelta(days=1)}, InvalidResultError),
     ({"valid_until": date(2027, 1, 1)}, InvalidResultError),  # contradicts the expiry field
     ({"fields": {"expiry_of_commencement": "20/05/2027"}}, InvalidResultError),
     ({"fields": {"expiry_of_commencement": "2026-01-01"}}, InvalidResultError)],  # < issued
)  # fmt: skip
async def test_drafts_the_catalog_refuses_are_caller_errors_and_store_nothing(
    world: Any, changes: dict[str, Any], error: type[Exception]
) -> None:
    service, store, audit, _ = world
    with pytest.raises(error):
        await service.publish(BACKEND, _permit(**changes))
    assert store.results == {} and audit.started == []


async def test_a_published_permit_is_found_by_each_owner_and_by_its_dossier(world: Any) -> None:
    service, _, _, _ = world
    result = await service.publish(BACKEND, _permit())
    assert result.valid_until == date(2027, 5, 20)  # from expiry_of_commencement
    assert result.document_uri == f"vn.gov.hn_kho-{PERMIT}-{result.result_id}"
    for scheme, value in (("PIN", MAU), ("PIN", THU), ("DOSSIER_NO", DOSSIER)):
        answer = await _find(service, scheme, value)
        assert answer.outcome is Outcome.FOUND, (scheme, answer)
        assert answer.record.record_id == result.result_id
    assert (await _find(service, "PIN", NOT_FOUND_PIN)).outcome is Outcome.NOT_FOUND
    assert (await _find(service, "PIN", MAU, COPY)).outcome is Outcome.NOT_FOUND


async def test_an_enterprise_is_found_whichever_of_its_tax_code_schemes_is_used(
    world: Any,
) -> None:
    service, _, _, _ = world
    owner = Subject(scheme="ENTERPRISE_CODE", value="0199900018")
    result = await service.publish(BACKEND, _permit(owner))
    for scheme in ("MST", "ENTERPRISE_CODE"):
        answer = await _find(service, scheme, "0199900018")
        assert answer.record.record_id == result.result_id


# --- latest active result wins ---------------------------------------------------------


async def test_the_latest_active_result_wins_then_the_latest_void_one(world: Any) -> None:
    service, _, _, _ = world
    older = await service.publish(BACKEND, _permit(issued=date(2026, 1, 5)))
    newer = await service.publish(BACKEND, _permit(issued=date(2026, 4, 5)))
    assert (await _find(service, "PIN", MAU)).record.record_id == newer.result_id
    await service.revoke(BACKEND, newer.result_id, "issued in error")
    assert (await _find(service, "PIN", MAU)).record.record_id == older.result_id
    await service.revoke(BACKEND, older.result_id, "issued in error")
    answer = await _find(service, "PIN", MAU)
    assert answer.outcome is Outcome.FOUND and answer.record.record_id == newer.result_id
    assert (answer.record.status, answer.record.voided_by) == ("revoked", "revoked")


async def test_a_superseded_result_gives_way_to_its_successor(world: Any) -> None:
    service, store, _, _ = world
    first = await service.publish(BACKEND, _permit())
    only_thu = _permit(Subject(scheme="PIN", value=THU), issued=date(2026, 5, 25))
    second = await service.supersede(BACKEND, first.result_id, only_thu)
    assert second.supersedes == first.result_id
    assert store.results[first.result_id].status is ResultStatus.SUPERSEDED
    assert (await _find(service, "PIN", THU)).record.record_id == second.result_id
    # MAU is named only by the superseded permit: found, and void.
    answer = await _find(service, "PIN", MAU)
    assert (answer.record.record_id, answer.record.voided_by) == (first.result_id, "superseded")


def test_validity_of_a_void_result_says_why(catalog: Catalog) -> None:
    rule = catalog.document_types[PERMIT].validity
    for status in (ResultStatus.REVOKED, ResultStatus.SUPERSEDED):
        result = PublishedResult(
            result_id="kq1", document_type=PERMIT, procedure_code="P11", client_id="c",
            dossier_id=DOSSIER, fields={}, issued_on=date(2026, 5, 1),
            valid_until=date(2027, 5, 1), status=status, published_at=NOW,
            document_uri="u", digest="d",
        )  # fmt: skip
        validity = evaluate(rule, record_of(result), TODAY)
        assert (validity.reusable, validity.reason) == (False, f"void: {status.value}")


@pytest.mark.parametrize(
    ("today", "reusable"),
    [(date(2027, 5, 19), True), (date(2027, 5, 20), True), (date(2027, 5, 21), False)],
)
def test_a_construction_permit_is_reusable_through_its_expiry_day_and_not_after(
    catalog: Catalog, today: date, reusable: bool
) -> None:
    rule = catalog.document_types[PERMIT].validity
    record = RegistryRecord(
        record_id="GPXD1", fields={}, issued_on=date(2026, 5, 20), valid_until=date(2027, 5, 20)
    )
    validity = evaluate(rule, record, today)
    assert validity.reusable is reusable
    assert validity.reason == (
        "valid until 2027-05-20" if reusable else "expired: valid until 2027-05-20"
    )


def test_a_permit_whose_construction_started_no_longer_lapses(catalog: Catalog) -> None:
    rule = catalog.document_types[PERMIT].validity
    record = RegistryRecord(record_id="GPXD1", fields={}, issued_on=date(2024, 5, 2))
    assert evaluate(rule, record, date(2030, 1, 1)).reusable


# --- rights ----------------------------------------------------------------------------


async def test_only_the_publisher_or_an_admin_may_revoke(world: Any) -> None:
    service, store, audit, _ = world
    result = await service.publish(BACKEND, _permit())
    with pytest.raises(UnknownResultError):
        await service.revoke(OTHER, result.result_id, "not mine")
    with pytest.raises(UnknownResultError):
        await service.supersede(OTHER, result.result_id, _permit())
    assert store.results[result.result_id].status is ResultStatus.ACTIVE
    denied = [e for e in audit.entries if e.outcome == "denied"]
    assert len(denied) == 4 and {e.client_id for e in denied} == {"other"}  # 2 subjects x 2
    revoked = await service.revoke(ADMIN, result.result_id, "court order")
    assert revoked.status is ResultStatus.REVOKED
    with pytest.raises(UnknownResultError):
        await service.revoke(BACKEND, "kq-no-such-result", "typo")


async def test_a_result_is_revoked_or_superseded_once(world: Any) -> None:
    service, _, _, _ = world
    result = await service.publish(BACKEND, _permit())
    await service.revoke(BACKEND, result.result_id, "issued in error")
    with pytest.raises(ResultNotActiveError):
        await service.revoke(BACKEND, result.result_id, "again")
    with pytest.raises(ResultNotActiveError):
        await service.supersede(BACKEND, result.result_id, _permit())


async def test_a_refused_publication_is_audited_and_stores_nothing(world: Any) -> None:
    service, store, audit, gate = world
    gate.refuse = True
    with pytest.raises(PermissionDeniedError):
        await service.publish(BACKEND, _permit())
    assert store.results == {}
    assert [e.outcome for e in audit.entries] == ["denied", "denied"]


async def test_publishing_needs_a_grant_naming_the_document_type(catalog: Catalog) -> None:
    grants = FakeGrantStore()
    grants.add_client("backend", ClientRole.PROCEDURE_BACKEND)
    grants.grant("backend", "P11", ANY_DOCUMENT_TYPE, ("*",))
    gate = GrantPublicationGate(GrantPolicy(grants, ttl_s=0))
    service = ResultsService(catalog, MemoryStore(), Sealer(KEY), FakeAuditLog(), gate)
    with pytest.raises(PermissionDeniedError):  # a wildcard grant reads, it does not issue
        await service.publish(BACKEND, _permit(issued=date.today()))
    grants.grant("backend", "P11", PERMIT, ("permit_no",))
    assert (await service.publish(BACKEND, _permit(issued=date.today()))).result_id


# --- audit -----------------------------------------------------------------------------


async def test_each_step_is_audited_per_subject_before_and_after_the_store_is_written(
    world: Any,
) -> None:
    service, _, audit, _ = world
    first = await service.publish(BACKEND, _permit())
    second = await service.supersede(BACKEND, first.result_id, _permit())
    await service.revoke(BACKEND, second.result_id, "issued in error")
    outcomes = [e.outcome for e in audit.entries]
    assert outcomes == ["published"] * 2 + ["superseded"] * 2 + ["published"] * 2 + ["revoked"] * 2
    assert audit.pending == []
    assert {e.subject_value for e in audit.entries} == {MAU, THU}  # never the dossier number
    assert audit.entries[0].reason == f"result {first.result_id}"
    assert audit.entries[2].reason == f"result {first.result_id} superseded by {second.result_id}"
    assert audit.entries[0].digest == first.digest and audit.entries[0].registry == "HN_KHO"
    assert audit.entries[0].legal_basis and "45/2020" in audit.entries[0].legal_basis


async def test_nothing_is_published_unless_its_audit_events_are_durable(world: Any) -> None:
    service, store, audit, _ = world
    audit.failing = True
    with pytest.raises(AuditUnavailableError):
        await service.publish(BACKEND, _permit())
    assert store.results == {}


# --- composition with the Kho's adapter ------------------------------------------------


def _kho_found() -> RegistryAnswer:
    record = RegistryRecord(record_id="GPXD2026000001", fields={}, status="active")
    return RegistryAnswer.found(record, NOW)


@pytest.mark.parametrize(
    ("local", "remote", "expected"),
    [("active", "found", "store"), ("active", "unavailable", "store"),
     ("none", "found", "kho"), ("none", "not_found", "not_found"),
     ("none", "unavailable", "unavailable"), ("revoked", "found", "kho"),
     ("revoked", "not_found", "store"), ("revoked", "unavailable", "unavailable")],
)  # fmt: skip
async def test_the_store_is_asked_first_then_the_kho(
    world: Any, local: str, remote: str, expected: str
) -> None:
    service, _, _, _ = world
    if local != "none":
        result = await service.publish(BACKEND, _permit())
        if local == "revoked":
            await service.revoke(BACKEND, result.result_id, "issued in error")
    answers = {
        "found": _kho_found(),
        "not_found": RegistryAnswer.not_found(NOW),
        "unavailable": RegistryAnswer.unavailable("timeout", NOW),  # type: ignore[arg-type]
    }
    kho = FakeAdapter("HN_KHO", {(PERMIT, MAU): answers[remote]})
    if remote == "not_found":
        kho.answers = {}
    composed = StoreFirstAdapter(ResultsStoreAdapter(service), kho)
    request = RegistryRequest(
        lookup_id="l1", registry="HN_KHO", document_type=PERMIT,
        subject=Subject(scheme="PIN", value=MAU),
    )  # fmt: skip
    answer = await composed.lookup(request)
    assert len(kho.requests) == (0 if local == "active" else 1)
    if expected == "store":
        assert answer.record and answer.record.record_id.startswith("kq")
    elif expected == "kho":
        assert answer.record and answer.record.record_id == "GPXD2026000001"
    else:
        assert answer.outcome.value == expected


async def test_without_the_kho_adapter_the_store_alone_answers_or_it_is_not_integrated(
    world: Any,
) -> None:
    service, _, _, _ = world
    composed = StoreFirstAdapter(ResultsStoreAdapter(service), None)
    request = RegistryRequest(
        lookup_id="l1", registry="HN_KHO", document_type=PERMIT,
        subject=Subject(scheme="PIN", value=MAU),
    )  # fmt: skip
    answer = await composed.lookup(request)
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, "not_integrated")
    await service.publish(BACKEND, _permit())
    assert (await composed.lookup(request)).outcome is Outcome.FOUND


# --- sealing ---------------------------------------------------------------------------


def test_sealed_values_open_only_with_their_key_and_in_their_place() -> None:
    sealer = Sealer(KEY)
    token = sealer.seal(MAU.encode(), "row-1")
    assert MAU not in token and sealer.open(token, "row-1") == MAU.encode()
    with pytest.raises(SealingError):
        sealer.open(token, "row-2")
    with pytest.raises(SealingError):
        Sealer(b"another-results-key-0123456789ab").open(token, "row-1")
    assert sealer.seal(MAU.encode(), "row-1") != token  # a fresh nonce every time


def test_the_index_is_stable_keyed_and_reveals_nothing() -> None:
    one, other = Sealer(KEY), Sealer(b"another-results-key-0123456789ab")
    assert one.ref("PIN", MAU) == Sealer(KEY).ref("PIN", MAU)
    assert one.ref("PIN", MAU) != other.ref("PIN", MAU)
    assert one.ref("PIN", MAU) != one.ref("PIN", THU)
    assert MAU not in one.ref("PIN", MAU) and len(one.ref("PIN", MAU)) == 64


async def test_an_admin_correction_leaves_the_result_with_its_publisher(world: Any) -> None:
    service, _, _, _ = world
    first = await service.publish(BACKEND, _permit())
    corrected = await service.supersede(ADMIN, first.result_id, _permit())
    assert corrected.client_id == BACKEND.id
    assert (await service.revoke(BACKEND, corrected.result_id, "x")).status is ResultStatus.REVOKED


async def test_a_result_issued_today_in_hanoi_is_accepted_while_utc_is_still_yesterday(
    catalog: Catalog,
) -> None:
    late_evening_utc = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)  # 03:00 on 2 June in Hanoi
    service = ResultsService(
        catalog, MemoryStore(), Sealer(KEY), FakeAuditLog(), AllowPublishing(),
        clock=lambda: late_evening_utc,
    )  # fmt: skip
    result = await service.publish(BACKEND, _permit(issued=date(2026, 6, 2)))
    assert result.issued_on == date(2026, 6, 2)
    with pytest.raises(InvalidResultError):
        await service.publish(BACKEND, _permit(issued=date(2026, 6, 3)))
