"""The catalog as data: the bundled files load, every broken reference is reported by file and
entry, extra files override by id, ISO durations, and the catalog queries."""

from __future__ import annotations

import json
import re
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from shared_data.catalog import load_catalog
from shared_data.catalog.durations import IsoDuration, parse_iso_duration
from shared_data.catalog.models import Catalog, Replaceable, RequirementKind, ValidityType
from shared_data.catalog.queries import (
    accepted_schemes,
    document_types_of_registry,
    procedures_needing,
)
from shared_data.errors import CatalogError, UnknownDocumentTypeError

DOMAIN_DOCUMENT_TYPES = [
    "CCCD",
    "XN_CMND9",
    "QH_NHAN_THAN",
    "CT07",
    "SO_HO_KHAU",
    "KHAI_SINH",
    "KET_HON",
    "XN_TTHN",
    "KHAI_TU",
    "GHI_CHU_LY_HON",
    "NUOI_CON_NUOI",
    "THAY_DOI_HO_TICH",
    "CHUNG_SINH",
    "BAO_TU",
    "GCN_DKDN",
    "GCN_HKD",
    "GCN_CHI_NHANH",
    "XN_NGHIA_VU_THUE",
    "CHUNG_TU_LPTB",
    "MST_CA_NHAN",
    "SO_BHXH",
    "THE_BHYT",
    "GCN_QSDD",
    "THONG_TIN_THUA_DAT",
    "LLTP_1",
    "LLTP_2",
    "GPLX",
    "DK_XE",
    "GKSK_LAI_XE",
    "BANG_TOT_NGHIEP",
    "GCN_HO_NGHEO",
    "GIAY_PHEP_XAY_DUNG",
    "BAN_SAO_DIEN_TU",
]
DOMAIN_REGISTRIES = [
    "DANCU",
    "CUTRU",
    "HOTICH",
    "DKDN",
    "THUE",
    "BHXH",
    "DATDAI",
    "LLTP",
    "GPLX",
    "DKXE",
    "YTE",
    "VBCC",
    "ASXH",
    "HN_KHO",
]
DOMAIN_SCHEMES = [
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
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def catalog_error(directory: Path) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog(directory)
    return caught.value.detail


# --- the bundled catalog ---------------------------------------------------------------------


def test_bundled_catalog_holds_every_entry_of_domain_section_11(catalog: Catalog) -> None:
    assert sorted(catalog.registries) == sorted(DOMAIN_REGISTRIES)
    assert sorted(catalog.schemes) == sorted(DOMAIN_SCHEMES)
    assert sorted(catalog.document_types) == sorted(DOMAIN_DOCUMENT_TYPES)
    assert list(catalog.procedures) == [f"P{n:02d}" for n in range(1, 16)]


def test_bundled_catalog_loads_in_well_under_100_ms() -> None:
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        load_catalog()
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.1


def test_vietnamese_text_keeps_its_diacritics(catalog: Catalog) -> None:
    assert catalog.registries["HOTICH"].name_vi == "Cơ sở dữ liệu hộ tịch điện tử"
    assert catalog.document_types["XN_TTHN"].name_vi == "Giấy xác nhận tình trạng hôn nhân"


def test_requirement_ids_follow_the_procedure_code(catalog: Catalog) -> None:
    for code, procedure in catalog.procedures.items():
        ids = [requirement.id for requirement in procedure.requirements]
        assert ids == [f"{code}-R{n}" for n in range(1, len(ids) + 1)]
        assert procedure.agency


def test_internal_confirmation_types_are_required_as_internal_confirmations(
    catalog: Catalog,
) -> None:
    requirement = catalog.procedures["P03"].requirements[1]
    assert requirement.id == "P03-R2"
    assert requirement.kind is RequirementKind.INTERNAL_CONFIRMATION
    assert requirement.document_type == "XN_TTHN"
    assert requirement.replaceable_by_lookup is Replaceable.YES


def test_papers_without_a_document_type_keep_their_code_and_name(catalog: Catalog) -> None:
    contract = catalog.procedures["P12"].requirements[1]
    assert contract.kind is RequirementKind.DOCUMENT
    assert (contract.document_type, contract.paper_code) == (None, "HOP_DONG_CHUYEN_NHUONG")
    assert contract.name_vi == "Hợp đồng chuyển nhượng (công chứng/chứng thực)"
    assert contract.replaceable_by_lookup is Replaceable.NO


def test_parties_are_derived_from_the_role(catalog: Catalog) -> None:
    assert catalog.procedures["P09"].requirements[3].party == "enterprise"
    assert catalog.procedures["P11"].requirements[1].party == "parcel"
    assert catalog.procedures["P05"].requirements[2].party == "deceased"


def test_abolished_papers_are_obsolete_and_never_cached(catalog: Catalog) -> None:
    for doc_id in ("SO_HO_KHAU", "MST_CA_NHAN"):
        doc = catalog.document_types[doc_id]
        assert doc.obsolete and doc.validity.type is ValidityType.ABOLISHED
        assert doc.cache.ttl_seconds == 0


def test_state_dependent_documents_are_always_asked_live(catalog: Catalog) -> None:
    for doc_id in ("XN_TTHN", "GCN_DKDN", "XN_NGHIA_VU_THUE"):
        assert catalog.document_types[doc_id].cache.ttl_seconds == 0


def test_only_permanent_documents_may_be_served_stale(catalog: Catalog) -> None:
    stale = {d.id for d in catalog.document_types.values() if d.cache.stale_if_error_seconds}
    assert {"KHAI_SINH", "BANG_TOT_NGHIEP"} <= stale
    for doc_id in stale:
        assert catalog.document_types[doc_id].validity.type is ValidityType.PERMANENT


def test_validity_rules_carry_durations_and_void_states(catalog: Catalog) -> None:
    docs = catalog.document_types
    assert (docs["XN_TTHN"].validity.duration, docs["XN_TTHN"].validity.void_on) == (
        "P6M",
        ["marital_status_change"],
    )
    assert docs["CT07"].validity.void_on == ["residence_change"]
    assert {"divorce", "death"} <= set(docs["KET_HON"].validity.void_on)
    assert "dissolved" in docs["GCN_DKDN"].validity.void_on


def test_document_uri_follows_the_template(catalog: Catalog) -> None:
    assert catalog.document_uri("KHAI_SINH", "R1") == "vn.gov.hotich-KHAI_SINH-R1"


# --- cross-check failures, each named by file and entry ---------------------------------------

DOC_TYPE = """
    document_types:
      - id: {id}
        name_vi: Thử
        name_en: Test
        registry: {registry}
        key: {key}
        alt_keys: {alt_keys}
        fields: [pin]
        validity: {validity}
        cache: {cache}
"""


def doc_type(**overrides: str) -> str:
    values = {
        "id": "TEST_DOC",
        "registry": "DANCU",
        "key": "PIN",
        "alt_keys": "[]",
        "validity": "{type: permanent}",
        "cache": "{ttl_seconds: 60}",
    }
    return DOC_TYPE.format(**(values | overrides))


def procedure(*requirements: str, code: str = "P99") -> str:
    lines = "\n".join(f"          - {r}" for r in requirements)
    return f"""
    procedures:
      - code: {code}
        name_vi: Thủ tục thử
        agency: UBND cấp xã
        requirements:
{lines}
    """


SCHEME = "schemes:\n  - {{id: TEST_SCHEME, name_vi: Thử, name_en: Test, issuer: DANCU, {extra}}}\n"

BROKEN = [
    pytest.param(
        "document_types.yaml",
        doc_type(registry="NOPE"),
        "document_types.yaml: document type TEST_DOC: unknown registry 'NOPE'",
        id="document-type-registry",
    ),
    pytest.param(
        "document_types.yaml",
        doc_type(key="NOPE"),
        "document_types.yaml: document type TEST_DOC: unknown identifier scheme 'NOPE'",
        id="document-type-key",
    ),
    pytest.param(
        "document_types.yaml",
        doc_type(alt_keys="[CMND99]"),
        "document_types.yaml: document type TEST_DOC: unknown identifier scheme 'CMND99'",
        id="document-type-alt-key",
    ),
    pytest.param(
        "document_types.yaml",
        doc_type(registry="CUTRU", key="MST"),
        "document_types.yaml: document type TEST_DOC: registry CUTRU is not keyed by 'MST'",
        id="document-type-key-not-a-registry-key",
    ),
    pytest.param(
        "document_types.yaml",
        doc_type(validity="{type: duration, duration: 6 months}"),
        "document type TEST_DOC: validity.duration '6 months' is not an ISO 8601 duration",
        id="validity-duration",
    ),
    pytest.param(
        "document_types.yaml",
        doc_type(validity="{type: as_of_snapshot, max_age: P6X}"),
        "document type TEST_DOC: validity.max_age 'P6X' is not an ISO 8601 duration",
        id="validity-max-age",
    ),
    pytest.param(
        "document_types.yaml",
        doc_type(validity="{type: duration_or_state_change, duration: P6M}"),
        "document type TEST_DOC: validity type duration_or_state_change needs void_on",
        id="validity-state-change-without-void-on",
    ),
    pytest.param(
        "document_types.yaml",
        doc_type(validity="{type: sometimes}"),
        "document_types.yaml: document type TEST_DOC: validity.type: Input should be",
        id="validity-type-enum",
    ),
    pytest.param(
        "document_types.yaml",
        doc_type(validity="{type: current_state}", cache="{stale_if_error_seconds: 60}"),
        "document type TEST_DOC: cache.stale_if_error_seconds is only allowed for permanent",
        id="stale-if-error-on-state",
    ),
    pytest.param(
        "document_types.yaml",
        "document_uri_template: 'vn.gov.{issuer}-{doc_id}'\n",
        "document_types.yaml: document_uri_template: 'vn.gov.{issuer}-{doc_id}' may only use",
        id="uri-template",
    ),
    pytest.param(
        "schemes.yaml",
        SCHEME.format(extra="issuer: NOPE"),
        "schemes.yaml: scheme TEST_SCHEME: issuer: unknown registry 'NOPE'",
        id="scheme-issuer",
    ),
    pytest.param(
        "schemes.yaml",
        SCHEME.format(extra="same_as: NOPE"),
        "schemes.yaml: scheme TEST_SCHEME: same_as: unknown identifier scheme 'NOPE'",
        id="scheme-same-as",
    ),
    pytest.param(
        "schemes.yaml",
        SCHEME.format(extra="alias_of: NOPE"),
        "schemes.yaml: scheme TEST_SCHEME: alias_of: unknown identifier scheme 'NOPE'",
        id="scheme-alias-of",
    ),
    pytest.param(
        "schemes.yaml",
        SCHEME.format(extra="regex: '^(\\d+$'"),
        "schemes.yaml: scheme TEST_SCHEME: regex '^(\\\\d+$' does not compile",
        id="scheme-regex",
    ),
    pytest.param(
        "registries.yaml",
        "registries:\n  - {id: TEST, name_vi: a, name_en: b, owner_vi: c, owner_en: d,"
        " keys: [PIN, NOPE]}\n",
        "registries.yaml: registry TEST: unknown identifier scheme 'NOPE'",
        id="registry-key",
    ),
    pytest.param(
        "procedures.yaml",
        procedure(
            "{id: P03-R1, kind: form, paper_code: TO_KHAI_KET_HON, name_vi: Tờ khai,"
            " replaceable_by_lookup: false}",
            "{id: P03-R2, kind: internal_confirmation, document_type: XN_TTHNN}",
            code="P03",
        ),
        "procedures.yaml: procedure P03, requirement P03-R2: unknown document type 'XN_TTHNN'",
        id="requirement-document-type",
    ),
    pytest.param(
        "procedures.yaml",
        procedure("{id: P99-R1, kind: document, document_type: CCCD, alternatives: [NOPE]}"),
        "procedures.yaml: procedure P99, requirement P99-R1: unknown document type 'NOPE'",
        id="requirement-alternative",
    ),
    pytest.param(
        "procedures.yaml",
        procedure("{id: P99-R1, kind: document, document_type: SO_HO_KHAU}"),
        "procedure P99, requirement P99-R1: document type 'SO_HO_KHAU' is abolished",
        id="requirement-obsolete",
    ),
    pytest.param(
        "procedures.yaml",
        procedure("{id: P99-R1, kind: document, document_type: CT07}"),
        "procedure P99, requirement P99-R1: kind document but document type CT07 makes it "
        "'internal_confirmation'",
        id="requirement-kind-confirmation",
    ),
    pytest.param(
        "procedures.yaml",
        procedure("{id: P99-R1, kind: form, name_vi: Tờ khai}"),
        "procedure P99, requirement P99-R1: a form is never replaceable_by_lookup",
        id="requirement-form-replaceable",
    ),
    pytest.param(
        "procedures.yaml",
        procedure("{id: P99-R1, kind: document, document_type: LLTP_1, max_age: six}"),
        "procedure P99, requirement P99-R1: max_age 'six' is not an ISO 8601 duration",
        id="requirement-max-age",
    ),
    pytest.param(
        "procedures.yaml",
        procedure("{id: P99-R1, kind: scan, document_type: CCCD}"),
        "procedures.yaml: procedure P99, requirement P99-R1: kind: Input should be",
        id="requirement-kind-enum",
    ),
    pytest.param(
        "procedures.yaml",
        procedure("{id: P01-R1, kind: document, document_type: CCCD}"),
        "procedure P99, requirement P01-R1: duplicate requirement id (also in procedure P01)",
        id="requirement-duplicate-id",
    ),
    pytest.param(
        "procedures.yaml",
        "procedures:\n"
        "  - {code: P99, name_vi: a, agency: b, requirements: []}\n"
        "  - {code: P99, name_vi: c, agency: d, requirements: []}\n",
        "procedures.yaml: procedure P99: duplicate id in this file",
        id="duplicate-id",
    ),
    pytest.param(
        "registries.yaml",
        "registries:\n  - {id: DANCU, name_vi: [unclosed\n",
        "registries.yaml: invalid YAML",
        id="yaml-syntax",
    ),
    pytest.param(
        "registries.yaml",
        "registry:\n  - {id: X}\n",
        "registries.yaml: unexpected top-level key 'registry'",
        id="top-level-key",
    ),
    pytest.param(
        "procedure.yaml",
        "procedures: []\n",
        "procedure.yaml: unexpected catalog file",
        id="unexpected-file",
    ),
]


@pytest.mark.parametrize(("file_name", "text", "expected"), BROKEN)
def test_broken_catalog_names_file_and_entry(
    tmp_path: Path, file_name: str, text: str, expected: str
) -> None:
    write(tmp_path, file_name, text)
    assert expected in catalog_error(tmp_path)


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    write(tmp_path, "document_types.yaml", doc_type(registry="NOPE", key="NADA"))
    write(tmp_path, "schemes.yaml", SCHEME.format(extra="issuer: NOPE"))
    detail = catalog_error(tmp_path)
    assert detail.startswith("catalog has 3 problem(s):")
    assert "unknown registry 'NOPE'" in detail
    assert "unknown identifier scheme 'NADA'" in detail
    assert "scheme TEST_SCHEME: issuer: unknown registry 'NOPE'" in detail


def test_missing_extra_directory_is_a_catalog_error(tmp_path: Path) -> None:
    assert "does not exist" in catalog_error(tmp_path / "absent")


# --- overrides -------------------------------------------------------------------------------


def test_extra_files_replace_entries_by_id_and_add_new_ones(tmp_path: Path) -> None:
    bundled = load_catalog()
    write(tmp_path, "document_types.yaml", doc_type(validity="{type: permanent}"))
    requirement = "{id: P99-R1, kind: document, document_type: TEST_DOC}"
    write(tmp_path, "procedures.yaml", procedure(requirement))
    override = bundled.registries["LLTP"].model_dump(mode="json")
    override["name_en"] = "Judicial Records (test)"
    # JSON is YAML.
    write(tmp_path, "registries.yaml", json.dumps({"registries": [override]}, ensure_ascii=False))
    catalog = load_catalog(tmp_path)
    assert catalog.registries["LLTP"].name_en == "Judicial Records (test)"
    assert list(catalog.registries) == list(bundled.registries)
    assert catalog.document_types["TEST_DOC"].registry == "DANCU"
    assert procedures_needing(catalog, "TEST_DOC") == [catalog.procedures["P99"]]
    assert len(catalog.procedures) == len(bundled.procedures) + 1


def test_extra_file_may_override_the_uri_template(tmp_path: Path) -> None:
    write(tmp_path, "document_types.yaml", "document_uri_template: 'x-{doctype}-{doc_id}'\n")
    assert load_catalog(tmp_path).document_uri("CCCD", "7") == "x-CCCD-7"


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("P6M", date(2025, 8, 31), date(2026, 2, 28)),
        ("P1Y", date(2024, 2, 29), date(2025, 2, 28)),
        ("P12M", date(2024, 2, 29), date(2025, 2, 28)),
        ("P12M", date(2025, 7, 1), date(2026, 7, 1)),
        ("P30D", date(2025, 1, 15), date(2025, 2, 14)),
        ("P6M", date(2025, 7, 1), date(2026, 1, 1)),
        ("P1Y6M", date(2024, 8, 31), date(2026, 2, 28)),
        ("P2W", date(2025, 12, 25), date(2026, 1, 8)),
    ],
)
def test_duration_is_added_with_month_end_clamping(text: str, start: date, expected: date) -> None:
    assert IsoDuration.parse(text).add_to(start) == expected


