"""The synthetic world: deterministic, the right size, the 11.5 fixtures verbatim, consistent."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date

import pytest

from adapters.simulators.dataset import build_world
from adapters.simulators.fixtures import CU, DINH, GIA, HIEN, MAU, NOT_FOUND_PIN, THI, THU, TRUNG
from adapters.simulators.world import Person, World
from shared_data.identifiers import validate_identifier
from shared_data.provinces import PROVINCES

AS_OF = date(2026, 6, 1)
CIVIL_REG_NO = re.compile(r"^[A-Z0-9\-]+/\d{4}/\d{1,6}$")
MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(people=3_000, enterprises=400, seed=86, as_of=AS_OF)


def living(world: World) -> list[Person]:
    return [p for p in world.people.values() if p.died_on is None]


# --- determinism and size --------------------------------------------------------------------


def test_same_seed_sizes_and_date_give_the_same_world() -> None:
    assert build_world(people=400, enterprises=40, seed=7, as_of=AS_OF) == build_world(
        people=400, enterprises=40, seed=7, as_of=AS_OF
    )


def test_another_seed_gives_another_world() -> None:
    one = build_world(people=400, enterprises=40, seed=7, as_of=AS_OF)
    other = build_world(people=400, enterprises=40, seed=8, as_of=AS_OF)
    assert list(one.people) != list(other.people)


@pytest.mark.parametrize(("people", "enterprises"), [(8, 3), (9, 4), (300, 50), (1_234, 321)])
def test_world_has_exactly_the_asked_sizes(people: int, enterprises: int) -> None:
    world = build_world(people=people, enterprises=enterprises, as_of=AS_OF)
    assert (len(world.people), len(world.enterprises)) == (people, enterprises)


def test_default_world_builds_in_well_under_a_second() -> None:
    started = time.perf_counter()
    world = build_world(as_of=AS_OF)
    elapsed = time.perf_counter() - started
    assert (len(world.people), len(world.enterprises)) == (10_000, 1_000)
    # ~0.35-0.8 s on the project's shared 2-core machines; the margin absorbs their noise.
    assert elapsed < 2.0, elapsed


def test_as_of_defaults_to_today() -> None:
    assert build_world(people=20, enterprises=3).as_of == date.today()


# --- the fixtures of DOMAIN.md 11.5 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("pin", "name", "dob", "sex", "status"),
    [
        (MAU, "Nguyễn Văn Mẫu", date(1990, 5, 14), "M", "married"),
        (THU, "Trần Thị Thử", date(1992, 11, 2), "F", "married"),
        (THI, "Nguyễn Minh Thí", date(2025, 8, 20), "M", "single"),
        (GIA, "Lê Văn Giả", date(1988, 1, 30), "M", "single"),
        (DINH, "Phạm Thị Định", date(1995, 3, 9), "F", "divorced"),
        (CU, "Hoàng Văn Cũ", date(1970, 12, 12), "M", "married"),
    ],
)
def test_fixture_people_are_verbatim(
    world: World, pin: str, name: str, dob: date, sex: str, status: str
) -> None:
    person = world.people[pin]
    assert (person.full_name, person.dob, person.sex, person.marital_status) == (
        name, dob, sex, status
    )  # fmt: skip


def test_fixture_couple_and_their_child(world: World) -> None:
    mau, thu, thi = world.people[MAU], world.people[THU], world.people[THI]
    assert (mau.spouse_pin, thu.spouse_pin) == (THU, MAU)
    assert (thi.mother_pin, thi.father_pin) == (THU, MAU)
    assert mau.permanent_address == thu.permanent_address == "Phường Mẫu Một, Hà Nội"
    assert {mau.household_id, thu.household_id, thi.household_id} == {mau.household_id}
    assert [p.relationship_to_head for p in (mau, thu, thi)] == ["chủ hộ", "vợ", "con"]
    assert thi.birth_reg_no == "UBND-PMM1/2025/000123"


def test_le_van_gia_holds_the_confirmation_issued_on_1_july_2025(world: World) -> None:
    (confirmation,) = world.people[GIA].marital_confirmations
    assert (confirmation.issued_on, confirmation.status_at_issue) == (date(2025, 7, 1), "single")


def test_pham_thi_dinh_has_a_recorded_divorce_from_a_person_of_the_world(world: World) -> None:
    divorce = world.people[DINH].marital_history[-1]
    assert divorce.status == "divorced" and divorce.reg_no and divorce.judgment_ref
    ex = world.people[divorce.spouse_pin or ""]
    assert ex.pin == TRUNG and ex.marital_history[-1].reg_no == divorce.reg_no


def test_hoang_van_cu_died_on_10_february_2026_leaving_a_widow(world: World) -> None:
    cu, widow = world.people[CU], world.people[HIEN]
    assert cu.died_on == date(2026, 2, 10) and cu.death_reg_no
    assert widow.marital_status == "widowed" and widow.marital_history[-1].spouse_pin == CU


def test_fixture_enterprises_and_branch(world: World) -> None:
    e = world.enterprises
    assert (e["0199900018"].name_vi, e["0199900018"].legal_rep_pin) == (
        "Công ty TNHH Mẫu Dữ Liệu", MAU
    )  # fmt: skip
    assert (e["0199900025"].name_vi, e["0199900025"].legal_rep_pin) == (
        "Công ty Cổ phần Thử Nghiệm Số", THU
    )  # fmt: skip
    assert [b.branch_code for b in e["0199900025"].branches] == ["0199900025-001"]
    assert (e["0199900032"].name_vi, e["0199900032"].status) == (
        "Công ty TNHH Giải Thể Mẫu", "dissolved"
    )  # fmt: skip
    assert e["0199900018"].status == e["0199900025"].status == "active"


def test_the_not_found_pin_is_nowhere(world: World) -> None:
    assert NOT_FOUND_PIN not in world.people
    assert NOT_FOUND_PIN not in world.cmnd9_index.values()
    default = build_world(as_of=AS_OF)
    assert NOT_FOUND_PIN not in default.people


# --- structure of generated identifiers ------------------------------------------------------


def _pin_matches(person: Person) -> bool:
    code = int(person.pin[3])
    return (
        person.pin[:3] in PROVINCES
        and (code % 2 == 1) == (person.sex == "F")
        and 1900 + 100 * (code // 2) + int(person.pin[4:6]) == person.dob.year
        and person.pin[6] == "9"
    )


def test_every_pin_is_structurally_valid_and_agrees_with_sex_and_birth_year(world: World) -> None:
    for person in world.people.values():
        assert _pin_matches(person), person.pin
        validate_identifier("PIN", person.pin, declared_dob=person.dob, today=AS_OF)
    provinces = Counter(pin[:3] for pin in world.people)
    assert provinces["001"] / len(world.people) > 0.85 and len(provinces) > 3


def _mst_ok(code: str) -> bool:
    remainder = sum(int(d) * w for d, w in zip(code[:9], MST_WEIGHTS, strict=True)) % 11
    return remainder != 0 and int(code[9]) == 10 - remainder


def test_every_enterprise_code_has_its_check_digit_and_branches_their_suffix(world: World) -> None:
    for code, enterprise in world.enterprises.items():
        assert code.startswith("01999") and _mst_ok(code), code
        validate_identifier("ENTERPRISE_CODE", code)
        for n, branch in enumerate(enterprise.branches, start=1):
            assert branch.branch_code == f"{code}-{n:03d}"
            validate_identifier("BRANCH_CODE", branch.branch_code)


def test_civil_status_numbers_follow_the_synthetic_format(world: World) -> None:
    numbers = [
        *(p.birth_reg_no for p in world.people.values() if p.birth_reg_no),
        *(p.death_reg_no for p in world.people.values() if p.death_reg_no),
        *(e.reg_no for p in world.people.values() for e in p.marital_history if e.reg_no),
        *(c.doc_no for p in world.people.values() for c in p.marital_confirmations),
    ]
    assert numbers and all(CIVIL_REG_NO.match(n) for n in numbers)


def test_legacy_ids_are_unique_and_held_by_about_seventy_percent(world: World) -> None:
    holders = [p for p in world.people.values() if p.cmnd9]
    assert len({p.cmnd9 for p in holders}) == len(holders) == len(world.cmnd9_index)
    assert all(world.cmnd9_index[p.cmnd9 or ""] == p.pin for p in holders)
    assert 0.6 < len(holders) / len(world.people) < 0.8
