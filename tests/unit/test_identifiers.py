"""Identifier validation: every rule of every scheme of DOMAIN.md 11.2, valid and invalid."""

from __future__ import annotations

from datetime import date

import pytest

from shared_data.domain import Subject
from shared_data.errors import InvalidIdentifierError, UnknownSchemeError
from shared_data.identifiers import (
    SCHEMES,
    IdentifierRule,
    PinInfo,
    mst_check_digit,
    parse_pin,
    validate_identifier,
)
from shared_data.provinces import PROVINCES

TODAY = date(2026, 6, 1)
FAR_FUTURE = date(2399, 12, 31)


def rejected(scheme: str, value: str, **kwargs: date) -> InvalidIdentifierError:
    """Validate expecting a refusal; return the error for the test to inspect."""
    with pytest.raises(InvalidIdentifierError) as caught:
        validate_identifier(scheme, value, **kwargs)
    assert caught.value.scheme == scheme
    assert caught.value.rule in set(IdentifierRule)
    return caught.value


# --- schemes -----------------------------------------------------------------------------------


def test_schemes_are_exactly_those_of_the_catalog() -> None:
    assert {
        "PIN",
        "CMND9",
        "MST",
        "ENTERPRISE_CODE",
        "BRANCH_CODE",
        "HKD_REG_NO",
        "SI_CODE",
        "CIVIL_REG_NO",
        "PARCEL_KEY",
        "LAND_CERT_SERIAL",
        "DL_NO",
        "PLATE_NO",
        "HEALTH_DOC_NO",
        "DIPLOMA_NO",
        "HOUSEHOLD_ID",
        "DOSSIER_NO",
    } == SCHEMES


@pytest.mark.parametrize("scheme", ["CCCD", "pin", "Pin", " PIN", "PIN ", ""])
def test_unknown_or_miscased_scheme_is_refused_listing_supported_ones(scheme: str) -> None:
    with pytest.raises(UnknownSchemeError) as caught:
        validate_identifier(scheme, "001090912345", today=TODAY)
    assert repr(scheme) in caught.value.detail
    assert "ENTERPRISE_CODE" in caught.value.detail
    assert "PIN" in caught.value.detail


def test_unknown_scheme_error_quotes_at_most_forty_characters_of_the_scheme() -> None:
    with pytest.raises(UnknownSchemeError) as caught:
        validate_identifier("X" * 41 + "SECRET", "1", today=TODAY)
    assert "X" * 41 not in caught.value.detail
    assert "SECRET" not in caught.value.detail


# --- PIN: valid --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "001090912345",  # DOMAIN 11.2: Hà Nội, male, 1990
        "001192934567",  # Hà Nội, female, 1992
        "001225956789",  # Hà Nội, male, 2025
        "001326900001",  # Hà Nội, female, 2026
        "001088987654",  # DOMAIN 11.5 fixtures
        "001195923456",
        "001070911111",
        "001090999999",
        "079200000001",  # TP HCM
    ],
)
def test_valid_pin_is_returned_unchanged_as_subject(value: str) -> None:
    assert validate_identifier("PIN", value, today=TODAY) == Subject(scheme="PIN", value=value)


def test_parse_pin_decodes_province_sex_century_year_and_serial() -> None:
    assert parse_pin("001192934567", today=TODAY) == PinInfo(
        province_code="001",
        province_name="Hà Nội",
        sex="F",
        century=20,
        birth_year=1992,
        serial="934567",
    )


def test_parse_pin_names_ho_chi_minh_city_for_code_079() -> None:
    assert parse_pin("079090912345", today=TODAY).province_name == "TP Hồ Chí Minh"


def test_parse_pin_defaults_today_to_the_current_date() -> None:
    assert parse_pin("001090912345").birth_year == 1990


def test_province_table_holds_the_63_legacy_provinces_from_001_to_096() -> None:
    assert len(PROVINCES) == 63
    assert min(PROVINCES) == "001"
    assert max(PROVINCES) == "096"


