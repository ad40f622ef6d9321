"""DANCU / CUTRU mapping: pure wire <-> canonical conversions, no HTTP."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pytest

from adapters.population.mapping import (
    MAPPINGS,
    WireFormatError,
    record_from_wire,
    record_to_wire,
)
from shared_data.domain import RegistryRecord

MAU, THU = "001090912345", "001192934567"


def card_body(**changes: Any) -> dict[str, Any]:
    citizen = {
        "soDinhDanh": MAU, "hoVaTen": "Nguyễn Văn Mẫu", "ngaySinh": "14/05/1990",
        "gioiTinh": "Nam", "quocTich": "Việt Nam", "queQuan": "Xã Mẫu Quê, Hà Nội",
        "noiThuongTru": "Phường Mẫu Một, Hà Nội", "ngayCap": "10/04/2021",
        "ngayHetHan": "14/05/2030", "trangThai": "CON_SONG",
    }  # fmt: skip
    return {"loaiTraCuu": "THE_CAN_CUOC", "congDan": citizen | changes}


def residence_body(**changes: Any) -> dict[str, Any]:
    body = {
        "soDinhDanh": THU, "hoVaTen": "Trần Thị Thử", "noiThuongTru": "Phường Mẫu Một, Hà Nội",
        "noiTamTru": None, "noiOHienTai": "Phường Mẫu Một, Hà Nội",
        "chuHo": {"soDinhDanh": MAU, "hoVaTen": "Nguyễn Văn Mẫu"},
        "thanhVienHo": [
            {"soDinhDanh": MAU, "hoVaTen": "Nguyễn Văn Mẫu", "quanHeVoiChuHo": "Chủ hộ"},
            {"soDinhDanh": THU, "hoVaTen": "Trần Thị Thử", "quanHeVoiChuHo": "Vợ"},
        ],
        "lichSuCuTru": [
            {"diaChi": "Phường Mẫu Ba, Hà Nội", "loaiCuTru": "THUONG_TRU", "tuNgay": "09/11/1992",
             "denNgay": "20/10/2020"},
            {"diaChi": "Phường Mẫu Một, Hà Nội", "loaiCuTru": "THUONG_TRU", "tuNgay": "20/10/2020",
             "denNgay": None},
        ],
        "ngayXacNhan": "01/06/2026", "trangThai": "DANG_CU_TRU",
    }  # fmt: skip
    return body | changes


def test_card_maps_to_canonical_fields_with_iso_dates() -> None:
    record = record_from_wire("CCCD", card_body())
    assert record == RegistryRecord(
        record_id=MAU,
        fields={
            "pin": MAU,
            "full_name": "Nguyễn Văn Mẫu",
            "dob": "1990-05-14",
            "sex": "M",
            "nationality": "Việt Nam",
            "place_of_origin": "Xã Mẫu Quê, Hà Nội",
            "place_of_residence": "Phường Mẫu Một, Hà Nội",
            "issue_date": "2021-04-10",
            "expiry_date": "2030-05-14",
        },
        issued_on=date(2021, 4, 10),
        valid_until=date(2030, 5, 14),
        status="active",
    )


def test_card_without_expiry_says_so_in_words_and_has_no_valid_until() -> None:
    record = record_from_wire("CCCD", card_body(ngayHetHan="Không thời hạn"))
    assert record.valid_until is None and record.fields["expiry_date"] is None
    assert record_to_wire("CCCD", record)["congDan"]["ngayHetHan"] == "Không thời hạn"


def test_a_null_expiry_is_malformed_not_a_card_valid_forever() -> None:
    with pytest.raises(WireFormatError):
        record_from_wire("CCCD", card_body(ngayHetHan=None))


@pytest.mark.parametrize("value", ["1990-05-14", "14-05-1990", "31/02/1990", "4/5/1990", 19900514])
def test_dates_must_be_real_dd_mm_yyyy_dates(value: object) -> None:
    with pytest.raises(WireFormatError):
        record_from_wire("CCCD", card_body(ngaySinh=value))


def test_decomposed_unicode_is_normalised_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Trần Thị Thử")
    record = record_from_wire(
        "CCCD", card_body(hoVaTen=nfd, gioiTinh=unicodedata.normalize("NFD", "Nữ"))
    )
    assert record.fields["full_name"] == "Trần Thị Thử"
    assert record.fields["sex"] == "F"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("soDinhDanh", "00109091234"),
        ("soDinhDanh", "００１０９０９１２３４５"),  # full-width digits are not ASCII digits
        ("gioiTinh", "Male"),
        ("trangThai", "KHONG_RO"),
        ("hoVaTen", ""),
    ],
)
def test_values_outside_the_documented_shape_are_refused(field: str, value: str) -> None:
    with pytest.raises(WireFormatError):
        record_from_wire("CCCD", card_body(**{field: value}))


def test_a_missing_field_is_refused_and_the_error_names_where_not_what() -> None:
    body = card_body()
    del body["congDan"]["ngayCap"]
    body["congDan"]["soDinhDanh"] = "0010909123456"
    with pytest.raises(WireFormatError) as caught:
        record_from_wire("CCCD", body)
    assert "congDan.ngayCap" in str(caught.value)
    assert "0010909123456" not in str(caught.value)


def test_an_answer_of_another_lookup_kind_is_refused() -> None:
    with pytest.raises(WireFormatError):
        record_from_wire("XN_CMND9", card_body())


def test_malformed_json_is_refused() -> None:
    with pytest.raises(WireFormatError):
        record_from_wire("CT07", b'{"soDinhDanh": ')


def test_unknown_keys_are_dropped_at_every_level() -> None:
    body = residence_body(soDienThoai="0912345678")
    body["chuHo"]["ngheNghiep"] = "kỹ sư"
    body["thanhVienHo"][0]["ghiChu"] = "x"
    assert record_from_wire("CT07", body) == record_from_wire("CT07", residence_body())


def test_residence_maps_members_history_and_confirmation_date() -> None:
    record = record_from_wire("CT07", residence_body())
    assert record.issued_on == date(2026, 6, 1)
    assert record.fields["household_head"] == {"pin": MAU, "full_name": "Nguyễn Văn Mẫu"}
    assert [m["relationship"] for m in record.fields["members"]] == ["head", "wife"]
    assert record.fields["history"][0] == {
        "address": "Phường Mẫu Ba, Hà Nội", "kind": "permanent", "since": "1992-11-09",
        "until": "2020-10-20",
    }  # fmt: skip


def test_unknown_relationship_wording_becomes_other_and_case_does_not_matter() -> None:
    body = residence_body()
    body["thanhVienHo"][0]["quanHeVoiChuHo"] = "CHỦ HỘ"
    body["thanhVienHo"][1]["quanHeVoiChuHo"] = "Người ở nhờ"
    record = record_from_wire("CT07", body)
    assert [m["relationship"] for m in record.fields["members"]] == ["head", "other"]


def test_deregistered_residence_is_void() -> None:
    record = record_from_wire("CT07", residence_body(trangThai="DA_XOA_DANG_KY"))
    assert (record.status, record.voided_by) == ("deregistered", "residence_deregistered")


@pytest.mark.parametrize(("document_type", "void"), [("CCCD", "holder_deceased")])
def test_deceased_holder_voids_the_card(document_type: str, void: str) -> None:
    record = record_from_wire(document_type, card_body(trangThai="DA_MAT"))
    assert (record.status, record.voided_by) == ("deceased", void)


CANONICAL: dict[str, RegistryRecord] = {
    "XN_CMND9": RegistryRecord(
        record_id=MAU, status="deceased",
        fields={"pin": MAU, "cmnd9": "013912345", "full_name": "Nguyễn Văn Mẫu",
                "dob": "1990-05-14"},
    ),
    "QH_NHAN_THAN": RegistryRecord(
        record_id=THU, status="active",
        fields={"pin": THU, "household_head_pin": MAU, "relationship": "daughter_in_law"},
    ),
    "SO_HO_KHAU": RegistryRecord(
        record_id=THU, status="registered",
        fields={
            "pin": THU, "permanent_address": "Phường Mẫu Một, Hà Nội",
            "household_head": {"pin": MAU, "full_name": "Nguyễn Văn Mẫu"},
            "members": [{"pin": THU, "full_name": "Trần Thị Thử", "relationship": "grandchild"}],
        },
    ),
}  # fmt: skip


@pytest.mark.parametrize("document_type", sorted(MAPPINGS))
def test_canonical_to_wire_and_back_is_the_identity(document_type: str) -> None:
    samples = {
        "CCCD": record_from_wire("CCCD", card_body(ngayHetHan="Không thời hạn")),
        "CT07": record_from_wire("CT07", residence_body(noiTamTru="Số 3 phố Huế, Hà Nội")),
        **CANONICAL,
    }
    record = samples[document_type]
    assert record_from_wire(document_type, record_to_wire(document_type, record)) == record


def test_wire_keys_are_vietnamese_without_diacritics() -> None:
    wire = record_to_wire("CT07", record_from_wire("CT07", residence_body()))
    keys = set(wire) | set(wire["thanhVienHo"][0]) | set(wire["lichSuCuTru"][0])
    assert all(key.isascii() for key in keys)
    assert {"soDinhDanh", "hoVaTen", "noiThuongTru", "chuHo", "quanHeVoiChuHo"} <= keys
    assert record_to_wire("XN_CMND9", CANONICAL["XN_CMND9"])["congDan"]["soCMND"] == "013912345"
