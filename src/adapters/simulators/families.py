"""Households in the shapes Hanoi families come in, each generated whole.

Every marriage, divorce and death is written on both spouses; children carry both parents'
PINs; the deceased stay in the population register with their death registered and their
residence deregistered. Marital-status confirmations (XN_TTHN) are added afterwards, some
fresh, some older than six months, some issued just before a marriage that voided them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from adapters.simulators import vocab
from adapters.simulators.fixtures import FIXTURE_PINS
from adapters.simulators.people import Home, PeopleFactory, add_years
from adapters.simulators.world import MaritalConfirmation, MaritalEvent, Person

# The largest household one generator makes (three generations, three children).
MAX_HOUSEHOLD = 7
DAY = timedelta(days=1)


def dob_for_age(f: PeopleFactory, age: int) -> date:
    """A birth date giving exactly `age` years on `f.as_of`."""
    latest = add_years(f.as_of, -age)
    return f.between(add_years(latest, -1) + DAY, latest)


def surname_of(person: Person) -> str:
    return person.full_name.split(" ", 1)[0]


def _marry(f: PeopleFactory, husband: Person, wife: Person, on: date, home: Home) -> None:
    reg_no = f.reg_no(home.ward.code, on.year)
    for one, other in ((husband, wife), (wife, husband)):
        one.marital_history.append(
            MaritalEvent(on, "married", other.pin, reg_no, home.ward.authority)
        )


def _marriage_date(f: PeopleFactory, h_dob: date, w_dob: date, latest: date) -> date:
    earliest = max(add_years(h_dob, 20), add_years(w_dob, 18))
    recent = max(earliest, f.as_of - timedelta(days=150))
    if recent <= latest and f.chance(0.05):
        # A few weddings in the last five months: their XN_TTHN is recent but already void.
        return f.between(recent, latest)
    return f.between(earliest, min(latest, add_years(earliest, 9)))


def _spouse_dobs(f: PeopleFactory, husband_age: int) -> tuple[date, date]:
    h_dob = dob_for_age(f, husband_age)
    return h_dob, f.between(h_dob, add_years(h_dob, 5))


def _couple_home(
    f: PeopleFactory, husband_age: int, *, latest: date | None = None, husband_heads: float = 0.85
) -> tuple[Home, Person, Person, date]:
    """Husband and wife married and living together; returns (home, husband, wife, wedding)."""
    h_dob, w_dob = _spouse_dobs(f, husband_age)
    married_on = _marriage_date(f, h_dob, w_dob, latest or f.as_of - DAY)
    home = f.new_home(since=f.between(married_on, min(married_on + 60 * DAY, f.as_of)))
    if f.chance(husband_heads):
        husband = f.person("M", h_dob, home, "chủ hộ")
        home.head_pin = husband.pin
        wife = f.person("F", w_dob, home, "vợ")
    else:
        wife = f.person("F", w_dob, home, "chủ hộ")
        home.head_pin = wife.pin
        husband = f.person("M", h_dob, home, "chồng")
    _marry(f, husband, wife, married_on, home)
    return home, husband, wife, married_on


def _children(
    f: PeopleFactory, home: Home, father: Person, mother: Person, start: date, end: date
) -> None:
    """Up to three children born into `home` between `start` and `end` (those over 30 moved out)."""
    count = f.weighted((0, 1, 2, 3), (15, 45, 85, 100))
    born = start
    for _ in range(count):
        born = f.between(born, born + timedelta(days=3 * 365))
        if born > min(end, add_years(mother.dob, 43), f.as_of):
            return
        if born > add_years(f.as_of, -30):
            child = f.person(
                f.pick("MF"),
                born,
                home,
                "con",
                surname=surname_of(father),
                home_town=father.home_town,
                born_here=True,
            )
            child.mother_pin, child.father_pin = mother.pin, father.pin
        born += timedelta(days=450)


def _kill_spouse(f: PeopleFactory, dead: Person, survivor: Person, ward: vocab.Ward) -> None:
    earliest = max(dead.marital_history[-1].on + DAY, add_years(f.as_of, -8))
    f.kill(dead, f.between(earliest, f.as_of - 10 * DAY), ward)
    survivor.marital_history.append(
        MaritalEvent(
            dead.died_on or f.as_of,
            "widowed",
            dead.pin,
            dead.death_reg_no,
            dead.death_reg_authority,
        )
    )


# --- household shapes --------------------------------------------------------------------


def single(f: PeopleFactory) -> None:
    dob = dob_for_age(f, f.rng.randint(18, 45))
    home = f.new_home(since=f.between(add_years(dob, 18), f.as_of - 30 * DAY))
    person = f.person(f.pick("MF"), dob, home, "chủ hộ")
    if f.chance(0.15):
        f.live_elsewhere_temporarily(person)


def couple(f: PeopleFactory) -> None:
    home, husband, wife, married_on = _couple_home(f, int(f.rng.triangular(24, 62, 34)))
    _children(f, home, husband, wife, married_on + 300 * DAY, f.as_of)


def three_generations(f: PeopleFactory) -> None:
    home, husband, wife, married_on = _couple_home(
        f, int(f.rng.triangular(26, 50, 33)), husband_heads=1.0
    )
    _children(f, home, husband, wife, married_on + 300 * DAY, f.as_of)
    gf_dob = add_years(husband.dob, -f.rng.randint(22, 32))
    gm_dob = f.between(gf_dob, min(add_years(gf_dob, 5), add_years(husband.dob, -19)))
    gf = f.person("M", gf_dob, home, "bố", surname=surname_of(husband))
    gm = f.person("F", gm_dob, home, "mẹ")
    wedding = f.between(max(add_years(gf_dob, 20), add_years(gm_dob, 18)), husband.dob - 300 * DAY)
    _marry(f, gf, gm, wedding, home)
    husband.father_pin, husband.mother_pin = gf.pin, gm.pin
    if f.chance(0.45):
        dead, survivor = (gf, gm) if f.chance(0.6) else (gm, gf)
        _kill_spouse(f, dead, survivor, home.ward)


def divorced(f: PeopleFactory) -> None:
    h_dob, w_dob = _spouse_dobs(f, int(f.rng.triangular(27, 60, 38)))
    married_on = _marriage_date(f, h_dob, w_dob, f.as_of - 400 * DAY)
    divorced_on = f.between(married_on + 365 * DAY, f.as_of - 30 * DAY)
    wife_keeps = f.chance(0.7)
    home = f.new_home(since=f.between(married_on, married_on + 60 * DAY))
    away = f.new_home(since=f.between(divorced_on, min(divorced_on + 120 * DAY, f.as_of)))
    husband = f.person("M", h_dob, away if wife_keeps else home, "chủ hộ")
    wife = f.person("F", w_dob, home if wife_keeps else away, "chủ hộ")
    (home if wife_keeps else away).head_pin = wife.pin
    (away if wife_keeps else home).head_pin = husband.pin
    _marry(f, husband, wife, married_on, home)
    reg_no = f.reg_no(home.ward.code, divorced_on.year)
    judgment = f"{f.rng.randint(1, 400)}/{divorced_on.year}/HNGĐ-ST"
    for one, other in ((husband, wife), (wife, husband)):
        one.marital_history.append(
            MaritalEvent(divorced_on, "divorced", other.pin, reg_no, home.ward.authority, judgment)
        )
    father, mother = husband, wife
    _children(f, home, father, mother, married_on + 300 * DAY, divorced_on)


def elderly_couple(f: PeopleFactory) -> None:
    _couple_home(f, int(f.rng.triangular(60, 88, 68)), latest=add_years(f.as_of, -30))


def widowed(f: PeopleFactory) -> None:
    home, husband, wife, _ = _couple_home(
        f, int(f.rng.triangular(62, 92, 72)), latest=add_years(f.as_of, -30), husband_heads=0.3
    )
    dead, survivor = (husband, wife) if home.head_pin == wife.pin else (wife, husband)
    _kill_spouse(f, dead, survivor, home.ward)


SHAPES: tuple[tuple[Callable[[PeopleFactory], None], int], ...] = (
    (single, 18),
    (couple, 50),
    (three_generations, 8),
    (divorced, 8),
    (elderly_couple, 9),
    (widowed, 7),
)


def populate(f: PeopleFactory, *, target: int) -> None:
    """Add households until the world holds exactly `target` people (or the fixtures alone)."""
    shapes = [shape for shape, _ in SHAPES]
    weights = [weight for _, weight in SHAPES]
    while len(f.people) < target:
        if target - len(f.people) >= MAX_HOUSEHOLD:
            f.rng.choices(shapes, weights)[0](f)
        else:
            single(f)


# --- marital-status confirmations --------------------------------------------------------


def add_confirmations(f: PeopleFactory) -> None:
    wards = {ward.name: ward for ward in vocab.WARDS}
    born_by = add_years(f.as_of, -18)
    for person in f.people.values():
        if person.pin in FIXTURE_PINS or person.died_on or person.dob > born_by:
            continue
        ward = wards[person.permanent_address.split(", ")[-2]]
        confirmation = _confirmation(f, person, ward)
        if confirmation is not None:
            person.marital_confirmations.append(confirmation)


def _confirmation(f: PeopleFactory, person: Person, ward: vocab.Ward) -> MaritalConfirmation | None:
    history = person.marital_history
    adult = add_years(person.dob, 18)
    if history and history[-1].status == "married" and history[-1].on > add_years(f.as_of, -3):
        if not f.chance(0.6):
            return None
        # Issued for the wedding, so the wedding itself changed the status it confirmed.
        issued = f.between(history[-1].on - 75 * DAY, history[-1].on - 15 * DAY)
        before = history[-2].status if len(history) > 1 else "single"
        purpose = "Đăng ký kết hôn"
    elif person.marital_status != "married" and f.chance(0.15):
        recent = f.chance(0.5)
        start = f.as_of - (180 if recent else 3 * 365) * DAY
        end = f.as_of if recent else f.as_of - 190 * DAY
        issued = f.between(max(start, history[-1].on if history else adult), end)
        before, purpose = person.marital_status, f.rng.choice(vocab.CONFIRMATION_PURPOSES)
    else:
        return None
    if issued < adult or issued > f.as_of:
        return None
    return MaritalConfirmation(
        f.reg_no(ward.code, issued.year), issued, before, purpose, ward.authority
    )