@pytest.mark.parametrize("code", sorted(PROVINCES))
def test_every_province_code_of_the_table_is_accepted(code: str) -> None:
    assert parse_pin(f"{code}090912345", today=TODAY).province_name == PROVINCES[code]


@pytest.mark.parametrize(
    ("digit", "sex", "century", "birth_year"),
    [
        ("0", "M", 20, 1990),
        ("1", "F", 20, 1990),
        ("2", "M", 21, 2090),
        ("3", "F", 21, 2090),
        ("4", "M", 22, 2190),
        ("5", "F", 22, 2190),
        ("6", "M", 23, 2290),
        ("7", "F", 23, 2290),
        ("8", "M", 24, 2390),
        ("9", "F", 24, 2390),
    ],
)
def test_gender_century_digit_maps_to_sex_and_century(
    digit: str, sex: str, century: int, birth_year: int
) -> None:
    info = parse_pin(f"001{digit}90912345", today=FAR_FUTURE)
    assert (info.sex, info.century, info.birth_year) == (sex, century, birth_year)


# --- PIN: invalid characters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "００１０９０９１２３４５",  # full-width digits
        "００１090912345",  # full-width digits mixed with ASCII
        "٠٠١٠٩٠٩١٢٣٤٥",  # Arabic-Indic digits
        "۰۰۱۰۹۰۹۱۲۳۴۵",  # Extended Arabic-Indic (Persian) digits
        "००१०९०९१२३४५",  # Devanagari digits
        "00109091234²",  # superscript two: str.isdigit() says True
        "OO1090912345",  # letter O for zero
        "001O90912345",
        "l01090912345",  # letter l for one
    ],
)
def test_pin_with_non_ascii_digits_or_letters_is_rejected_naming_ascii_rule(value: str) -> None:
    error = rejected("PIN", value, today=TODAY)
    assert error.rule == "ascii_digits_only"
    assert "12 ASCII digits" in error.detail


def test_pin_with_fullwidth_digits_is_rejected_naming_the_character() -> None:
    error = rejected("PIN", "００１０９０９１２３４５", today=TODAY)
    assert "character 1 is U+FF10 FULLWIDTH DIGIT ZERO" in error.detail


@pytest.mark.parametrize(
    "value",
    [
        " 001090912345",  # leading space
        "001090912345 ",  # trailing space
        "001 090 912 345",  # inner spaces
        "001090912345\n",  # trailing newline
        "\t001090912345",  # tab
        "001090\u00a0912345",  # no-break space
        "001090\u3000912345",  # ideographic (full-width) space
        "001090\u200b912345",  # zero-width space
    ],
)
def test_pin_with_whitespace_anywhere_is_rejected_not_stripped(value: str) -> None:
    assert rejected("PIN", value, today=TODAY).rule == "ascii_digits_only"


@pytest.mark.parametrize(
    "value",
    ["+001090912345", "-001090912345", "001.090.912.345", "001-090-912345", "0010909123.5"],
)
def test_pin_with_signs_dots_or_dashes_is_rejected(value: str) -> None:
    assert rejected("PIN", value, today=TODAY).rule == "ascii_digits_only"


def test_pin_error_names_the_position_of_the_first_bad_character() -> None:
    error = rejected("PIN", "001090912345 ", today=TODAY)
    assert "character 13 is U+0020 SPACE" in error.detail


# --- PIN: length, province, year ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "length"),
    [("00109091234", 11), ("0010909123456", 13), ("", 0), ("001", 3)],
)
def test_pin_of_wrong_length_is_rejected_stating_the_length(value: str, length: int) -> None:
    error = rejected("PIN", value, today=TODAY)
    assert error.rule == "length"
    assert error.detail == (
        "PIN must be exactly 12 ASCII digits 0-9, with no spaces, signs or separators; "
        f"got {length} characters."
    )


