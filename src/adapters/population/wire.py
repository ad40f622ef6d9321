"""The population (DANCU) and residence (CUTRU) registries' JSON, as strict pydantic models.

Keys are Vietnamese without diacritics in camelCase (`soDinhDanh`, `hoVaTen`); attributes here
are their snake_case spelling. Unknown keys are dropped on parsing (`extra="ignore"`), so
nothing the registry adds is ever forwarded. Quirks handled here, once:
- dates are `dd/mm/yyyy`, never ISO;
- a card without expiry says `"Không thời hạn"` in `ngayHetHan` (cards issued from 58 on);
- text may arrive NFD-decomposed ("Nữ" as N + u + two combining marks): everything is
  normalised to NFC before it is compared or passed on.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic.alias_generators import to_camel

from adapters.mapping_helpers import DmyDate, dmy_or_word, nfc

NO_EXPIRY = "Không thời hạn"


Text = Annotated[str, BeforeValidator(nfc), StringConstraints(min_length=1, max_length=500)]
Pin = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
Cmnd9 = Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")]
WireDate = DmyDate
Expiry = dmy_or_word(NO_EXPIRY)
Sex = Annotated[Literal["Nam", "Nữ"], BeforeValidator(nfc)]
Relationship = Annotated[str, BeforeValidator(nfc), StringConstraints(min_length=1, max_length=40)]


class LookupKind(StrEnum):
    """DANCU's `loaiTraCuu`: which slice of the citizen record is asked for."""

    CARD = "THE_CAN_CUOC"
    LEGACY_ID = "SO_CMND_CU"
    HOUSEHOLD_RELATION = "QUAN_HE_CHU_HO"


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


# --- DANCU ---------------------------------------------------------------------------------

CitizenState = Literal["CON_SONG", "DA_MAT"]


class CardWire(WireModel):
    so_dinh_danh: Pin
    ho_va_ten: Text
    ngay_sinh: WireDate
    gioi_tinh: Sex
    quoc_tich: Text
    que_quan: Text
    noi_thuong_tru: Text
    ngay_cap: WireDate
    ngay_het_han: Expiry
    trang_thai: CitizenState


class LegacyIdWire(WireModel):
    so_dinh_danh: Pin
    so_cmnd: Annotated[Cmnd9, Field(alias="soCMND")]  # the registry's spelling, not soCmnd
    ho_va_ten: Text
    ngay_sinh: WireDate
    trang_thai: CitizenState


class HouseholdRelationWire(WireModel):
    so_dinh_danh: Pin
    so_dinh_danh_chu_ho: Pin
    quan_he_voi_chu_ho: Relationship
    trang_thai: CitizenState


class CardAnswer(WireModel):
    loai_tra_cuu: Literal[LookupKind.CARD]
    cong_dan: CardWire


class LegacyIdAnswer(WireModel):
    loai_tra_cuu: Literal[LookupKind.LEGACY_ID]
    cong_dan: LegacyIdWire


class HouseholdRelationAnswer(WireModel):
    loai_tra_cuu: Literal[LookupKind.HOUSEHOLD_RELATION]
    cong_dan: HouseholdRelationWire


# --- CUTRU ---------------------------------------------------------------------------------

ResidenceState = Literal["DANG_CU_TRU", "DA_XOA_DANG_KY"]


class PersonRef(WireModel):
    so_dinh_danh: Pin
    ho_va_ten: Text


class MemberWire(PersonRef):
    quan_he_voi_chu_ho: Relationship


class StayWire(WireModel):
    dia_chi: Text
    loai_cu_tru: Literal["THUONG_TRU", "TAM_TRU"]
    tu_ngay: WireDate
    den_ngay: WireDate | None = None


class ResidenceAnswer(WireModel):
    """`GET /api/v1/cutru/{soDinhDanh}`: what form CT07 confirms, as of `ngayXacNhan`."""

    so_dinh_danh: Pin
    ho_va_ten: Text
    noi_thuong_tru: Text
    noi_tam_tru: Text | None = None
    noi_o_hien_tai: Text
    chu_ho: PersonRef
    thanh_vien_ho: list[MemberWire]
    lich_su_cu_tru: list[StayWire]
    ngay_xac_nhan: WireDate
    trang_thai: ResidenceState


class HouseholdAnswer(WireModel):
    """`GET /api/v1/hogiadinh/{soDinhDanh}`: the household the old household book recorded."""

    so_dinh_danh: Pin
    noi_thuong_tru: Text
    chu_ho: PersonRef
    thanh_vien_ho: list[MemberWire]
    trang_thai: ResidenceState


class ErrorAnswer(WireModel):
    """Both registries' error body, e.g. `{"maLoi": "KHONG_TIM_THAY", "thongBao": "..."}`."""

    ma_loi: str
    thong_bao: str | None = None
