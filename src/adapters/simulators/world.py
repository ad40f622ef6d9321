"""The synthetic world every simulator serves its own view of.

One deterministic dataset (seeded) so that the population register, civil status and
business register agree with each other, as the real registries (mostly) do. It contains the
fixtures of DOMAIN.md section 11.5 verbatim. Every identifier here is synthetic.

`build_world()` lives in `adapters.simulators.dataset`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class MaritalEvent:
    """A change of marital status as the civil-status register records it."""

    on: date
    status: str  # single | married | divorced | widowed
    spouse_pin: str | None = None
    reg_no: str | None = None  # CIVIL_REG_NO of the marriage / divorce note
    authority: str | None = None
    # Divorces only: the court judgment the divorce note records (e.g. 56/2023/HNGĐ-ST).
    judgment_ref: str | None = None


@dataclass(frozen=True, slots=True)
class MaritalConfirmation:
    """A marital-status confirmation (XN_TTHN) issued to a person."""

    doc_no: str
    issued_on: date
    status_at_issue: str
    purpose: str
    authority: str


@dataclass(frozen=True, slots=True)
class ResidenceStay:
    """One registered stay in the residence database; `until` is None while it lasts."""

    address: str
    kind: str  # permanent | temporary
    since: date
    until: date | None = None


@dataclass(slots=True)
class Person:
    pin: str
    full_name: str
    dob: date
    sex: str  # M | F
    birth_province: str
    home_town: str
    ethnicity: str
    nationality: str
    permanent_address: str
    temporary_address: str | None
    current_address: str
    household_id: str
    household_head_pin: str
    relationship_to_head: str  # chủ hộ | vợ | chồng | con | ...
    cmnd9: str | None
    card_issued_on: date
    card_expires_on: date | None
    mother_pin: str | None = None
    father_pin: str | None = None
    # Birth registration in the civil-status register (None: not registered electronically).
    birth_reg_no: str | None = None
    birth_reg_authority: str | None = None
    birth_reg_date: date | None = None
    marital_history: list[MaritalEvent] = field(default_factory=list)
    marital_confirmations: list[MaritalConfirmation] = field(default_factory=list)
    died_on: date | None = None
    death_reg_no: str | None = None
    residence_since: date | None = None
    # Death registration: the authority's name and the registration date (reg_no above).
    death_reg_authority: str | None = None
    death_reg_date: date | None = None
    # Complete residence history, oldest first; the current permanent stay starts on
    # `residence_since` at `permanent_address`, a current temporary stay (if any) is there too.
    # The dead are deregistered: every stay of theirs ends on the death registration date.
    residence_history: list[ResidenceStay] = field(default_factory=list)

    @property
    def marital_status(self) -> str:
        return self.marital_history[-1].status if self.marital_history else "single"

    @property
    def spouse_pin(self) -> str | None:
        if self.marital_history and self.marital_history[-1].status == "married":
            return self.marital_history[-1].spouse_pin
        return None


@dataclass(slots=True)
class Branch:
    branch_code: str  # 0199900025-001
    name: str
    address: str
    head_pin: str
    registered_on: date
    status: str


@dataclass(slots=True)
class Enterprise:
    code: str
    name_vi: str
    name_en: str
    type: str  # TNHH1TV | TNHH2TV | CP | DNTN
    address: str
    charter_capital: int  # VND
    legal_rep_pin: str
    first_registered_on: date
    latest_change_no: int
    latest_change_on: date
    status: str  # active | suspended | dissolved | revoked
    branches: list[Branch] = field(default_factory=list)


@dataclass(slots=True)
class World:
    people: dict[str, Person]
    enterprises: dict[str, Enterprise]
    # CMND9 -> PIN cross-walk held by the population register.
    cmnd9_index: dict[str, str]
    # As-of date of the dataset; the simulators answer as if today were this day or later.
    as_of: date