@pytest.mark.parametrize("code", ["000", "003", "005", "028", "090", "097", "099", "100", "999"])
def test_pin_with_unassigned_or_gap_province_code_is_rejected(code: str) -> None:
    error = rejected("PIN", f"{code}090912345", today=TODAY)
    assert error.rule == "province_code"
    assert repr(code) in error.detail


def test_pin_born_this_year_is_accepted() -> None:
    subject = validate_identifier("PIN", "001326900001", today=date(2026, 1, 1))
    assert subject.value == "001326900001"


def test_pin_born_next_year_is_rejected_as_future() -> None:
    error = rejected("PIN", "001327900001", today=date(2026, 12, 31))
    assert error.rule == "birth_year_in_future"
    assert "2027" in error.detail


def test_pin_born_in_2026_is_rejected_while_today_is_still_2025() -> None:
    assert rejected("PIN", "001326900001", today=date(2025, 12, 31)).rule == "birth_year_in_future"


@pytest.mark.parametrize("digit", ["4", "5", "6", "7", "8", "9"])
def test_pin_with_a_future_century_code_is_rejected_today(digit: str) -> None:
    assert rejected("PIN", f"001{digit}90912345", today=TODAY).rule == "birth_year_in_future"


def test_domain_negative_example_century_4_year_2190_is_rejected() -> None:
    error = rejected("PIN", "001490912345", today=TODAY)
    assert error.rule == "birth_year_in_future"
    assert "2190" in error.detail


@pytest.mark.parametrize(
    ("value", "dob"),
    [("001090912345", date(1990, 5, 14)), ("001225956789", date(2025, 8, 20))],
)
def test_pin_matching_the_declared_birth_year_is_accepted(value: str, dob: date) -> None:
    assert validate_identifier("PIN", value, declared_dob=dob, today=TODAY).value == value


@pytest.mark.parametrize(
    ("value", "dob"),
    [
        ("001090912345", date(1991, 5, 14)),  # year off by one
        ("001090912345", date(2090, 5, 14)),  # same two digits, other century
        ("001225956789", date(1925, 8, 20)),
    ],
)
def test_pin_contradicting_the_declared_birth_year_is_rejected(value: str, dob: date) -> None:
    error = rejected("PIN", value, declared_dob=dob, today=TODAY)
    assert error.rule == "dob_mismatch"
    assert f"birth year {parse_pin(value, today=TODAY).birth_year}" in error.detail


def test_pin_errors_do_not_echo_the_number() -> None:
    error = rejected("PIN", "000090912345", today=TODAY)
    assert "000090912345" not in error.detail


# --- CMND9 -------------------------------------------------------------------------------------


def test_valid_cmnd9_is_returned_unchanged() -> None:
    assert validate_identifier("CMND9", "012345678", today=TODAY).value == "012345678"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("01234567", "length"),
        ("0123456789", "length"),
        ("０１２３４５６７８", "ascii_digits_only"),
        ("٠١٢٣٤٥٦٧٨", "ascii_digits_only"),
        (" 012345678", "ascii_digits_only"),
        ("012 345 678", "ascii_digits_only"),
        ("012345678 ", "ascii_digits_only"),
        ("+12345678", "ascii_digits_only"),
        ("01234567A", "ascii_digits_only"),
    ],
)
def test_malformed_cmnd9_is_rejected(value: str, rule: str) -> None:
    assert rejected("CMND9", value, today=TODAY).rule == rule


# --- tax codes: check digit --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "check"),
    [
        ("010023348", 8),  # 0100233488, DOMAIN 5.5 and python-stdnum
        ("031440905", 8),  # 0314409058, DOMAIN 5.5 and python-stdnum
        ("019990001", 8),  # 0199900018
        ("019990002", 5),  # 0199900025
        ("019990003", 2),  # 0199900032
        ("010011243", 7),  # 0100112437, python-stdnum doctest
        ("031268787", 8),  # 0312687878, python-stdnum doctest
        ("019990004", None),  # sum mod 11 == 0: stem never issued
    ],
)
def test_mst_check_digit_matches_the_weighted_mod_11_table(stem: str, check: int | None) -> None:
    assert mst_check_digit(stem) == check


