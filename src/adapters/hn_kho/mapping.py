"""HN_KHO documents (the `data` object of a Pull-Doc answer) <-> canonical `RegistryRecord`s.

Pure: no I/O. Wire -> canonical serves the adapter and is strict (`StrictWire`: a missing key,
a wrong JSON type, a malformed date or an undocumented status word raises `MappingError`;
unknown keys are dropped). Canonical -> wire serves the simulator. Dates travel as dd/mm/yyyy;
canonical records carry ISO strings.

Registry quirks handled here:
- A construction permit carries `ngayKhoiCong` (the day construction started) once the owner
  has declared it. The permit then no longer lapses at `hanKhoiCong` (Construction Law 2014
  Art. 90(1)(d)): the record's `valid_until` is left empty, as the catalog's comment says.
- The status of a document (`trangThai`) lives in the Pull-Doc envelope, not in `data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import StringConstraints, ValidationError

from adapters.mapping_helpers import (
    DmyDate,
    NfcText,
    StrictWire,
    WireFormatError,
    Words,
    from_iso,
    iso,
    validation_summary,
)
from shared_data.domain import RegistryRecord


class MappingError(WireFormatError):
    """The JSON is not a complete, well-typed HN_KHO document."""


# Canonical record status <-> the Kho's word for it.
STATUS = Words({"active": "HIEU_LUC", "revoked": "THU_HOI", "superseded": "THAY_THE"})

# The owner of a result: a PIN (12 digits) or a tax code (10 digits, optional branch suffix).
OwnerId = Annotated[str, StringConstraints(pattern=r"^([0-9]{12}|[0-9]{10}(-[0-9]{3})?)$")]
ParcelKey = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}-[0-9]{1,4}-[0-9]{1,5}$")]
FileHash = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]


class PermitWire(StrictWire):
    soGiayPhep: NfcText
    chuDauTu: OwnerId
    maThuaDat: ParcelKey
    quyMo: NfcText
    ngayCap: DmyDate
    hanKhoiCong: DmyDate
    ngayKhoiCong: DmyDate | None = None


class CertifiedCopyWire(StrictWire):
    soBanSao: NfcText
    loaiGiayToGoc: NfcText
    chuSoHuu: OwnerId
    coQuanChungThuc: NfcText
    ngayChungThuc: DmyDate
    maBam: FileHash


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    model: type[StrictWire]
    keys: dict[str, str]  # canonical field -> wire key
    issued: str  # canonical field holding the issue date
    expiry: str | None = None  # canonical field holding the expiry date, if any


SPECS: dict[str, DocumentSpec] = {
    "GIAY_PHEP_XAY_DUNG": DocumentSpec(
        PermitWire,
        {
            "permit_no": "soGiayPhep",
            "owner_id": "chuDauTu",
            "parcel_key": "maThuaDat",
            "scale": "quyMo",
            "issue_date": "ngayCap",
            "expiry_of_commencement": "hanKhoiCong",
        },
        issued="issue_date",
        expiry="expiry_of_commencement",
    ),
    "BAN_SAO_DIEN_TU": DocumentSpec(
        CertifiedCopyWire,
        {
            "copy_no": "soBanSao",
            "source_doc_type": "loaiGiayToGoc",
            "owner_id": "chuSoHuu",
            "certifying_authority": "coQuanChungThuc",
            "certified_at": "ngayChungThuc",
            "file_hash": "maBam",
        },
        issued="certified_at",
    ),
}
# Not a catalog field: it only decides whether the permit can still lapse.
COMMENCED = "ngayKhoiCong"


def wire_to_record(document_type: str, doc_id: str, data: Any, status: str) -> RegistryRecord:
    """`data` of a Pull-Doc answer (and the envelope's status word) -> canonical record."""
    spec = SPECS[document_type]
    try:
        wire = spec.model.model_validate(data)
        canonical_status = STATUS.read(status)
    except ValidationError as exc:
        raise MappingError(validation_summary(exc, "data")) from exc
    except ValueError as exc:
        raise MappingError("undocumented trangThai") from exc
    fields: dict[str, Any] = {}
    for name, key in spec.keys.items():
        value = getattr(wire, key)
        fields[name] = iso(value) if isinstance(value, date) else value
    commenced = getattr(wire, COMMENCED, None)
    expiry = from_iso(fields[spec.expiry]) if spec.expiry and commenced is None else None
    return RegistryRecord(
        record_id=doc_id,
        fields=fields,
        issued_on=from_iso(fields[spec.issued]),
        valid_until=expiry,
        status=canonical_status,
    )


def record_to_wire(
    document_type: str, record: RegistryRecord, commenced_on: date | None = None
) -> dict[str, Any]:
    """Canonical record -> `data` JSON object (simulator side)."""
    spec = SPECS[document_type]
    values: dict[str, Any] = {}
    for name, key in spec.keys.items():
        value = record.fields[name]
        values[key] = from_iso(value) if key in _DATE_KEYS else value
    if commenced_on is not None:
        values[COMMENCED] = commenced_on
    return spec.model.model_validate(values).model_dump(mode="json", exclude_none=True)


_DATE_KEYS = frozenset({"ngayCap", "hanKhoiCong", "ngayChungThuc"})
