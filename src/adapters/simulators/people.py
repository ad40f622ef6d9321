"""Making one synthetic person: PIN, name, card, legacy ID, birth registration, residence.

PIN structure (DOMAIN.md 5.1): province code (3), gender/century digit, year (2), serial (6).
Synthetic serials start with 9 (DOMAIN.md 11 convention), so they are easy to spot.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import TypeVar

from adapters.simulators import vocab
from adapters.simulators.vocab import Ward
from adapters.simulators.world import Person, ResidenceStay

# The chip CCCD (12-digit PIN on the card) exists since 2016; CMND stopped being issued in 2021.
CCCD_START = date(2016, 1, 1)
CMND_LAST_BIRTH_YEAR = 2006
# Luật Căn cước 2023 Art. 21: cards are renewed at 14, 25, 40 and 60; a card issued within two
# years before one of those ages runs to the next one; from 58 on it never expires.
CARD_MILESTONES = (14, 25, 40, 60)

T = TypeVar("T")


def _cumulative(table: Sequence[tuple[str, int]]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    return tuple(name for name, _ in table), tuple(accumulate(w for _, w in table))


_SURNAMES = _cumulative(vocab.SURNAMES)
_ETHNICITIES = _cumulative(vocab.ETHNICITIES)


def add_years(day: date, years: int) -> date:
    """Same day `years` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def card_expiry(dob: date, issued_on: date) -> date | None:
    age = age_on(dob, issued_on)
    for milestone in CARD_MILESTONES:
        if age < milestone - 2:
            return add_years(dob, milestone)
    return None