@pytest.mark.parametrize(
    "stem", ["01999000", "0199900011", "01999000Ｘ", "０19990001", " 19990001"]
)
def test_mst_check_digit_refuses_anything_but_nine_ascii_digits(stem: str) -> None:
    with pytest.raises(ValueError, match="9 ASCII digits"):
        mst_check_digit(stem)


# --- tax codes: MST ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("0199900018", "0199900018"),
        ("0199900025", "0199900025"),
        ("0199900025-001", "0199900025-001"),
        ("0100233488", "0100233488"),
        ("0314409058", "0314409058"),
        ("0314409058-002", "0314409058-002"),
        ("0199900025999", "0199900025-999"),
        ("0199900025001", "0199900025-001"),
    ],
)
def test_valid_mst_is_returned_in_canonical_form(value: str, canonical: str) -> None:
    assert validate_identifier("MST", value, today=TODAY) == Subject(scheme="MST", value=canonical)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("0199900019", "check_digit"),
        ("0100233480", "check_digit"),
        ("0199900026-001", "check_digit"),
        ("0199900040", "stem_never_issued"),
        ("0199900041", "stem_never_issued"),
        ("0199900025-000", "branch_suffix"),
        ("0199900025000", "branch_suffix"),
        ("0100000000", "sequence_zero"),
        ("0100000009", "sequence_zero"),
        ("019990001", "length"),
        ("01999000181", "length"),
        ("019990001800", "length"),
        ("01999000180012", "length"),
        ("", "length"),
        ("01.00.233.488", "ascii_digits_only"),
        ("0312 68 78 78 - 001", "ascii_digits_only"),
        (" 0199900018", "ascii_digits_only"),
        ("0199900018 ", "ascii_digits_only"),
        ("0199900018\t", "ascii_digits_only"),
        ("+0199900018", "ascii_digits_only"),
        ("０１９９９０００１８", "ascii_digits_only"),
        ("٠١٩٩٩٠٠٠١٨", "ascii_digits_only"),
        ("0199900025–001", "ascii_digits_only"),  # en dash, not a hyphen-minus
        ("-0199900018", "format"),
        ("0199900018-", "format"),
        ("01999-00018", "format"),
        ("0199900025-01", "format"),
        ("0199900025--001", "format"),
        ("0199900025-0011", "format"),
    ],
)
def test_invalid_mst_is_rejected_naming_the_broken_rule(value: str, rule: str) -> None:
    assert rejected("MST", value, today=TODAY).rule == rule


def test_mst_check_digit_error_states_the_expected_digit() -> None:
    error = rejected("MST", "0199900019", today=TODAY)
    assert "is 9 but digits 1-9 require 8" in error.detail


# --- tax codes: ENTERPRISE_CODE and BRANCH_CODE ------------------------------------------------


def test_enterprise_code_without_suffix_is_accepted() -> None:
    subject = validate_identifier("ENTERPRISE_CODE", "0199900025", today=TODAY)
    assert subject == Subject(scheme="ENTERPRISE_CODE", value="0199900025")


@pytest.mark.parametrize("value", ["0199900025-001", "0199900025001"])
def test_enterprise_code_with_branch_suffix_is_rejected(value: str) -> None:
    assert rejected("ENTERPRISE_CODE", value, today=TODAY).rule == "branch_suffix"


@pytest.mark.parametrize(
    ("value", "rule"),
    [("0199900019", "check_digit"), ("0199900040", "stem_never_issued"), ("01999000", "length")],
)
def test_enterprise_code_follows_the_mst_rules(value: str, rule: str) -> None:
    assert rejected("ENTERPRISE_CODE", value, today=TODAY).rule == rule


