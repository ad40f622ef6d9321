"""The fixed subjects of DOMAIN.md 11.5, verbatim, plus the few people they need to be whole.

Tests and demos name these by PIN, so nothing here is random. Two supporting people are not in
11.5 but keep the fixtures consistent on both sides: Phạm Thị Định's former husband (so the
divorce note has a spouse) and Hoàng Văn Cũ's widow (so his death leaves a widowed spouse).
Fixture wards are "Phường Mẫu Một" .. "Phường Mẫu Bốn", codes PMM1..PMM4, which generated
people never use, so their civil-status numbers cannot collide.
"""

from __future__ import annotations

from datetime import date

from adapters.simulators.world import (
    Branch,
    Enterprise,
    MaritalConfirmation,
    MaritalEvent,
    Person,
    ResidenceStay,
)

# DOMAIN.md 11.5 edge case: the registries must answer not_found for this one.
NOT_FOUND_PIN = "001090999999"

MAU, THU, THI = "001090912345", "001192934567", "001225956789"
GIA, DINH, CU = "001088987654", "001195923456", "001070911111"
# Supporting people (not in 11.5).
TRUNG, HIEN = "001091945678", "001172934568"

FIXTURE_PINS = (MAU, THU, THI, GIA, DINH, CU, TRUNG, HIEN)
FIXTURE_CMND9 = (
    "013912345",
    "013934567",
    "013887654",
    "013923456",
    "011911111",
    "013945678",
    "011934568",
)
FIXTURE_MSTS = ("0199900018", "0199900025", "0199900032")

MAU_MOT, MAU_HAI = "Phường Mẫu Một, Hà Nội", "Phường Mẫu Hai, Hà Nội"
MAU_BA, MAU_BON = "Phường Mẫu Ba, Hà Nội", "Phường Mẫu Bốn, Hà Nội"
UB_MOT, UB_HAI = "UBND Phường Mẫu Một", "UBND Phường Mẫu Hai"
UB_BA, UB_BON = "UBND Phường Mẫu Ba", "UBND Phường Mẫu Bốn"
THI_BORN = date(2025, 8, 28)  # registered (and so resident) eight days after birth


# fmt: off
# The fixtures are data: one person per block, fields grouped as on the paper.


def _person(pin: str, name: str, dob: date, sex: str, home: str, **kw: object) -> Person:
    """A Hanoi-born Kinh citizen with the defaults every fixture shares."""
    defaults: dict[str, object] = {
        "birth_province": "Hà Nội", "home_town": "Xã Mẫu Quê, Hà Nội", "ethnicity": "Kinh",
        "nationality": "Việt Nam", "permanent_address": home, "temporary_address": None,
        "current_address": home, "household_head_pin": pin, "relationship_to_head": "chủ hộ",
    }
    defaults.update(kw)
    return Person(pin=pin, full_name=name, dob=dob, sex=sex, **defaults)  # type: ignore[arg-type]


def _stays(*stays: tuple[str, date, date | None]) -> list[ResidenceStay]:
    return [ResidenceStay(addr, "permanent", since, until) for addr, since, until in stays]


def _with_spouse(event: MaritalEvent, spouse_pin: str) -> MaritalEvent:
    return MaritalEvent(event.on, event.status, spouse_pin, event.reg_no, event.authority,
                        event.judgment_ref)


