"""Health documents (YTE): electronic birth notices, death notices, driver health certificates.

- Birth notice (giấy chứng sinh): every child of the world born from 2016 (when facilities went
  electronic) whose mother is in the world, issued by the facility of birth.
- Death notice (giấy báo tử): every death from 2019 on, consistent with the world's deceased
  (Hoàng Văn Cũ died on 2026-02-10).
- Driver health certificate (giấy khám sức khỏe lái xe): drawn for licence holders, examined in
  the two years before the world's date; valid 12 months from the exam (catalog rule).
Document numbers: `<kind>-<facility code>/<year>/<number>` (HEALTH_DOC_NO scheme); generated
numbers start with 9, the fixtures' with 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from adapters.simulators.data.draw import Draw
from adapters.simulators.data.licences import Licence
from adapters.simulators.fixtures import CU, GIA, MAU, THI, THU
from adapters.simulators.world import World

VN_TZ = timezone(timedelta(hours=7))
E_BIRTH_NOTICES_FROM = date(2016, 1, 1)
E_DEATH_NOTICES_FROM = date(2019, 1, 1)
# code -> name of the facility.
FACILITIES = {
    "BVPSHN": "Bệnh viện Phụ sản Hà Nội",
    "BVPSTU": "Bệnh viện Phụ sản Trung ương",
    "BVBM": "Bệnh viện Bạch Mai",
    "BVXP": "Bệnh viện Đa khoa Xanh Pôn",
    "BVTH": "Bệnh viện Thanh Nhàn",
    "BVGTVT": "Bệnh viện Giao thông vận tải",
}
MATERNITY = ("BVPSHN", "BVPSTU", "BVXP")
GENERAL = ("BVBM", "BVXP", "BVTH", "BVGTVT")
CAUSES = ("disease", "accident", "old_age", "other")
CONCLUSIONS = ("fit", "fit_with_conditions", "unfit")


@dataclass(frozen=True, slots=True)
class BirthNotice:
    doc_no: str
    mother_pin: str
    child_pin: str
    child_sex: str  # M | F
    born_at: datetime  # local time, +07:00
    facility: str


@dataclass(frozen=True, slots=True)
class DeathNotice:
    doc_no: str
    pin: str
    died_on: date
    cause: str
    issuer: str


@dataclass(frozen=True, slots=True)
class HealthCertificate:
    doc_no: str
    pin: str
    facility: str
    exam_date: date
    conclusion: str
    classes_fit_for: tuple[str, ...]


def _doc_no(kind: str, facility: str, year: int, number: int) -> str:
    return f"{kind}-{facility}/{year}/{number:06d}"


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(minutes // 60, minutes % 60), VN_TZ)


class _Numbers:
    """Generated document numbers per (kind, facility, year), from 900001 up."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str, int], int] = {}

    def new(self, kind: str, facility: str, year: int) -> str:
        key = (kind, facility, year)
        self._last[key] = self._last.get(key, 900_000) + 1
        return _doc_no(kind, facility, year, self._last[key])


@dataclass
class HealthData:
    births: list[BirthNotice]
    deaths: list[DeathNotice]
    certificates: list[HealthCertificate]


def _births(world: World, numbers: _Numbers) -> list[BirthNotice]:
    notices = []
    for pin in sorted(world.people):
        child = world.people[pin]
        if child.dob < E_BIRTH_NOTICES_FROM or child.mother_pin not in world.people:
            continue
        d = Draw("yte-cs", pin)
        if pin == THI:
            doc_no, facility, minutes = _doc_no("CS", "BVPSHN", 2025, 123), "BVPSHN", 7 * 60 + 45
        else:
            facility = d.pick("facility", MATERNITY)
            doc_no, minutes = numbers.new("CS", facility, child.dob.year), d.below("time", 1440)
        notices.append(
            BirthNotice(doc_no, str(child.mother_pin), pin, child.sex, _at(child.dob, minutes),
                        FACILITIES[facility])
        )  # fmt: skip
    return notices


def _deaths(world: World, numbers: _Numbers) -> list[DeathNotice]:
    notices = []
    for pin in sorted(world.people):
        person = world.people[pin]
        if person.died_on is None or person.died_on < E_DEATH_NOTICES_FROM:
            continue
        d = Draw("yte-bt", pin)
        if pin == CU:
            doc_no, facility, cause = _doc_no("BT", "BVBM", 2026, 12), "BVBM", "disease"
        else:
            facility = d.pick("facility", GENERAL)
            doc_no = numbers.new("BT", facility, person.died_on.year)
            cause = d.pick("cause", CAUSES)
        notices.append(DeathNotice(doc_no, pin, person.died_on, cause, FACILITIES[facility]))
    return notices


def fixture_certificates() -> list[HealthCertificate]:
    """Around the tests' date 2026-06-01: MAU's latest exam is valid through that very day
    (2025-06-02 + 12 months - 1 day), GIA's expired the day before (2025-06-01)."""
    return [
        HealthCertificate(_doc_no("KSK", "BVGTVT", 2024, 41), MAU, FACILITIES["BVGTVT"],
                          date(2024, 5, 10), "fit", ("A1", "B")),
        HealthCertificate(_doc_no("KSK", "BVGTVT", 2025, 77), MAU, FACILITIES["BVGTVT"],
                          date(2025, 6, 2), "fit", ("A1", "B")),
        HealthCertificate(_doc_no("KSK", "BVXP", 2025, 78), GIA, FACILITIES["BVXP"],
                          date(2025, 6, 1), "fit", ("B",)),
        HealthCertificate(_doc_no("KSK", "BVTH", 2026, 5), THU, FACILITIES["BVTH"],
                          date(2026, 1, 12), "fit_with_conditions", ("B",)),
    ]  # fmt: skip


def _certificates(
    world: World, licences: dict[str, Licence], numbers: _Numbers
) -> list[HealthCertificate]:
    certificates = fixture_certificates()
    examined = {c.pin for c in certificates}
    for dl_no in sorted(licences):
        licence = licences[dl_no]
        if licence.pin in examined or licence.pin not in world.people:
            continue
        d = Draw("yte-ksk", licence.pin)
        if not d.chance("examined", 0.7):
            continue
        exam = d.day("exam", world.as_of - timedelta(days=730), world.as_of)
        facility = d.pick("facility", GENERAL)
        roll = d.unit("conclusion")
        conclusion = "unfit" if roll < 0.03 else "fit_with_conditions" if roll < 0.1 else "fit"
        classes = () if conclusion == "unfit" else tuple(c.name for c in licence.classes)
        certificates.append(
            HealthCertificate(numbers.new("KSK", facility, exam.year), licence.pin,
                              FACILITIES[facility], exam, conclusion, classes)
        )  # fmt: skip
    return certificates


def build_health_data(world: World, licences: dict[str, Licence]) -> HealthData:
    numbers = _Numbers()
    return HealthData(
        _births(world, numbers), _deaths(world, numbers), _certificates(world, licences, numbers)
    )