def pin_prefix(province: str, sex: str, dob: date) -> str:
    """The first six digits: province, gender/century code, two-digit year."""
    century_code = (dob.year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    return f"{province}{century_code}{dob.year % 100:02d}"


@dataclass(slots=True)
class Home:
    """A household being generated: where it lives and since when."""

    household_id: str
    ward: Ward
    address: str
    since: date
    head_pin: str = ""


class PeopleFactory:
    """Holds the people generated so far and the counters that keep numbers unique."""

    def __init__(
        self,
        rng: random.Random,
        as_of: date,
        *,
        reserved_pins: Iterable[str] = (),
        reserved_cmnd9: Iterable[str] = (),
    ) -> None:
        self.rng = rng
        self.as_of = as_of
        self.people: dict[str, Person] = {}
        self._pins: set[str] = set(reserved_pins)
        self._cmnd9: set[str] = set(reserved_cmnd9)
        self._reg_seq: dict[tuple[str, int], int] = {}
        self._households = 0

    def add(self, person: Person) -> Person:
        self._pins.add(person.pin)
        if person.cmnd9:
            self._cmnd9.add(person.cmnd9)
        self.people[person.pin] = person
        return person

    # --- numbers -------------------------------------------------------------------------

    def new_pin(self, province: str, sex: str, dob: date) -> str:
        prefix = pin_prefix(province, sex, dob)
        while True:
            pin = f"{prefix}9{int(self.rng.random() * 100_000):05d}"
            if pin not in self._pins:
                self._pins.add(pin)
                return pin

    def new_cmnd9(self) -> str:
        # Hanoi's legacy 9-digit numbers started with 01.
        while True:
            number = f"01{int(self.rng.random() * 10_000_000):07d}"
            if number not in self._cmnd9:
                self._cmnd9.add(number)
                return number

    def reg_no(self, authority_code: str, year: int) -> str:
        """Next CIVIL_REG_NO `<AUTHORITY>/<year>/<number>` in that authority's book of that year."""
        key = (authority_code, year)
        self._reg_seq[key] = self._reg_seq.get(key, 0) + 1
        return f"UBND-{authority_code}/{year}/{self._reg_seq[key]:06d}"

    def new_home(self, since: date) -> Home:
        self._households += 1
        ward = self.pick(vocab.WARDS)
        return Home(f"HO{self._households:08d}", ward, self.address(ward), since)

    # --- draws ---------------------------------------------------------------------------

    # These three replace random's choice/randrange/choices on the hot path: the world has
    # to build in well under a second, and they are several times cheaper.
    def between(self, start: date, end: date) -> date:
        first, last = start.toordinal(), end.toordinal()
        if last <= first:
            return start
        return date.fromordinal(first + int(self.rng.random() * (last - first + 1)))

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.rng.random() * len(options))]

    def weighted(self, options: Sequence[T], cumulative: Sequence[int]) -> T:
        return options[bisect(cumulative, self.rng.random() * cumulative[-1])]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def address(self, ward: Ward) -> str:
        street = self.pick(vocab.STREETS)
        number = 1 + int(self.rng.random() * 300)
        if self.chance(0.4):
            lane = 2 + int(self.rng.random() * 200)
            return f"Số {number}, ngõ {lane} {street}, {ward.name}, Hà Nội"
        return f"Số {number} {street}, {ward.name}, Hà Nội"

    def full_name(self, sex: str, surname: str | None = None) -> str:
        middle = self.pick(vocab.MIDDLE_NAMES[sex])
        given = self.pick(vocab.GIVEN_NAMES[sex])
        return f"{surname or self.weighted(*_SURNAMES)} {middle} {given}"

    # --- one person ----------------------------------------------------------------------

    def person(
        self,
        sex: str,
        dob: date,
        home: Home,
        relationship: str,
        *,
        surname: str | None = None,
        home_town: str | None = None,
        born_here: bool = False,
    ) -> Person:
        """A living person of `home`; `born_here` means born into it (registered in its ward)."""
        province, province_name = self._birth_province(born_here)
        pin = self.new_pin(province, sex, dob)
        since = self.between(dob, dob + timedelta(days=30)) if born_here else home.since
        person = Person(
            pin=pin, full_name=self.full_name(sex, surname), dob=dob, sex=sex,
            birth_province=province_name, home_town=home_town or self._home_town(),
            ethnicity=self.weighted(*_ETHNICITIES), nationality="Việt Nam",
            permanent_address=home.address, temporary_address=None, current_address=home.address,
            household_id=home.household_id, household_head_pin=home.head_pin or pin,
            relationship_to_head=relationship,
            cmnd9=self.new_cmnd9() if self._has_cmnd9(dob) else None,
            card_issued_on=dob, card_expires_on=None, residence_since=since,
        )  # fmt: skip
        self._issue_card(person, end=self.as_of)
        self._register_birth(person, home.ward if province == vocab.HANOI_CODE else None)
        self._settle(person, home, moved_in=not born_here)
        return self.add(person)

    def _birth_province(self, born_here: bool) -> tuple[str, str]:
        if born_here or self.chance(0.9):
            return vocab.HANOI_CODE, vocab.HANOI
        return self.pick(vocab.OTHER_PROVINCES)

    def _home_town(self) -> str:
        return f"{self.pick(vocab.HOME_COMMUNES)}, {self.pick(vocab.OTHER_PROVINCES)[1]}"

    def _has_cmnd9(self, dob: date) -> bool:
        return dob.year <= CMND_LAST_BIRTH_YEAR and self.chance(0.93)

    def _issue_card(self, person: Person, end: date) -> None:
        """Chip card issued at 14+ (any age since the 2024 law), renewed when most people do."""
        earliest = max(CCCD_START, add_years(person.dob, 14))
        if person.dob >= date(2010, 7, 1):
            earliest = max(date(2024, 7, 1), person.dob + timedelta(days=20))
        issued = self.between(earliest, end) if earliest <= end else end
        expiry = card_expiry(person.dob, issued)
        # Most people renew at a milestone; about one in eight lets the card lapse.
        while expiry is not None and expiry < end and self.chance(0.88):
            issued = self.between(add_years(expiry, -1), min(expiry + timedelta(days=90), end))
            expiry = card_expiry(person.dob, issued)
        person.card_issued_on, person.card_expires_on = issued, expiry

    def _register_birth(self, person: Person, ward: Ward | None) -> None:
        # Births since 2016 are in the electronic register; most older books were digitised.
        if person.dob.year < 2016 and not self.chance(0.85):
            return
        ward = ward or self.pick(vocab.WARDS)
        on = self.between(person.dob + timedelta(days=3), person.dob + timedelta(days=55))
        person.birth_reg_no = self.reg_no(ward.code, on.year)
        person.birth_reg_authority = ward.authority
        person.birth_reg_date = on

    def _settle(self, person: Person, home: Home, *, moved_in: bool) -> None:
        since = person.residence_since or home.since
        stays: list[ResidenceStay] = []
        if moved_in and since > person.dob + timedelta(days=365):
            previous = self.address(self.pick(vocab.WARDS))
            stays.append(ResidenceStay(previous, "permanent", person.dob, since))
        stays.append(ResidenceStay(home.address, "permanent", since))
        person.residence_history = stays

    def live_elsewhere_temporarily(self, person: Person) -> None:
        """Registered temporary residence (tạm trú) at another Hanoi address."""
        start = self.between(
            max(person.residence_since or person.dob, add_years(self.as_of, -3)),
            self.as_of - timedelta(days=7),
        )
        address = self.address(self.pick(vocab.WARDS))
        person.temporary_address = person.current_address = address
        person.residence_history.append(ResidenceStay(address, "temporary", start))

    def kill(self, person: Person, on: date, ward: Ward) -> None:
        """Death registered in `ward`; residence deregistered a few days later."""
        registered = self.between(on, on + timedelta(days=10))
        person.died_on, person.death_reg_date = on, registered
        person.death_reg_no = self.reg_no(ward.code, registered.year)
        person.death_reg_authority = ward.authority
        person.residence_history = [
            s if s.until else ResidenceStay(s.address, s.kind, s.since, registered)
            for s in person.residence_history
        ]
        if person.card_issued_on > on:
            self._issue_card(person, end=on)
