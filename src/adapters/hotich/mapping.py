"""HOTICH records (`<GiayTo>` elements) <-> canonical `RegistryRecord`s. Pure: no I/O.

Canonical -> wire serves the simulator; wire -> canonical serves the adapter and is strict: a
missing or malformed required element raises `MappingError`, an unknown element is ignored (so
never forwarded). Dates in fields are ISO strings, `issued_on` a `date`. The messages around
the records (query, result, SOAP envelope, safe parsing) live in `client`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from shared_data.domain import RegistryRecord


class MappingError(ValueError):
    """The XML is not a well-formed, complete HOTICH message."""


Kind = Literal["text", "date", "pin", "sex", "marital"]
# pair: one value per spouse, <XVo> and <XChong> -> {"wife": .., "husband": ..};
# many: a repeated element, <X>a</X><X>b</X> -> ["a", "b"].
Shape = Literal["one", "pair", "many"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    wire: str
    kind: Kind = "text"
    required: bool = False
    shape: Shape = "one"


def _f(
    name: str, wire: str, kind: Kind = "text", *, req: bool = False, shape: Shape = "one"
) -> FieldSpec:
    return FieldSpec(name, wire, kind, req, shape)


_D: Kind = "date"
_P: Kind = "pin"
_PAIR: Shape = "pair"
_MANY: Shape = "many"
_AUTHORITY = _f("registering_authority", "NoiDangKy", req=True)
_REG_DATE = _f("registration_date", "NgayDangKy", _D, req=True)

# Canonical field names (DOMAIN.md 11.3) -> the registry's element names, per document type.
FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "KHAI_SINH": (
        _f("full_name", "HoTen", req=True),
        _f("dob", "NgaySinh", _D, req=True),
        _f("sex", "GioiTinh", "sex", req=True),
        _f("place_of_birth", "NoiSinh"),
        _f("home_town", "QueQuan"),
        _f("ethnicity", "DanToc"),
        _f("nationality", "QuocTich"),
        _f("pin", "SoDinhDanh", _P, req=True),
        _f("mother_name", "HoTenMe"),
        _f("mother_pin", "SoDinhDanhMe", _P),
        _f("father_name", "HoTenCha"),
        _f("father_pin", "SoDinhDanhCha", _P),
        _f("cert_no", "SoDangKy", req=True),
        _AUTHORITY,
        _REG_DATE,
    ),
    "KET_HON": (
        _f("wife_name", "HoTenVo", req=True),
        _f("wife_pin", "SoDinhDanhVo", _P, req=True),
        _f("husband_name", "HoTenChong", req=True),
        _f("husband_pin", "SoDinhDanhChong", _P, req=True),
        _f("dobs", "NgaySinh", _D, req=True, shape=_PAIR),
        _f("ethnicity", "DanToc", shape=_PAIR),
        _f("nationality", "QuocTich", shape=_PAIR),
        _f("residence", "NoiCuTru", shape=_PAIR),
        _AUTHORITY,
        _REG_DATE,
        _f("reg_no", "SoDangKy", req=True),
    ),
    "XN_TTHN": (
        _f("pin", "SoDinhDanh", _P, req=True),
        _f("full_name", "HoTen", req=True),
        _f("marital_status", "TinhTrangHonNhan", "marital", req=True),
        _f("purpose", "MucDichSuDung"),
        _f("issue_date", "NgayXacNhan", _D, req=True),
        _f("issuing_authority", "CoQuanCap", req=True),
    ),
    "KHAI_TU": (
        _f("full_name", "HoTen", req=True),
        _f("dob", "NgaySinh", _D),
        _f("pin", "SoDinhDanh", _P, req=True),
        _f("sex", "GioiTinh", "sex"),
        _f("ethnicity", "DanToc"),
        _f("nationality", "QuocTich"),
        _f("residence", "NoiCuTru"),
        _f("date_of_death", "NgayChet", _D, req=True),
        _AUTHORITY,
        _REG_DATE,
    ),
    "GHI_CHU_LY_HON": (
        _f("pin", "SoDinhDanh", _P, req=True),
        _f("spouse_pin", "SoDinhDanhVoChong", _P),
        _f("judgment_ref", "SoBanAn", req=True),
        _f("recording_authority", "CoQuanGhiChu", req=True),
        _f("recording_date", "NgayGhiChu", _D, req=True),
    ),
    "NUOI_CON_NUOI": (
        _f("child_pin", "SoDinhDanhConNuoi", _P, req=True),
        _f("adoptive_parent_pins", "SoDinhDanhChaMeNuoi", _P, req=True, shape=_MANY),
        _AUTHORITY,
        _REG_DATE,
    ),
    "THAY_DOI_HO_TICH": (
        _f("pin", "SoDinhDanh", _P, req=True),
        _f("changed_fields", "TruongThayDoi", req=True, shape=_MANY),
        _f("old_values", "GiaTriCu", shape=_MANY),
        _f("new_values", "GiaTriMoi", shape=_MANY),
        _AUTHORITY,
        _REG_DATE,
    ),
}

_SEX = {"M": "Nam", "F": "Nữ"}
_MARITAL = {"single": "1", "married": "2", "divorced": "3", "widowed": "4"}
_STATUS = {"active": "CON_HIEU_LUC", "dissolved": "DA_CHAM_DUT"}
# What ended a marriage: the KET_HON record's `voided_by`, as the catalog's `void_on` names it.
ENDED_BY = {"divorce": "LY_HON", "death": "CHET", "annulment": "HUY_VIEC_KET_HON"}
_TABLES = {"sex": _SEX, "marital": _MARITAL}
_PIN_RE = re.compile(r"^\d{12}$", re.ASCII)
_DATE_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$", re.ASCII)


def parse_date(raw: str) -> date:
    """The registry writes dates as dd/mm/yyyy (Vietnamese convention), never ISO."""
    match = _DATE_RE.match(raw)
    if not match:
        raise MappingError(f"date {raw[:20]!r} is not dd/mm/yyyy")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise MappingError(f"date {raw!r} does not exist") from exc


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def child_text(parent: ET.Element, tag: str) -> str | None:
    found = parent.findall(tag)
    if not found:
        return None
    if len(found) > 1 or len(found[0]):
        raise MappingError(f"<{tag}> must occur once and hold text only")
    return (found[0].text or "").strip() or None


def required_text(parent: ET.Element, tag: str) -> str:
    value = child_text(parent, tag)
    if value is None:
        raise MappingError(f"<{parent.tag}> lacks <{tag}>")
    return value


def add_text(parent: ET.Element, tag: str, value: str | None) -> None:
    if value is not None:
        ET.SubElement(parent, tag).text = value


def marital_from_wire(raw: str | None, tag: str) -> str | None:
    return _decode_code(raw, _MARITAL, tag)


def marital_to_wire(status: str) -> str:
    return _MARITAL[status]


def _decode_code(raw: str | None, table: dict[str, str], tag: str) -> str | None:
    if raw is None:
        return None
    for canonical, wire in table.items():
        if wire == raw:
            return canonical
    raise MappingError(f"<{tag}> has unknown code {raw[:20]!r}")


def _decode_value(kind: Kind, raw: str, tag: str) -> str:
    if kind == "date":
        return parse_date(raw).isoformat()
    if kind == "pin" and not _PIN_RE.match(raw):
        raise MappingError(f"<{tag}> is not a 12-digit PIN")
    if kind in _TABLES:
        return _decode_code(raw, _TABLES[kind], tag) or raw
    return raw


def _encode_value(kind: Kind, value: str) -> str:
    if kind == "date":
        return format_date(date.fromisoformat(value))
    return _TABLES[kind][value] if kind in _TABLES else value


def _decode_one(parent: ET.Element, tag: str, kind: Kind, required: bool) -> str | None:
    raw = required_text(parent, tag) if required else child_text(parent, tag)
    return None if raw is None else _decode_value(kind, raw, tag)


def _decode_field(el: ET.Element, spec: FieldSpec) -> Any:
    if spec.shape == "pair":
        wife = _decode_one(el, spec.wire + "Vo", spec.kind, spec.required)
        husband = _decode_one(el, spec.wire + "Chong", spec.kind, spec.required)
        return None if wife is None and husband is None else {"wife": wife, "husband": husband}
    if spec.shape == "many":
        raws = [(item.text or "").strip() for item in el.findall(spec.wire)]
        if not all(raws) or (spec.required and not raws):
            raise MappingError(f"<{spec.wire}> items must be non-empty")
        return [_decode_value(spec.kind, raw, spec.wire) for raw in raws] or None
    return _decode_one(el, spec.wire, spec.kind, spec.required)


def _encode_field(el: ET.Element, spec: FieldSpec, value: Any) -> None:
    if value is None:
        return
    if spec.shape == "pair":
        for side, suffix in (("wife", "Vo"), ("husband", "Chong")):
            if value.get(side) is not None:
                add_text(el, spec.wire + suffix, _encode_value(spec.kind, value[side]))
    elif spec.shape == "many":
        for item in value:
            add_text(el, spec.wire, _encode_value(spec.kind, item))
    else:
        add_text(el, spec.wire, _encode_value(spec.kind, value))


def encode_record(document_type: str, record: RegistryRecord) -> ET.Element:
    """Canonical record -> `<GiayTo>` (simulator side)."""
    el = ET.Element("GiayTo")
    add_text(el, "SoGiayTo", record.record_id)
    add_text(el, "NgayCap", format_date(record.issued_on) if record.issued_on else None)
    add_text(el, "TinhTrang", _STATUS[record.status] if record.status else None)
    add_text(el, "LyDoChamDut", ENDED_BY[record.voided_by] if record.voided_by else None)
    for spec in FIELDS[document_type]:
        _encode_field(el, spec, record.fields.get(spec.name))
    return el


def decode_record(document_type: str, el: ET.Element) -> RegistryRecord:
    """`<GiayTo>` -> canonical record, with every canonical field present (None if absent)."""
    status = _decode_code(child_text(el, "TinhTrang"), _STATUS, "TinhTrang")
    voided_by = _decode_code(child_text(el, "LyDoChamDut"), ENDED_BY, "LyDoChamDut")
    if (status == "dissolved") != (voided_by is not None):
        raise MappingError("<TinhTrang> and <LyDoChamDut> disagree")
    return RegistryRecord(
        record_id=required_text(el, "SoGiayTo"),
        fields={spec.name: _decode_field(el, spec) for spec in FIELDS[document_type]},
        issued_on=parse_date(required_text(el, "NgayCap")),
        status=status,
        voided_by=voided_by,
    )
