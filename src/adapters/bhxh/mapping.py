"""BHXH results (the `result` of a JSON-RPC answer) <-> canonical `RegistryRecord`s. Pure.

Canonical -> wire serves the simulator; wire -> canonical serves the adapter and is strict: a
missing key, a wrong JSON type, a malformed code or date, or totals that disagree with the
periods raise `WireFormatError`. Unknown keys are dropped, never forwarded.

Registry quirks handled here:
- contribution months travel as `mm/yyyy` (canonical `yyyy-mm`), card dates as `yyyymmdd`;
- a health-insurance card the registry holds without its data is answered
  `{"theBhyt": {"khongKhaDung": true}}` (MyInfo's `unavailable: true`): that is neither a
  card nor "no record", and decodes to `Decoded.record = None`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, ValidationError

from adapters.mapping_helpers import (
    CamelWire,
    NfcText,
    Pin,
    WireFormatError,
    iso,
    validation_summary,
)
from shared_data.domain import RegistryRecord

_MONTH_RE = re.compile(r"^([0-9]{2})/([0-9]{4})$")
_YMD_RE = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")


def _keep(parse: Any) -> Any:
    return lambda value: value if isinstance(value, date) else parse(value)


def parse_month(raw: Any) -> date:
    """`mm/yyyy` -> the first day of that month."""
    match = _MONTH_RE.match(raw) if isinstance(raw, str) else None
    if match is None or not 1 <= int(match.group(1)) <= 12:
        raise ValueError("expected a mm/yyyy month")
    return date(int(match.group(2)), int(match.group(1)), 1)


def parse_ymd(raw: Any) -> date:
    """`yyyymmdd` -> date."""
    match = _YMD_RE.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise ValueError("expected a yyyymmdd date")
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)


Month = Annotated[
    date,
    BeforeValidator(_keep(parse_month)),
    PlainSerializer(lambda d: f"{d.month:02d}/{d.year:04d}", return_type=str),
]
YmdDate = Annotated[
    date,
    BeforeValidator(_keep(parse_ymd)),
    PlainSerializer(lambda d: d.strftime("%Y%m%d"), return_type=str),
]
SiCode = Annotated[str, Field(pattern=r"^[0-9]{10}$")]
Count = Annotated[int, Field(ge=0)]


class PeriodWire(CamelWire):
    tu_thang: Month
    den_thang: Month | None
    ma_don_vi: Annotated[str, Field(pattern=r"^[0-9]{10}$")]
    co_bhtn: bool
    so_thang: Count


class HistoryWire(CamelWire):
    ma_so_bhxh: SiCode
    so_dinh_danh: Pin
    qua_trinh_dong: list[PeriodWire]
    tong_so_thang: Count
    so_thang_bhtn: Count


class FacilityWire(CamelWire):
    ma: Annotated[str, Field(pattern=r"^[0-9]{2}-[0-9]{3}$")]
    ten: NfcText


class CardWire(CamelWire):
    ma_the: Annotated[str, Field(pattern=r"^[A-Z]{2}[1-5][0-9]{12}$")]
    gia_tri_tu: YmdDate
    gia_tri_den: YmdDate
    noi_dkkcb_ban_dau: FacilityWire


class CardUnavailableWire(CamelWire):
    khong_kha_dung: Literal[True]


class CardAnswerWire(CamelWire):
    ma_so_bhxh: SiCode
    so_dinh_danh: Pin
    the_bhyt: CardWire | CardUnavailableWire


@dataclass(frozen=True, slots=True)
class Decoded:
    """A found answer: whom it is about, and the record (None: held without its data)."""

    pin: str
    si_code: str
    record: RegistryRecord | None


def _validate(model: type[CamelWire], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise WireFormatError(validation_summary(exc, "result")) from exc


def _history(wire: HistoryWire) -> RegistryRecord:
    periods = [
        {
            "from": p.tu_thang.strftime("%Y-%m"),
            "to": p.den_thang.strftime("%Y-%m") if p.den_thang else None,
            "employer_code": p.ma_don_vi,
            "months": p.so_thang,
            "unemployment_insurance": p.co_bhtn,
        }
        for p in wire.qua_trinh_dong
    ]
    total = sum(p.so_thang for p in wire.qua_trinh_dong)
    ui = sum(p.so_thang for p in wire.qua_trinh_dong if p.co_bhtn)
    if (total, ui) != (wire.tong_so_thang, wire.so_thang_bhtn):
        raise WireFormatError("malformed result: totals disagree with the periods")
    fields = {
        "pin": wire.so_dinh_danh,
        "si_code": wire.ma_so_bhxh,
        "periods": periods,
        "employer_codes": list(dict.fromkeys(p.ma_don_vi for p in wire.qua_trinh_dong)),
        "total_months": total,
        "ui_months": ui,
    }
    return RegistryRecord(record_id=wire.ma_so_bhxh, fields=fields)


def _card(wire: CardAnswerWire) -> RegistryRecord | None:
    card = wire.the_bhyt
    if isinstance(card, CardUnavailableWire):
        return None
    if card.gia_tri_den < card.gia_tri_tu:
        raise WireFormatError("malformed result: card valid to before valid from")
    if card.ma_the[-10:] != wire.ma_so_bhxh:
        raise WireFormatError("malformed result: card number of another insurance code")
    facility = card.noi_dkkcb_ban_dau
    fields = {
        "pin": wire.so_dinh_danh,
        "card_no": card.ma_the,
        "valid_from": iso(card.gia_tri_tu),
        "valid_to": iso(card.gia_tri_den),
        "primary_care_facility": {"code": facility.ma, "name": facility.ten},
    }
    return RegistryRecord(
        record_id=card.ma_the,
        fields=fields,
        issued_on=card.gia_tri_tu,
        valid_until=card.gia_tri_den,
    )


def wire_to_answer(document_type: str, result: Any) -> Decoded:
    """The `result` of a found answer -> `Decoded` (adapter side)."""
    if document_type == "SO_BHXH":
        history: HistoryWire = _validate(HistoryWire, result)
        return Decoded(history.so_dinh_danh, history.ma_so_bhxh, _history(history))
    answer: CardAnswerWire = _validate(CardAnswerWire, result)
    return Decoded(answer.so_dinh_danh, answer.ma_so_bhxh, _card(answer))


def _dump(model: CamelWire) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)


def record_to_wire(document_type: str, record: RegistryRecord) -> dict[str, Any]:
    """Canonical record -> `result` (simulator side)."""
    f = record.fields
    if document_type == "SO_BHXH":
        periods = [
            PeriodWire(
                tu_thang=date.fromisoformat(p["from"] + "-01"),
                den_thang=date.fromisoformat(p["to"] + "-01") if p["to"] else None,
                ma_don_vi=p["employer_code"],
                co_bhtn=p["unemployment_insurance"],
                so_thang=p["months"],
            )
            for p in f["periods"]
        ]
        return _dump(
            HistoryWire(
                ma_so_bhxh=f["si_code"],
                so_dinh_danh=f["pin"],
                qua_trinh_dong=periods,
                tong_so_thang=f["total_months"],
                so_thang_bhtn=f["ui_months"],
            )
        )
    facility = f["primary_care_facility"]
    card = CardWire(
        ma_the=f["card_no"],
        gia_tri_tu=date.fromisoformat(f["valid_from"]),
        gia_tri_den=date.fromisoformat(f["valid_to"]),
        noi_dkkcb_ban_dau=FacilityWire(ma=facility["code"], ten=facility["name"]),
    )
    # The card number ends with the holder's social-insurance code (object, province, code).
    si_code = f["card_no"][-10:]
    return _dump(CardAnswerWire(ma_so_bhxh=si_code, so_dinh_danh=f["pin"], the_bhyt=card))


def unavailable_card_to_wire(pin: str, si_code: str) -> dict[str, Any]:
    """The registry's answer for a card it holds without its data (simulator side)."""
    unavailable = CardUnavailableWire(khong_kha_dung=True)
    return _dump(CardAnswerWire(ma_so_bhxh=si_code, so_dinh_danh=pin, the_bhyt=unavailable))
