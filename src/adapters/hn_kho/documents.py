"""What the simulated Kho holds: electronic results derived from the synthetic world.

Deterministic for one world: fixed documents for the DOMAIN.md 11.5 subjects (below, named so
tests can use them), then documents for generated people and enterprises chosen by a hash of
their identifier (no random state, no clock other than `world.as_of`). Every number is synthetic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from adapters.simulators.fixtures import DINH, GIA, MAU, THU
from adapters.simulators.world import World
from shared_data.domain import RegistryRecord

PERMIT, COPY = "GIAY_PHEP_XAY_DUNG", "BAN_SAO_DIEN_TU"
# Fixture dossiers: a co-owned permit in force (MAU and THU, the 11.5 parcel), the same
# owner's older permit superseded by it, an enterprise's lapsed permit, a permit that no longer
# lapses because construction started, a revoked permit, two e-certified copies.
PERMIT_IN_FORCE = "H01.12-260504-0001"
PERMIT_SUPERSEDED = "H01.12-230815-0002"
PERMIT_LAPSED = "H01.12-240910-0003"
PERMIT_COMMENCED = "H01.12-240502-0004"
PERMIT_REVOKED = "H01.12-250303-0005"
COPY_OF_MARRIAGE = "H01.39-260115-0006"
COPY_OF_DIVORCE = "H01.39-251020-0007"
UNKNOWN_DOSSIER = "H01.12-260101-9999"
SHA = "sha256:"


@dataclass(frozen=True, slots=True)
class KhoDocument:
    """One result in the Kho: the canonical record, its dossier and its account holders."""

    document_type: str
    dossier_no: str
    owners: tuple[str, ...]
    record: RegistryRecord
    commenced_on: date | None = None

    @property
    def doc_id(self) -> str:
        return self.record.record_id


def _year_later(day: date) -> date:
    """Twelve months after `day` (a permit must be acted on within 12 months)."""
    return day.replace(year=day.year + 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _hash(*parts: str) -> bytes:
    return hashlib.sha256(":".join(("hn_kho", *parts)).encode()).digest()


def permit(
    doc_id: str,
    dossier: str,
    owners: tuple[str, ...],
    parcel: str,
    issued: date,
    *,
    status: str = "active",
    commenced_on: date | None = None,
) -> KhoDocument:
    fields = {
        "permit_no": f"{doc_id[-6:]}/GPXD",
        "owner_id": owners[0],
        "parcel_key": parcel,
        "scale": "Nhà ở riêng lẻ, 4 tầng, tổng diện tích sàn 210 m2",
        "issue_date": issued.isoformat(),
        "expiry_of_commencement": _year_later(issued).isoformat(),
    }
    record = RegistryRecord(record_id=doc_id, fields=fields, issued_on=issued, status=status)
    return KhoDocument(PERMIT, dossier, owners, record, commenced_on)


def certified_copy(
    doc_id: str, dossier: str, owner: str, source: str, authority: str, certified: date
) -> KhoDocument:
    fields = {
        "copy_no": f"{doc_id[-6:]}/SCT/BS",
        "source_doc_type": source,
        "owner_id": owner,
        "certifying_authority": authority,
        "certified_at": certified.isoformat(),
        "file_hash": SHA + hashlib.sha256(doc_id.encode()).hexdigest(),
    }
    record = RegistryRecord(record_id=doc_id, fields=fields, issued_on=certified, status="active")
    return KhoDocument(COPY, dossier, (owner,), record)


def fixture_documents() -> list[KhoDocument]:
    # fmt: off
    return [
        permit("GPXD2026000001", PERMIT_IN_FORCE, (MAU, THU), "99999-12-345", date(2026, 5, 4)),
        permit("GPXD2023000002", PERMIT_SUPERSEDED, (MAU,), "99999-12-345", date(2023, 8, 15),
               status="superseded"),
        permit("GPXD2024000003", PERMIT_LAPSED, ("0199900018",), "99999-3-71", date(2024, 9, 10)),
        permit("GPXD2024000004", PERMIT_COMMENCED, ("0199900025",), "99999-5-12",
               date(2024, 5, 2), commenced_on=date(2024, 11, 1)),
        permit("GPXD2025000005", PERMIT_REVOKED, (GIA,), "99999-8-230", date(2025, 3, 3),
               status="revoked"),
        certified_copy("BSCT2026000006", COPY_OF_MARRIAGE, THU, "KET_HON",
                       "UBND Phường Mẫu Một", date(2026, 1, 15)),
        certified_copy("BSCT2025000007", COPY_OF_DIVORCE, DINH, "GHI_CHU_LY_HON",
                       "UBND Phường Mẫu Hai", date(2025, 10, 20)),
    ]
    # fmt: on


def _generated_permit(seq: int, owner: str, as_of: date) -> KhoDocument:
    h = _hash("permit", owner)
    issued = as_of - timedelta(days=int.from_bytes(h[2:4]) % 1000)
    started = issued + timedelta(days=30 + h[5] % 300)
    commenced = started if h[4] % 3 == 0 and started <= as_of else None
    parcel = f"{10000 + int.from_bytes(h[6:8]) % 89999:05d}-{1 + h[8] % 99}-{1 + h[9] % 999}"
    dossier = f"H01.12-{issued:%y%m%d}-{1000 + seq % 8000:04d}"
    doc_id = f"GPXD{issued.year}{seq:06d}"
    return permit(doc_id, dossier, (owner,), parcel, issued, commenced_on=commenced)


def _generated_copy(seq: int, owner: str, as_of: date) -> KhoDocument:
    h = _hash("copy", owner)
    certified = as_of - timedelta(days=int.from_bytes(h[2:4]) % 1500)
    source = ("KHAI_SINH", "KET_HON", "BANG_TOT_NGHIEP")[h[4] % 3]
    dossier = f"H01.39-{certified:%y%m%d}-{1000 + seq % 8000:04d}"
    doc_id = f"BSCT{certified.year}{seq:06d}"
    return certified_copy(doc_id, dossier, owner, source, "UBND Phường Mẫu Ba", certified)


def kho_documents(world: World) -> list[KhoDocument]:
    """Every document of the simulated Kho for `world` (fixtures first)."""
    documents = fixture_documents()
    fixed = {owner for doc in documents for owner in doc.owners}
    seq = 100
    adults = sorted(
        p.pin
        for p in world.people.values()
        if p.died_on is None and world.as_of.year - p.dob.year >= 20 and p.pin not in fixed
    )
    for pin in adults:
        h = _hash("person", pin)
        if h[0] % 16 == 0:
            documents.append(_generated_permit(seq := seq + 1, pin, world.as_of))
        if h[1] % 16 == 0:
            documents.append(_generated_copy(seq := seq + 1, pin, world.as_of))
    for code in sorted(set(world.enterprises) - fixed):
        if _hash("enterprise", code)[0] % 4 == 0:
            documents.append(_generated_permit(seq := seq + 1, code, world.as_of))
    return documents
