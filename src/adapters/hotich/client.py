"""HOTICH protocol: the SOAP 1.1 envelope, safe XML parsing, the query and result messages,
authentication and the HTTP-level checks of an answer.

Wire format (synthetic, shaped like the MoJ's SOAP services):

    POST /ws/tracuu                       Authorization: Bearer <token>
    Content-Type: text/xml; charset=utf-8 SOAPAction: "urn:hotich:TraCuuHoTich"
    <soap:Envelope><soap:Body><TraCuuHoTich>
      <MaGiaoDich>..</MaGiaoDich><MaGiayTo>KHAI_SINH</MaGiayTo><SoDinhDanh>..</SoDinhDanh>
    </TraCuuHoTich></soap:Body></soap:Envelope>

answered with `<KetQua>` (TrangThai 00 found, 01 no record, 02 bad request, 99 system error;
the echoed MaGiaoDich, MaGiayTo and SoDinhDanh; zero or more `<GiayTo>`; for XN_TTHN also
`<TinhTrangHienTai>`, the status code today, and `<NgayBienDongGanNhat>`), or a SOAP Fault with
HTTP 500 (401 when the token is refused): the shared transport reads both as HTTP errors, so only a
Fault inside a 200 reaches `decode_result`. Dates are dd/mm/yyyy (see `mapping.parse_date`).
`GET /ws?wsdl` is the cheap probe. Both the adapter and the simulator use this module.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from xml.sax.saxutils import escape

from adapters.hotich.mapping import (
    FIELDS,
    MappingError,
    add_text,
    child_text,
    decode_record,
    encode_record,
    format_date,
    marital_from_wire,
    marital_to_wire,
    parse_date,
    required_text,
)
from adapters.transport import XML_MEDIA_TYPES
from shared_data.domain import RegistryRecord

REGISTRY_ID = "HOTICH"
QUERY_PATH = "/ws/tracuu"
WSDL_PATH = "/ws"
SOAP_ACTION = '"urn:hotich:TraCuuHoTich"'
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_ENV = f"{{{SOAP_NS}}}"
MEDIA_TYPES = XML_MEDIA_TYPES
HEADERS: Mapping[str, str] = {}  # nothing but the credential (`auth_headers`)
# Any DTD is refused before parsing: entity expansion (billion laughs) and external entities
# (XXE) both need one, and no HOTICH message legitimately carries a DOCTYPE.
_DTD_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class Code(StrEnum):
    """`<TrangThai>` of a `<KetQua>`; only NO_RECORD is an authoritative not_found."""

    FOUND = "00"
    NO_RECORD = "01"
    INVALID_REQUEST = "02"
    SYSTEM_ERROR = "99"


MESSAGES: dict[str, str] = {
    Code.FOUND: "Thành công",
    Code.NO_RECORD: "Không có dữ liệu",
    Code.INVALID_REQUEST: "Yêu cầu không hợp lệ",
    Code.SYSTEM_ERROR: "Lỗi hệ thống",
}


@dataclass(frozen=True, slots=True)
class Query:
    tx_id: str
    document_type: str
    pin: str


@dataclass(frozen=True, slots=True)
class Result:
    code: str
    tx_id: str | None = None
    document_type: str | None = None
    pin: str | None = None
    records: tuple[RegistryRecord, ...] = ()
    # XN_TTHN only: the person's marital status today and the date it last changed.
    current_marital_status: str | None = None
    last_marital_change_on: date | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    code: str
    message: str


def auth_headers(token: str) -> dict[str, str]:
    """What the HOTICH gateway expects on every call."""
    return {"Authorization": f"Bearer {token}"}


def parse_xml(body: bytes) -> ET.Element:
    """Parse bytes safely: UTF-8 only, no DTD, no entities."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MappingError("body is not UTF-8") from exc
    if _DTD_RE.search(text):
        raise MappingError("DTD or entity declaration refused")
    try:
        # A str input makes expat read UTF-8 whatever the XML declaration claims.
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise MappingError(f"malformed XML: {exc}") from exc