def _mau_family() -> list[Person]:
    married = MaritalEvent(date(2020, 10, 10), "married", None, "UBND-PMM1/2020/000045", UB_MOT)
    mau = _person(
        MAU, "Nguyễn Văn Mẫu", date(1990, 5, 14), "M", MAU_MOT, household_id="HO90000001",
        cmnd9="013912345", card_issued_on=date(2021, 4, 10), card_expires_on=date(2030, 5, 14),
        birth_reg_no="UBND-PMM1/1990/000210", birth_reg_authority=UB_MOT,
        birth_reg_date=date(1990, 5, 21), residence_since=date(2020, 10, 20),
        marital_history=[_with_spouse(married, THU)],
        residence_history=_stays((MAU_HAI, date(1990, 5, 21), date(2020, 10, 20)),
                                 (MAU_MOT, date(2020, 10, 20), None)),
    )
    thu = _person(
        THU, "Trần Thị Thử", date(1992, 11, 2), "F", MAU_MOT, household_id="HO90000001",
        household_head_pin=MAU, relationship_to_head="vợ", cmnd9="013934567",
        card_issued_on=date(2022, 3, 15), card_expires_on=date(2032, 11, 2),
        birth_reg_no="UBND-PMM3/1992/000377", birth_reg_authority=UB_BA,
        birth_reg_date=date(1992, 11, 9), residence_since=date(2020, 10, 20),
        marital_history=[_with_spouse(married, MAU)],
        residence_history=_stays((MAU_BA, date(1992, 11, 9), date(2020, 10, 20)),
                                 (MAU_MOT, date(2020, 10, 20), None)),
    )
    thi = _person(
        THI, "Nguyễn Minh Thí", date(2025, 8, 20), "M", MAU_MOT, household_id="HO90000001",
        household_head_pin=MAU, relationship_to_head="con", cmnd9=None,
        card_issued_on=date(2025, 9, 15), card_expires_on=date(2039, 8, 20),
        mother_pin=THU, father_pin=MAU, birth_reg_no="UBND-PMM1/2025/000123",
        birth_reg_authority=UB_MOT, birth_reg_date=date(2025, 8, 28),
        residence_since=date(2025, 8, 28), residence_history=_stays((MAU_MOT, THI_BORN, None)),
    )
    return [mau, thu, thi]


def _le_van_gia() -> Person:
    # 11.5: single, XN_TTHN issued 2025-07-01, expired on 2026-01-01 under the 6-month rule.
    confirmation = MaritalConfirmation(
        "UBND-PMM2/2025/000321", date(2025, 7, 1), "single", "Đăng ký kết hôn", UB_HAI
    )
    return _person(
        GIA, "Lê Văn Giả", date(1988, 1, 30), "M", MAU_HAI, household_id="HO90000002",
        cmnd9="013887654", card_issued_on=date(2021, 6, 20), card_expires_on=date(2028, 1, 30),
        birth_reg_no="UBND-PMM2/1988/000051", birth_reg_authority=UB_HAI,
        birth_reg_date=date(1988, 2, 6), residence_since=date(2012, 3, 1),
        marital_confirmations=[confirmation],
        residence_history=_stays((MAU_BA, date(1988, 2, 6), date(2012, 3, 1)),
                                 (MAU_HAI, date(2012, 3, 1), None)),
    )


def _divorced_pair() -> list[Person]:
    married = MaritalEvent(date(2018, 4, 14), "married", None, "UBND-PMM3/2018/000102", UB_BA)
    divorced = MaritalEvent(date(2023, 9, 15), "divorced", None, "UBND-PMM3/2023/000078", UB_BA,
                            "56/2023/HNGĐ-ST")
    dinh = _person(
        DINH, "Phạm Thị Định", date(1995, 3, 9), "F", MAU_BA, household_id="HO90000003",
        cmnd9="013923456", card_issued_on=date(2021, 9, 5), card_expires_on=date(2035, 3, 9),
        birth_reg_no="UBND-PMM3/1995/000088", birth_reg_authority=UB_BA,
        birth_reg_date=date(1995, 3, 16), residence_since=date(1995, 3, 16),
        marital_history=[_with_spouse(married, TRUNG), _with_spouse(divorced, TRUNG)],
        residence_history=_stays((MAU_BA, date(1995, 3, 16), None)),
    )
    trung = _person(
        TRUNG, "Vũ Đức Trung", date(1991, 7, 21), "M", MAU_HAI, household_id="HO90000004",
        cmnd9="013945678", card_issued_on=date(2021, 11, 2), card_expires_on=date(2031, 7, 21),
        birth_reg_no="UBND-PMM2/1991/000140", birth_reg_authority=UB_HAI,
        birth_reg_date=date(1991, 7, 29), residence_since=date(2023, 10, 1),
        marital_history=[_with_spouse(married, DINH), _with_spouse(divorced, DINH)],
        residence_history=_stays((MAU_BA, date(1991, 7, 29), date(2023, 10, 1)),
                                 (MAU_HAI, date(2023, 10, 1), None)),
    )
    return [dinh, trung]