@pytest.mark.parametrize("value", ["0199900025-001", "0199900025001"])
def test_branch_code_with_suffix_is_accepted_in_dashed_form(value: str) -> None:
    subject = validate_identifier("BRANCH_CODE", value, today=TODAY)
    assert subject == Subject(scheme="BRANCH_CODE", value="0199900025-001")


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("0199900025", "branch_suffix"),
        ("0199900025-000", "branch_suffix"),
        ("0199900019-001", "check_digit"),
        ("0199900025 001", "ascii_digits_only"),
    ],
)
def test_invalid_branch_code_is_rejected(value: str, rule: str) -> None:
    assert rejected("BRANCH_CODE", value, today=TODAY).rule == rule


# --- schemes checked by their regex ------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("HKD_REG_NO", "0199900018"),
        ("HKD_REG_NO", "001090912345"),
        ("HKD_REG_NO", "0199900018001"),
        ("SI_CODE", "0123456789"),
        ("CIVIL_REG_NO", "UBND-PX01/2025/123"),
        ("CIVIL_REG_NO", "HN001/1999/1"),
        ("PARCEL_KEY", "99999-12-345"),
        ("PARCEL_KEY", "00004-1234-12345"),
        ("LAND_CERT_SERIAL", "ZZ000123"),
        ("LAND_CERT_SERIAL", "AB12345678"),
        ("DL_NO", "010123456789"),
        ("PLATE_NO", "30A-123.45"),
        ("PLATE_NO", "29A12345"),
        ("PLATE_NO", "29AB-123.45"),
        ("PLATE_NO", "29B1-123.45"),
        ("HEALTH_DOC_NO", "GCS-2025/000123"),
        ("HEALTH_DOC_NO", "ABC123"),
        ("DIPLOMA_NO", "QH2025000123"),
        ("HOUSEHOLD_ID", "HN-00004-000123"),
        ("DOSSIER_NO", "H01.39-250305-0001"),
        ("DOSSIER_NO", "H26.123-260101-9999"),
    ],
)
def test_value_matching_its_scheme_pattern_is_returned_unchanged(scheme: str, value: str) -> None:
    assert validate_identifier(scheme, value, today=TODAY) == Subject(scheme=scheme, value=value)


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("HKD_REG_NO", "01999000181"),  # 11 digits
        ("HKD_REG_NO", "019990001"),
        ("SI_CODE", "012345678"),
        ("SI_CODE", "01234567890"),
        ("CIVIL_REG_NO", "ubnd-px01/2025/123"),  # lower case is not upper-cased for you
        ("CIVIL_REG_NO", "UBND-PX01/25/123"),
        ("CIVIL_REG_NO", "UBND-PX01/2025/1234567"),
        ("PARCEL_KEY", "9999-12-345"),
        ("PARCEL_KEY", "99999/12/345"),
        ("PARCEL_KEY", "99999-12345-1"),
        ("LAND_CERT_SERIAL", "zz000123"),
        ("LAND_CERT_SERIAL", "ZZ00012"),
        ("LAND_CERT_SERIAL", "ZZ  000123"),  # two spaces
        ("LAND_CERT_SERIAL", " ZZ000123"),  # leading space
        ("LAND_CERT_SERIAL", "ZZ000123 "),  # trailing space
        ("LAND_CERT_SERIAL", "Z Z000123"),  # space in the wrong place
        ("DL_NO", "01012345678"),
        ("PLATE_NO", "30a-123.45"),
        ("PLATE_NO", "30A-1234"),
        ("PLATE_NO", "3OA-123.45"),
        ("HEALTH_DOC_NO", "ABC12"),
        ("HEALTH_DOC_NO", "gcs-2025/000123"),
        ("DIPLOMA_NO", "QH-2025"),
        ("DIPLOMA_NO", "A" * 21),
        ("HOUSEHOLD_ID", "HN-0004-000123"),
        ("HOUSEHOLD_ID", "hn-00004-000123"),
        ("DOSSIER_NO", "H01-39-250305-0001"),
        ("DOSSIER_NO", "H1.39-250305-0001"),
    ],
)
def test_value_not_matching_its_scheme_pattern_is_rejected_as_format(
    scheme: str, value: str
) -> None:
    error = rejected(scheme, value, today=TODAY)
    assert error.rule == "format"
    assert "e.g." in error.detail


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("SI_CODE", "０１２３４５６７８９"),  # full-width digits
        ("SI_CODE", "٠١٢٣٤٥٦٧٨٩"),  # Arabic-Indic digits
        ("DL_NO", "０10123456789"),
        ("HKD_REG_NO", " 0199900018"),
        ("SI_CODE", "0123456789 "),
        ("PARCEL_KEY", "99999 -12-345"),
        ("PARCEL_KEY", "99999-12-345\n"),
        ("PLATE_NO", "30A 123.45"),
        ("PLATE_NO", "30A\t123.45"),
        ("DIPLOMA_NO", "QH2025\u00a0000123"),  # no-break space
        ("HOUSEHOLD_ID", "HN\u201100004-000123"),  # non-breaking hyphen
        ("DOSSIER_NO", "H01.39-250305-0001\u200b"),  # zero-width space
        ("CIVIL_REG_NO", "UBND-PHƯỜNG/2025/123"),
        ("LAND_CERT_SERIAL", "ZZ\t000123"),  # a space is allowed, a tab is not
        ("LAND_CERT_SERIAL", "ZZ\u3000000123"),  # nor an ideographic space
        ("LAND_CERT_SERIAL", "ＺＺ000123"),
    ],
)
def test_non_ascii_or_whitespace_in_pattern_scheme_is_rejected_as_ascii_only(
    scheme: str, value: str
) -> None:
    assert rejected(scheme, value, today=TODAY).rule == "ascii_only"


