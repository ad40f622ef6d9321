"""DANCU and CUTRU answers <-> canonical records, in both directions (pure, no I/O).

Each document type is one declarative `DocumentMapping`: which wire attribute holds which
canonical field and how the value converts each way. The adapters read with
`record_from_wire`; the simulators write with `record_to_wire`; both walk the same table, so
the two sides cannot drift apart. Canonical values: dates as ISO strings, sex "M"/"F",
relationships to the household head as the codes of `RELATIONSHIPS`, people as
`{"pin", "full_name"}`, stays as `{"address", "kind", "since", "until"}`.

Registry states become record states:
- a deceased citizen (`trangThai: DA_MAT`) is still *found*: the register keeps the record, and
  procedures such as P05 (death registration) need it. Status "deceased"; the card (CCCD) and
  the household relation (QH_NHAN_THAN) are void (`voided_by="holder_deceased"`: the card is
  revoked on death), while the legacy-ID cross-walk (XN_CMND9) stays a permanent fact;
- a deregistered residence (`DA_XOA_DANG_KY`, e.g. after death) is found with status
  "deregistered" and `voided_by="residence_deregistered"`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from adapters.population import wire as w
from adapters.population.wire import LookupKind, WireModel
from shared_data.domain import RegistryRecord

Convert = Callable[[Any], Any]

SEX_FROM_WIRE = {"Nam": "M", "Nữ": "F"}
SEX_TO_WIRE = {code: word for word, code in SEX_FROM_WIRE.items()}
CITIZEN_STATES = {"CON_SONG": "active", "DA_MAT": "deceased"}
RESIDENCE_STATES = {"DANG_CU_TRU": "registered", "DA_XOA_DANG_KY": "deregistered"}
STAY_KINDS = {"THUONG_TRU": "permanent", "TAM_TRU": "temporary"}

# Relationship to the household head: the registry's wording, lower-cased -> canonical code.
# Quirk: the registry adds wordings over time; one we do not know becomes "other" rather than
# an outage (the kinship itself is still attested).
RELATIONSHIPS = {
    "chủ hộ": "head", "vợ": "wife", "chồng": "husband", "con": "child", "bố": "father",
    "mẹ": "mother", "ông": "grandfather", "bà": "grandmother", "cháu": "grandchild",
    "anh": "elder_brother", "chị": "elder_sister", "em": "younger_sibling",
    "con dâu": "daughter_in_law", "con rể": "son_in_law", "khác": "other",
}  # fmt: skip
RELATIONSHIP_TO_WIRE = {code: word[0].upper() + word[1:] for word, code in RELATIONSHIPS.items()}


class WireFormatError(ValueError):
    """The registry's JSON does not match its documented shape."""


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def relationship_code(wording: str) -> str:
    return RELATIONSHIPS.get(wording.lower(), "other")


def _same(value: Any) -> Any:
    return value


def _person(ref: w.PersonRef) -> dict[str, Any]:
    return {"pin": ref.so_dinh_danh, "full_name": ref.ho_va_ten}


def _person_wire(p: dict[str, Any]) -> w.PersonRef:
    return w.PersonRef(so_dinh_danh=p["pin"], ho_va_ten=p["full_name"])


def _members(members: list[w.MemberWire]) -> list[dict[str, Any]]:
    return [
        {**_person(m), "relationship": relationship_code(m.quan_he_voi_chu_ho)} for m in members
    ]


def _members_wire(members: list[dict[str, Any]]) -> list[w.MemberWire]:
    return [
        w.MemberWire(
            so_dinh_danh=m["pin"],
            ho_va_ten=m["full_name"],
            quan_he_voi_chu_ho=RELATIONSHIP_TO_WIRE[m["relationship"]],
        )
        for m in members
    ]


def _history(stays: list[w.StayWire]) -> list[dict[str, Any]]:
    return [
        {"address": s.dia_chi, "kind": STAY_KINDS[s.loai_cu_tru], "since": iso(s.tu_ngay),
         "until": iso(s.den_ngay)}
        for s in stays
    ]  # fmt: skip