def _widowed_pair() -> list[Person]:
    # Hoàng Văn Cũ was the head; after his death his widow heads the household and his
    # residence is deregistered (the stay ends on the day the death was registered).
    married = MaritalEvent(date(1996, 6, 2), "married", None, "UBND-PMM4/1996/000033", UB_BON)
    death_no = "UBND-PMM4/2026/000012"
    cu = _person(
        CU, "Hoàng Văn Cũ", date(1970, 12, 12), "M", MAU_BON, household_id="HO90000005",
        cmnd9="011911111", card_issued_on=date(2021, 5, 5), card_expires_on=date(2030, 12, 12),
        birth_reg_no=None, residence_since=date(1996, 6, 10),
        marital_history=[_with_spouse(married, HIEN)],
        died_on=date(2026, 2, 10), death_reg_no=death_no, death_reg_authority=UB_BON,
        death_reg_date=date(2026, 2, 11),
        residence_history=_stays((MAU_BON, date(1996, 6, 10), date(2026, 2, 11))),
    )
    hien = _person(
        HIEN, "Đỗ Thị Hiền", date(1972, 4, 18), "F", MAU_BON, household_id="HO90000005",
        cmnd9="011934568", card_issued_on=date(2021, 5, 5), card_expires_on=date(2032, 4, 18),
        birth_reg_no=None, residence_since=date(1996, 6, 10),
        marital_history=[_with_spouse(married, CU),
                         MaritalEvent(date(2026, 2, 10), "widowed", CU, death_no, UB_BON)],
        residence_history=_stays((MAU_BON, date(1996, 6, 10), None)),
    )
    return [cu, hien]


def fixture_people() -> list[Person]:
    """Fresh instances of the 11.5 people and their two supporting relatives."""
    return [*_mau_family(), _le_van_gia(), *_divorced_pair(), *_widowed_pair()]


def fixture_enterprises() -> list[Enterprise]:
    """The three 11.5 enterprises; 0199900025 has branch -001."""
    branch = Branch("0199900025-001", "Chi nhánh Công ty Cổ phần Thử Nghiệm Số tại Phường Mẫu Hai",
                    "Số 2, Phường Mẫu Hai, Hà Nội", GIA, date(2023, 2, 1), "active")
    return [
        Enterprise("0199900018", "Công ty TNHH Mẫu Dữ Liệu", "Mau Du Lieu Company Limited",
                   "TNHH1TV", "Số 1, Phường Mẫu Một, Hà Nội", 1_000_000_000, MAU,
                   date(2019, 3, 12), 2, date(2024, 6, 3), "active"),
        Enterprise("0199900025", "Công ty Cổ phần Thử Nghiệm Số",
                   "Thu Nghiem So Joint Stock Company", "CP", "Số 5, Phường Mẫu Một, Hà Nội",
                   5_000_000_000, THU, date(2021, 8, 16), 1, date(2023, 2, 1), "active",
                   [branch]),
        # 11.5 names no legal representative; the former one is Vũ Đức Trung.
        Enterprise("0199900032", "Công ty TNHH Giải Thể Mẫu", "Giai The Mau Company Limited",
                   "TNHH2TV", "Số 9, Phường Mẫu Ba, Hà Nội", 800_000_000, TRUNG,
                   date(2016, 1, 20), 3, date(2025, 4, 28), "dissolved"),
    ]
# fmt: on