def _write(el: ET.Element, out: list[str]) -> None:
    tag = el.tag.replace(_ENV, "soap:")
    out.append(f"<{tag}>{escape(el.text or '')}")
    for child in el:
        _write(child, out)
    out.append(f"</{tag}>")


def wrap(payload: ET.Element) -> bytes:
    """Put one message into a SOAP envelope.

    Written directly rather than by `ET.tostring`, which costs the simulator ~3x more per
    answer; our messages have no attributes, no tails and no namespace but soap:.
    """
    out = [f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_NS}">']
    out.append("<soap:Body>")
    _write(payload, out)
    out.append("</soap:Body></soap:Envelope>")
    return "".join(out).encode("utf-8")


def unwrap(body: bytes) -> ET.Element:
    """The one element inside the SOAP Body of `body`."""
    root = parse_xml(body)
    bodies = root.findall(_ENV + "Body")
    if root.tag != _ENV + "Envelope" or len(bodies) != 1 or len(bodies[0]) != 1:
        raise MappingError("not a SOAP envelope with exactly one element in its Body")
    return bodies[0][0]


def encode_query(query: Query) -> bytes:
    el = ET.Element("TraCuuHoTich")
    add_text(el, "MaGiaoDich", query.tx_id)
    add_text(el, "MaGiayTo", query.document_type)
    add_text(el, "SoDinhDanh", query.pin)
    return wrap(el)


def decode_query(body: bytes) -> Query:
    el = unwrap(body)
    if el.tag != "TraCuuHoTich":
        raise MappingError("expected <TraCuuHoTich>")
    return Query(
        required_text(el, "MaGiaoDich"),
        required_text(el, "MaGiayTo"),
        required_text(el, "SoDinhDanh"),
    )


def encode_result(result: Result) -> bytes:
    el = ET.Element("KetQua")
    add_text(el, "MaGiaoDich", result.tx_id)
    add_text(el, "TrangThai", result.code)
    add_text(el, "MoTa", MESSAGES.get(result.code))
    add_text(el, "MaGiayTo", result.document_type)
    add_text(el, "SoDinhDanh", result.pin)
    for record in result.records:
        el.append(encode_record(str(result.document_type), record))
    status, change = result.current_marital_status, result.last_marital_change_on
    add_text(el, "TinhTrangHienTai", marital_to_wire(status) if status else None)
    add_text(el, "NgayBienDongGanNhat", format_date(change) if change else None)
    return wrap(el)


def encode_fault(fault: Fault) -> bytes:
    el = ET.Element(_ENV + "Fault")
    add_text(el, "faultcode", fault.code)
    add_text(el, "faultstring", fault.message)
    return wrap(el)


def decode_result(body: bytes) -> Result | Fault:
    """Response body -> `Result` (records decoded for the echoed document type) or `Fault`."""
    el = unwrap(body)
    if el.tag == _ENV + "Fault":
        return Fault(child_text(el, "faultcode") or "", child_text(el, "faultstring") or "")
    if el.tag != "KetQua":
        raise MappingError("expected <KetQua> or a SOAP Fault")
    document_type, items = child_text(el, "MaGiayTo"), el.findall("GiayTo")
    if items and document_type not in FIELDS:
        raise MappingError("records without a known <MaGiayTo>")
    change = child_text(el, "NgayBienDongGanNhat")
    return Result(
        code=required_text(el, "TrangThai"),
        tx_id=child_text(el, "MaGiaoDich"),
        document_type=document_type,
        pin=child_text(el, "SoDinhDanh"),
        records=tuple(decode_record(str(document_type), item) for item in items),
        current_marital_status=marital_from_wire(
            child_text(el, "TinhTrangHienTai"), "TinhTrangHienTai"
        ),
        last_marital_change_on=parse_date(change) if change else None,
    )