def _history_wire(stays: list[dict[str, Any]]) -> list[w.StayWire]:
    kinds = {kind: wording for wording, kind in STAY_KINDS.items()}
    return [
        w.StayWire(dia_chi=s["address"], loai_cu_tru=kinds[s["kind"]], tu_ngay=from_iso(s["since"]),
                   den_ngay=from_iso(s["until"]))
        for s in stays
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Canonical field `canonical` is wire attribute `wire`; `read` and `write` convert."""

    canonical: str
    wire: str
    read: Convert = _same
    write: Convert = _same


def _date(canonical: str, wire: str) -> FieldMap:
    return FieldMap(canonical, wire, iso, from_iso)


def _expiry_wire(value: str | None) -> date | str:
    # The wire spells "no expiry" in words; null there is malformed, not "forever".
    return from_iso(value) or w.NO_EXPIRY


PIN = FieldMap("pin", "so_dinh_danh")
FULL_NAME = FieldMap("full_name", "ho_va_ten")
HEAD = FieldMap("household_head", "chu_ho", _person, _person_wire)
MEMBERS = FieldMap("members", "thanh_vien_ho", _members, _members_wire)


@dataclass(frozen=True, slots=True)
class DocumentMapping:
    """One document type: the answer's model, its fields and how its state reads."""

    payload: type[WireModel]
    fields: tuple[FieldMap, ...]
    states: dict[str, str]
    # Registry state -> `voided_by` of the record.
    voids: dict[str, str] = field(default_factory=dict)
    # DANCU wraps the payload in {"loaiTraCuu": kind, "congDan": payload}; CUTRU does not.
    envelope: type[WireModel] | None = None
    kind: LookupKind | None = None
    issued: str | None = None  # wire attribute of the record's issued_on
    expires: str | None = None  # wire attribute of the record's valid_until

    def from_wire(self, body: Any) -> RegistryRecord:
        model = (self.envelope or self.payload).model_validate(body)
        payload: Any = getattr(model, "cong_dan", model)
        state = payload.trang_thai
        return RegistryRecord(
            record_id=payload.so_dinh_danh,
            fields={f.canonical: f.read(getattr(payload, f.wire)) for f in self.fields},
            issued_on=getattr(payload, self.issued) if self.issued else None,
            valid_until=getattr(payload, self.expires) if self.expires else None,
            status=self.states[state],
            voided_by=self.voids.get(state),
        )

    def to_wire(self, record: RegistryRecord) -> dict[str, Any]:
        values = {f.wire: f.write(record.fields[f.canonical]) for f in self.fields}
        values["trang_thai"] = {s: k for k, s in self.states.items()}[record.status or ""]
        for attribute, value in (
            (self.issued, record.issued_on),
            (self.expires, record.valid_until),
        ):
            if attribute and attribute not in values:
                values[attribute] = value
        payload = self.payload(**values)
        body = (
            payload
            if self.envelope is None
            else self.envelope(loai_tra_cuu=self.kind, cong_dan=payload)
        )
        return body.model_dump(mode="json", by_alias=True)


_DECEASED_VOID = {"DA_MAT": "holder_deceased"}
_DEREGISTERED_VOID = {"DA_XOA_DANG_KY": "residence_deregistered"}

DANCU_MAPPINGS: dict[str, DocumentMapping] = {
    "CCCD": DocumentMapping(
        w.CardWire,
        (
            PIN, FULL_NAME, _date("dob", "ngay_sinh"),
            FieldMap("sex", "gioi_tinh", SEX_FROM_WIRE.__getitem__, SEX_TO_WIRE.__getitem__),
            FieldMap("nationality", "quoc_tich"), FieldMap("place_of_origin", "que_quan"),
            FieldMap("place_of_residence", "noi_thuong_tru"), _date("issue_date", "ngay_cap"),
            FieldMap("expiry_date", "ngay_het_han", iso, _expiry_wire),
        ),
        CITIZEN_STATES, _DECEASED_VOID, w.CardAnswer, LookupKind.CARD, "ngay_cap", "ngay_het_han",
    ),
    "XN_CMND9": DocumentMapping(
        w.LegacyIdWire,
        (PIN, FieldMap("cmnd9", "so_cmnd"), FULL_NAME, _date("dob", "ngay_sinh")),
        CITIZEN_STATES, {}, w.LegacyIdAnswer, LookupKind.LEGACY_ID,
    ),
    "QH_NHAN_THAN": DocumentMapping(
        w.HouseholdRelationWire,
        (
            PIN, FieldMap("household_head_pin", "so_dinh_danh_chu_ho"),
            FieldMap("relationship", "quan_he_voi_chu_ho", relationship_code,
                     RELATIONSHIP_TO_WIRE.__getitem__),
        ),
        CITIZEN_STATES, _DECEASED_VOID, w.HouseholdRelationAnswer, LookupKind.HOUSEHOLD_RELATION,
    ),
}  # fmt: skip
CUTRU_MAPPINGS: dict[str, DocumentMapping] = {
    # CT07 confirms the current state: it is "issued" on the day it is asked for.
    "CT07": DocumentMapping(
        w.ResidenceAnswer,
        (
            PIN, FULL_NAME, FieldMap("permanent_address", "noi_thuong_tru"),
            FieldMap("temporary_address", "noi_tam_tru"),
            FieldMap("current_address", "noi_o_hien_tai"), HEAD, MEMBERS,
            FieldMap("history", "lich_su_cu_tru", _history, _history_wire),
        ),
        RESIDENCE_STATES, _DEREGISTERED_VOID, issued="ngay_xac_nhan",
    ),
    "SO_HO_KHAU": DocumentMapping(
        w.HouseholdAnswer,
        (PIN, FieldMap("permanent_address", "noi_thuong_tru"), HEAD, MEMBERS),
        RESIDENCE_STATES, _DEREGISTERED_VOID,
    ),
}  # fmt: skip
MAPPINGS = DANCU_MAPPINGS | CUTRU_MAPPINGS
LOOKUP_KINDS = {doc: m.kind for doc, m in DANCU_MAPPINGS.items() if m.kind is not None}


def record_from_wire(document_type: str, body: bytes | str | dict[str, Any]) -> RegistryRecord:
    """Parse a registry answer (raw JSON bytes/text, or already decoded) into its record."""
    mapping = MAPPINGS[document_type]
    model = mapping.envelope or mapping.payload
    try:
        decoded = body if isinstance(body, dict) else model.model_validate_json(body)
        return mapping.from_wire(decoded)
    except ValidationError as exc:
        # Locations only: the values may be personal data and must not reach logs.
        where = sorted({".".join(map(str, e["loc"])) or "body" for e in exc.errors()})[:5]
        raise WireFormatError(f"{document_type} answer malformed at {where}") from exc


def record_to_wire(document_type: str, record: RegistryRecord) -> dict[str, Any]:
    """The registry's JSON for `record` (what the simulator sends)."""
    return MAPPINGS[document_type].to_wire(record)
