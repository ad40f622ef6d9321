"""The results store's SQL on SQLite and PostgreSQL, on databases built by the migrations:
sealed at rest, found by subject index, conditional revoke and supersede (one winner)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Engine, text

from shared_data.clients import ClientRole
from shared_data.persistence.repositories import ClientRepository
from shared_data.persistence.results_repository import ResultRepository
from shared_data.results.model import PublishedResult, ResultStatus, SealedSubject
from shared_data.results.sealing import Sealer

SEALER = Sealer(b"integration-results-key-01234567")
PIN = "001090912345"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _result(client_id: str, **changes: object) -> PublishedResult:
    result_id = f"kq{uuid.uuid4().hex}"
    values: dict[str, object] = {
        "result_id": result_id, "document_type": "GIAY_PHEP_XAY_DUNG", "procedure_code": "P11",
        "client_id": client_id, "dossier_id": "H01.12-260520-0042",
        "fields": {"permit_no": "42/GPXD", "owner_id": PIN}, "issued_on": date(2026, 5, 20),
        "valid_until": date(2027, 5, 20), "status": ResultStatus.ACTIVE, "published_at": NOW,
        "document_uri": f"vn.gov.hn_kho-GIAY_PHEP_XAY_DUNG-{result_id}", "digest": "sha256:00",
    }  # fmt: skip
    return PublishedResult(**(values | changes))  # type: ignore[arg-type]


def _subjects(result: PublishedResult) -> list[SealedSubject]:
    sealed = SEALER.seal(PIN.encode(), f"subject/{result.result_id}")
    return [SealedSubject(scheme="PIN", ref=SEALER.ref("PIN", PIN), sealed_value=sealed)]


def _setup(engine: Engine) -> tuple[ResultRepository, str]:
    client = ClientRepository(engine).create_client(
        "publisher", "UBND Phường Mẫu Một", ClientRole.PROCEDURE_BACKEND
    )
    return ResultRepository(engine, SEALER), client.id


def test_a_result_round_trips_sealed_and_is_found_by_its_subject_index(
    migrated_engine: tuple[str, Engine],
) -> None:
    _, engine = migrated_engine
    repo, client_id = _setup(engine)
    result = _result(client_id)
    repo.add(result, _subjects(result))
    assert repo.get(result.result_id) == result
    assert repo.find("GIAY_PHEP_XAY_DUNG", SEALER.ref("PIN", PIN)) == [result]
    assert repo.find("BAN_SAO_DIEN_TU", SEALER.ref("PIN", PIN)) == []
    assert repo.get("kq-none") is None
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM results")) for v in row)
    assert PIN not in dump and "42/GPXD" not in dump


def test_revoke_is_conditional_and_keeps_its_reason_sealed(
    migrated_engine: tuple[str, Engine],
) -> None:
    _, engine = migrated_engine
    repo, client_id = _setup(engine)
    result = _result(client_id)
    repo.add(result, _subjects(result))
    revoked = repo.revoke(result.result_id, f"wrong owner {PIN}", NOW)
    assert revoked is not None and revoked.status is ResultStatus.REVOKED
    assert revoked.revocation_reason == f"wrong owner {PIN}" and revoked.revoked_at == NOW
    assert repo.revoke(result.result_id, "again", NOW) is None
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT revocation_reason FROM results")).scalar_one()
    assert PIN not in stored


def test_of_two_concurrent_supersessions_exactly_one_wins(
    migrated_engine: tuple[str, Engine],
) -> None:
    _, engine = migrated_engine
    repo, client_id = _setup(engine)
    old = _result(client_id)
    repo.add(old, _subjects(old))
    news = [_result(client_id, supersedes=old.result_id) for _ in range(2)]
    outcomes: list[bool] = []
    barrier = threading.Barrier(2)

    def supersede(new: PublishedResult) -> None:
        barrier.wait()
        outcomes.append(repo.supersede(old.result_id, new, _subjects(new)))

    threads = [threading.Thread(target=supersede, args=(new,)) for new in news]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]
    current = repo.get(old.result_id)
    assert current is not None and current.status is ResultStatus.SUPERSEDED
    winner = next(n for n in news if n.result_id == current.superseded_by)
    found = repo.find("GIAY_PHEP_XAY_DUNG", SEALER.ref("PIN", PIN))
    assert {r.result_id for r in found} == {old.result_id, winner.result_id}
