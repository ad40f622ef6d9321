"""Social and health insurance (BHXH) of the world's people, derived deterministically.

- Every person has a 10-digit social-insurance code (mã số BHXH), `01` (Hà Nội) + 8 digits
  drawn from the PIN; the BHXH keeps it next to the PIN while the two are being unified.
- Contribution history (sổ BHXH): most adults have worked for one to three of the world's
  enterprises since 18 (and not before 2008), with gaps between jobs; the last period is open
  while they still work. Unemployment insurance exists since 1/1/2009, so older months and a
  few employers' periods carry none. The dead stop contributing the month they die.
- Health-insurance card (thẻ BHYT): children under 6 hold a free `TE1` card until the day
  before they turn 6; people in work a `DN4` card, the retired `HT3`, others mostly a household
  `GD4` card for the calendar year; some households let it lapse (expired last 31 December),
  some have none. The card number is the object code, province `01` and the 10-digit code.
- DOMAIN.md 11.5: the card of Lê Văn Giả (001088987654) exists but its data is unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from adapters.simulators.data.draw import Draw
from adapters.simulators.fixtures import CU, DINH, GIA, MAU, THU, TRUNG
from adapters.simulators.people import add_years, age_on
from adapters.simulators.world import Person, World

UI_SINCE = date(2009, 1, 1)
CONTRIBUTIONS_SINCE = date(2008, 1, 1)
CARD_DATA_UNAVAILABLE = frozenset({GIA})
_ALWAYS_INSURED = frozenset({MAU, THU, GIA, DINH, CU, TRUNG})


@dataclass(frozen=True, slots=True)
class Period:
    """Months of contributions with one employer; `last` None while it runs."""

    first: date  # first day of the first month
    last: date | None  # first day of the last month
    employer_code: str
    unemployment_insurance: bool


@dataclass(frozen=True, slots=True)
class Card:
    card_no: str
    valid_from: date
    valid_to: date
    facility_code: str
    facility_name: str


def months_between(first: date, last: date) -> int:
    """Months from `first`'s month to `last`'s month, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _month(day: date) -> date:
    return day.replace(day=1)


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


class InsuranceBook:
    """The BHXH's view of the world: codes, contribution histories and cards, by PIN."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._employers = sorted(
            code for code, e in world.enterprises.items() if e.status != "dissolved"
        ) or sorted(world.enterprises)
        self.si_codes: dict[str, str] = {}
        self.pins_by_si_code: dict[str, str] = {}
        for pin in world.people:  # insertion order: deterministic
            code = self._new_code(pin)
            self.si_codes[pin] = code
            self.pins_by_si_code[code] = pin

    def _new_code(self, pin: str) -> str:
        d, attempt = Draw("bhxh-code", pin), 0
        while True:
            code = f"01{d.below(f'code-{attempt}', 10**8):08d}"
            if code not in self.pins_by_si_code:
                return code
            attempt += 1

    def person(self, pin: str) -> Person | None:
        return self._world.people.get(pin)

    def periods(self, person: Person) -> list[Period]:
        """The person's contribution history, oldest first (empty: never insured)."""
        today = self._world.as_of
        d = Draw("bhxh-history", person.pin)
        insured = person.pin in _ALWAYS_INSURED or d.chance("insured", 0.8)
        start = max(add_years(person.dob, 18), CONTRIBUTIONS_SINCE)
        start = _add_months(_month(start), d.below("late_start", 48))
        end = _add_months(_month(person.died_on or today), 0 if person.died_on else -1)
        if not insured or start > end:
            return []
        periods, first = [], start
        for index in range(1 + d.below("jobs", 3)):
            remaining = months_between(first, end)
            if remaining < 1:
                break
            length = max(1, remaining if index == 2 else 6 + d.below(f"len-{index}", remaining))
            last = _add_months(first, length - 1)
            employer = d.pick(f"employer-{index}", self._employers)
            ui = first >= UI_SINCE and not d.chance(f"no-ui-{index}", 0.1)
            if last >= end:
                still_working = person.died_on is None and not d.chance("left", 0.3)
                periods.append(Period(first, None if still_working else end, employer, ui))
                break
            periods.append(Period(first, last, employer, ui))
            first = _add_months(last, 1 + d.below(f"gap-{index}", 7))
        return periods

    def card(self, person: Person) -> Card | None:
        """The person's latest health-insurance card, or None if they never held one."""
        today = self._world.as_of
        d = Draw("bhxh-card", person.pin)
        year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
        periods = self.periods(person)
        working = bool(periods) and periods[-1].last is None
        if age_on(person.dob, today) < 6:
            kind, valid_from, valid_to = "TE1", person.dob, add_years(person.dob, 6)
            valid_to -= timedelta(days=1)
        elif working:
            kind, valid_from, valid_to = "DN4", year_start, year_end
        elif periods and age_on(person.dob, today) >= 60:
            kind, valid_from, valid_to = "HT3", year_start, year_end
        elif person.pin in _ALWAYS_INSURED or not d.chance("uninsured", 0.15):
            lapsed = person.pin not in _ALWAYS_INSURED and d.chance("lapsed", 0.12)
            year = today.year - 1 if lapsed else today.year
            kind, valid_from, valid_to = "GD4", date(year, 1, 1), date(year, 12, 31)
        else:
            return None
        if person.died_on:
            valid_to = min(valid_to, person.died_on)
        ward = person.current_address.split(",")[0].strip()
        return Card(
            card_no=f"{kind}01{self.si_codes[person.pin]}",
            valid_from=valid_from,
            valid_to=valid_to,
            facility_code=f"01-{d.below('facility', 1000):03d}",
            facility_name=f"Trạm Y tế {ward}",
        )