def test_land_cert_serial_with_its_one_inner_space_is_canonicalised_without_it() -> None:
    subject = validate_identifier("LAND_CERT_SERIAL", "ZZ 000123", today=TODAY)
    assert subject == Subject(scheme="LAND_CERT_SERIAL", value="ZZ000123")


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("000090912345", "province_code"),
        ("003090912345", "province_code"),
        ("001490912345", "birth_year_in_future"),
    ],
)
def test_twelve_digit_hkd_reg_no_must_be_a_valid_pin(value: str, rule: str) -> None:
    error = rejected("HKD_REG_NO", value, today=TODAY)
    assert error.rule == rule
    assert "representative's PIN" in error.detail


@pytest.mark.parametrize("value", ["0009090000", "0000000000000"])
def test_ten_and_thirteen_digit_hkd_reg_no_are_not_read_as_pins(value: str) -> None:
    assert validate_identifier("HKD_REG_NO", value, today=TODAY).value == value


# --- error details -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("DIPLOMA_NO", "SECRET" + "A" * 200),
        ("HKD_REG_NO", "00109091234"),
        ("MST", "0312687878-" + "7" * 40),
        ("PIN", "001490912345"),
        ("PIN", "001090912345 "),
    ],
)
def test_error_detail_never_echoes_the_identifier(scheme: str, value: str) -> None:
    detail = rejected(scheme, value, today=TODAY).detail
    assert value.strip() not in detail
    assert value[:8] not in detail


def test_format_error_states_the_pattern_an_example_and_the_length() -> None:
    assert rejected("HOUSEHOLD_ID", "HN-1-2", today=TODAY).detail == (
        r"HOUSEHOLD_ID must match ^HN-\d{5}-\d{6}$ (e.g. HN-00004-000123); "
        "the 6 characters given do not."
    )


def test_control_character_is_described_by_code_point_and_category() -> None:
    error = rejected("PIN", "00109091234\t", today=TODAY)
    assert "character 12 is U+0009 (unnamed, category Cc)" in error.detail


def test_invalid_identifier_error_is_an_invalid_identifier_with_scheme_and_rule() -> None:
    error = rejected("PIN", "00109091234", today=TODAY)
    assert (error.code, error.scheme, error.rule) == ("invalid_identifier", "PIN", "length")
