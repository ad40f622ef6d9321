"""Graduation diplomas (VBCC): upper-secondary (THPT) and university degrees.

Drawn per PIN for people old enough (`Draw("vbcc", pin)`): THPT at 18, a bachelor's degree at
22-23 for some of them. Diploma serials (DIPLOMA_NO scheme `[A-Z0-9]{6,20}`) are the issuer's
code, the graduation year and a number; generated numbers start with 9, the fixtures' with 0.
A diploma may be revoked (thu hồi, hủy bỏ văn bằng), which voids it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.simulators.data.draw import Draw
from adapters.simulators.fixtures import DINH, GIA, MAU
from adapters.simulators.world import World

LEVELS = ("upper_secondary", "bachelor")
CLASSIFICATIONS = ("excellent", "very_good", "good", "fairly_good", "average")
# code -> institution; THPT diplomas are issued by the provincial education department.
UNIVERSITIES = {
    "BKA": "Đại học Bách khoa Hà Nội",
    "QHI": "Trường Đại học Công nghệ, Đại học Quốc gia Hà Nội",
    "KHA": "Đại học Kinh tế Quốc dân",
    "NTH": "Trường Đại học Ngoại thương",
    "GHA": "Trường Đại học Giao thông vận tải",
}
SCHOOL_ISSUER = ("SHN", "Sở Giáo dục và Đào tạo Hà Nội")


@dataclass(frozen=True, slots=True)
class Diploma:
    diploma_no: str
    pin: str
    level: str
    institution: str
    grad_year: int
    classification: str | None  # THPT diplomas carry none since 2020 (and here at all)
    status: str  # valid | revoked
    issued_on: date

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)


def fixture_diplomas() -> list[Diploma]:
    return [
        Diploma("SHN2008000001", MAU, "upper_secondary", SCHOOL_ISSUER[1], 2008, None, "valid",
                date(2008, 7, 22)),
        Diploma("BKA2012000001", MAU, "bachelor", UNIVERSITIES["BKA"], 2012, "good", "valid",
                date(2012, 6, 28)),
        Diploma("SHN2006000002", GIA, "upper_secondary", SCHOOL_ISSUER[1], 2006, None, "valid",
                date(2006, 7, 20)),
        Diploma("NTH2017000003", DINH, "bachelor", UNIVERSITIES["NTH"], 2017, "very_good",
                "revoked", date(2017, 7, 3)),
    ]  # fmt: skip


def build_diplomas(world: World) -> dict[str, Diploma]:
    """Every diploma of the world, by serial."""
    diplomas = {d.diploma_no: d for d in fixture_diplomas() if d.pin in world.people}
    done = {d.pin for d in diplomas.values()}
    serial: dict[str, int] = {}

    def number(issuer: str, year: int) -> str:
        key = f"{issuer}{year}"
        serial[key] = serial.get(key, 900_000) + 1
        return f"{key}{serial[key]:06d}"

    for pin in sorted(world.people):
        person = world.people[pin]
        d = Draw("vbcc", pin)
        school_year = person.dob.year + 18
        if pin in done or school_year > world.as_of.year - 1 or not d.chance("thpt", 0.85):
            continue
        diploma = Diploma(number(SCHOOL_ISSUER[0], school_year), pin, "upper_secondary",
                          SCHOOL_ISSUER[1], school_year, None, "valid",
                          date(school_year, 7, 10 + d.below("thpt_day", 15)))  # fmt: skip
        diplomas[diploma.diploma_no] = diploma
        grad_year = school_year + 4 + d.below("extra_year", 2)
        if grad_year <= world.as_of.year - 1 and d.chance("university", 0.4):
            code = d.pick("university", sorted(UNIVERSITIES))
            status = "revoked" if d.chance("revoked", 0.01) else "valid"
            degree = Diploma(number(code, grad_year), pin, "bachelor", UNIVERSITIES[code],
                             grad_year, d.pick("classification", CLASSIFICATIONS), status,
                             date(grad_year, 6, 15 + d.below("degree_day", 15)))  # fmt: skip
            diplomas[degree.diploma_no] = degree
    return diplomas
