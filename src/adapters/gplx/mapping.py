"""GPLX answers (`giay_phep`) <-> canonical records. Pure: no I/O.

Keys are snake_case Vietnamese; dates `dd/mm/yyyy`. Registry quirks handled here:
- a class or card without expiry says "Không thời hạn" where the date would be (A1, A, B1 never
  expire, and neither does a card holding one of them); canonically None;
- the licence's state is a phrase with diacritics, sometimes sent NFD-decomposed: compared in
  NFC ("Đang sử dụng", "Bị đình chỉ" when the points are exhausted, "Đã thu hồi");
- classes are a list of `{"hang", "ngay_cap", "ngay_het_han"}`, canonically
  `{"class", "issued_on", "expires_on"}` with ISO dates.
The card's `co_gia_tri_den` is the record's `valid_until` (the catalog's until_expiry rule); a
revoked licence is void whatever its expiry.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, ValidationError

from adapters.mapping_helpers import (
    DmyDate,
    Pin,
    StrictWire,
    WireFormatError,
    Words,
    dmy_or_word,
    from_iso,
    iso,
    validation_summary,
)
from shared_data.domain import RegistryRecord

NO_EXPIRY = "Không thời hạn"
STATES = Words({"active": "Đang sử dụng", "suspended": "Bị đình chỉ", "revoked": "Đã thu hồi"})
CLASSES = ("A1", "A", "B1", "B", "C1", "C", "D1", "D2", "D", "BE", "C1E", "CE", "D1E", "D2E", "DE")
Expiry = dmy_or_word(NO_EXPIRY)
LicenceNo = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
ClassName = Annotated[str, StringConstraints(pattern="^(" + "|".join(CLASSES) + ")$")]


LicenceState = Annotated[str, AfterValidator(STATES.check)]


class ClassWire(StrictWire):
    hang: ClassName
    ngay_cap: DmyDate
    ngay_het_han: Expiry  # type: ignore[valid-type]


class LicenceWire(StrictWire):
    so_gplx: LicenceNo
    so_cccd: Pin
    hang: Annotated[list[ClassWire], Field(min_length=1, max_length=len(CLASSES))]
    ngay_cap: DmyDate
    co_gia_tri_den: Expiry  # type: ignore[valid-type]
    tinh_trang: LicenceState
    diem: Annotated[int, Field(ge=0, le=12)]


def wire_to_record(body: Any) -> RegistryRecord:
    """A `giay_phep` object -> the canonical GPLX record (adapter side)."""
    try:
        w = LicenceWire.model_validate(body)
    except ValidationError as exc:
        raise WireFormatError(validation_summary(exc, "giay_phep")) from exc
    status = STATES.read(w.tinh_trang)
    classes = [{"class": c.hang, "issued_on": iso(c.ngay_cap), "expires_on": iso(c.ngay_het_han)}
               for c in w.hang]  # fmt: skip
    fields = {"dl_no": w.so_gplx, "pin": w.so_cccd, "classes": classes,
              "issue_date": iso(w.ngay_cap), "expiry_date": iso(w.co_gia_tri_den),
              "status": status, "points": w.diem}  # fmt: skip
    return RegistryRecord(
        record_id=w.so_gplx, fields=fields, issued_on=w.ngay_cap, valid_until=w.co_gia_tri_den,
        status=status,
    )  # fmt: skip


def _expiry(value: str | None) -> date | str:
    return from_iso(value) or NO_EXPIRY


def record_to_wire(record: RegistryRecord) -> dict[str, Any]:
    """The canonical GPLX record -> its `giay_phep` object (simulator side)."""
    f = record.fields
    classes = [{"hang": c["class"], "ngay_cap": from_iso(c["issued_on"]),
                "ngay_het_han": _expiry(c["expires_on"])} for c in f["classes"]]  # fmt: skip
    wire = LicenceWire.model_validate(
        {"so_gplx": f["dl_no"], "so_cccd": f["pin"], "hang": classes,
         "ngay_cap": from_iso(f["issue_date"]), "co_gia_tri_den": _expiry(f["expiry_date"]),
         "tinh_trang": STATES.write(f["status"]), "diem": f["points"]}
    )  # fmt: skip
    return wire.model_dump(mode="json")
