"""Judicial records (LLTP) of the world's people, derived deterministically.

- About one adult in twenty has been convicted once or twice (a first-instance judgment of a
  Hanoi court); a conviction more than three years old is expunged (xóa án tích) in about
  half the cases. Certificate No. 1 shows only unexpunged convictions; No. 2 shows them all.
- Some of those with an unexpunged conviction are also banned from founding or managing
  enterprises (cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp).
- The DOMAIN.md 11.5 fixture people have clean records; anyone not in the world is unknown to
  the registry (no certificate can be issued).
- Certificates are issued on request: by the city's Department of Justice until 30/6/2026 and
  by the city police from 1/7/2026 (amended Law on Judicial Records).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.simulators.data.draw import Draw
from adapters.simulators.fixtures import FIXTURE_PINS
from adapters.simulators.people import add_years, age_on
from adapters.simulators.world import Person, World

POLICE_ISSUES_FROM = date(2026, 7, 1)
ISSUER_BEFORE = "Sở Tư pháp thành phố Hà Nội"
ISSUER_FROM = "Công an thành phố Hà Nội"
_OFFENCES = (
    "Trộm cắp tài sản (Điều 173 BLHS)",
    "Cố ý gây thương tích (Điều 134 BLHS)",
    "Đánh bạc (Điều 321 BLHS)",
    "Lừa đảo chiếm đoạt tài sản (Điều 174 BLHS)",
    "Vi phạm quy định về tham gia giao thông đường bộ (Điều 260 BLHS)",
    "Trốn thuế (Điều 200 BLHS)",
)
_SENTENCES = (
    "Phạt tiền 20.000.000 đồng",
    "Cải tạo không giam giữ 18 tháng",
    "Phạt tù 12 tháng cho hưởng án treo",
    "Phạt tù 24 tháng",
)


@dataclass(frozen=True, slots=True)
class Conviction:
    judgment_ref: str
    court: str
    judged_on: date
    offence: str
    sentence: str
    expunged: bool


@dataclass(frozen=True, slots=True)
class JudicialRecord:
    """What the registry holds on one person (empty convictions: a clean record)."""

    pin: str
    full_name: str
    convictions: tuple[Conviction, ...]
    management_ban: bool

    @property
    def has_criminal_record(self) -> bool:
        """Certificate No. 1's answer: an unexpunged conviction."""
        return any(not c.expunged for c in self.convictions)


def issuer_on(day: date) -> str:
    return ISSUER_FROM if day >= POLICE_ISSUES_FROM else ISSUER_BEFORE


class JudicialRegister:
    """The judicial-records database's view of the world, by PIN."""

    def __init__(self, world: World) -> None:
        self._people = world.people
        self._as_of = world.as_of

    def record(self, pin: str) -> JudicialRecord | None:
        person = self._people.get(pin)
        if person is None:
            return None
        convictions = () if pin in FIXTURE_PINS else self._convictions(person)
        ban = any(not c.expunged for c in convictions) and Draw("lltp", pin).chance("ban", 0.3)
        return JudicialRecord(pin, person.full_name, convictions, ban)

    def _convictions(self, person: Person) -> tuple[Conviction, ...]:
        d = Draw("lltp", person.pin)
        adult_on = add_years(person.dob, 18)
        if age_on(person.dob, self._as_of) < 19 or not d.chance("convicted", 0.05):
            return ()
        found = []
        for index in range(1 + d.below("count", 2)):
            judged = d.day(f"judged-{index}", adult_on, self._as_of)
            old = (self._as_of - judged).days > 3 * 365
            found.append(
                Conviction(
                    judgment_ref=f"{1 + d.below(f'no-{index}', 400)}/{judged.year}/HS-ST",
                    court=f"Tòa án nhân dân khu vực {1 + d.below(f'court-{index}', 12)} - Hà Nội",
                    judged_on=judged,
                    offence=d.pick(f"offence-{index}", _OFFENCES),
                    sentence=d.pick(f"sentence-{index}", _SENTENCES),
                    expunged=old and d.chance(f"expunged-{index}", 0.5),
                )
            )
        return tuple(sorted(found, key=lambda c: c.judged_on))