def test_duration_parses_its_parts_and_prints_them_back() -> None:
    duration = parse_iso_duration("P1Y2M3D")
    assert (duration.years, duration.months, duration.days) == (1, 2, 3)
    assert str(duration) == "P1Y2M3D"
    assert IsoDuration.parse("P6M").subtract_from(date(2026, 8, 31)) == date(2026, 2, 28)


@pytest.mark.parametrize("text", ["", "P", "6M", "PT1H", "P1DT2H", "P-1M", "P1.5Y", "p6m"])
def test_anything_but_a_date_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        IsoDuration.parse(text)


# --- queries ---------------------------------------------------------------------------------


def test_procedures_needing_a_document_type(catalog: Catalog) -> None:
    codes = [p.code for p in procedures_needing(catalog, "XN_TTHN")]
    assert codes == ["P03", "P04", "P12"]


def test_procedures_needing_counts_alternatives(catalog: Catalog) -> None:
    assert [p.code for p in procedures_needing(catalog, "NUOI_CON_NUOI")] == ["P06"]


def test_procedures_needing_an_unknown_type_is_refused(catalog: Catalog) -> None:
    with pytest.raises(UnknownDocumentTypeError):
        procedures_needing(catalog, "NOPE")


def test_document_types_of_a_registry(catalog: Catalog) -> None:
    ids = [doc.id for doc in document_types_of_registry(catalog, "DKDN")]
    assert ids == ["GCN_DKDN", "GCN_HKD", "GCN_CHI_NHANH"]
    assert document_types_of_registry(catalog, "NOPE") == []


def test_accepted_schemes_include_alt_keys_and_same_as(catalog: Catalog) -> None:
    assert accepted_schemes(catalog, "CCCD") == {"PIN", "CMND9"}
    assert accepted_schemes(catalog, "XN_NGHIA_VU_THUE") == {
        "MST",
        "PIN",
        "ENTERPRISE_CODE",
        "BRANCH_CODE",
    }
    assert accepted_schemes(catalog, "GCN_DKDN") == {"ENTERPRISE_CODE"}
    with pytest.raises(UnknownDocumentTypeError):
        accepted_schemes(catalog, "NOPE")


def test_an_invalid_entry_is_reported_once_not_at_every_reference(tmp_path: Path) -> None:
    write(tmp_path, "document_types.yaml", doc_type(id="CT07", validity="{type: never}"))
    detail = catalog_error(tmp_path)
    assert detail.startswith("catalog has 1 problem(s):")
    assert "document_types.yaml: document type CT07: validity.type: Input should be" in detail


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    (tmp_path / "schemes.yaml").write_bytes(b"schemes: []  # M\xe3 s\xf4\n")  # Latin-1
    assert "schemes.yaml: cannot be read as UTF-8 text" in catalog_error(tmp_path)
