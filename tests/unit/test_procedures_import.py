"""Importing procedures from CSV and JSON: good rows kept, bad rows reported by row and column,
a procedure with one bad row rejected whole, the output written atomically."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from shared_data.catalog import Catalog, load_catalog
from shared_data.catalog import procedure_file as procedure_file_module
from shared_data.catalog.demo_catalog import DEMO_CATALOG_DIR, generate_demo_procedures
from shared_data.catalog.import_checks import ImportErrorCode
from shared_data.catalog.import_columns import procedures_csv
from shared_data.catalog.importer import (
    ImportResult,
    RowError,
    import_csv,
    import_json,
    read_import,
)
from shared_data.catalog.models import Replaceable, RequirementKind
from shared_data.catalog.procedure_file import (
    PROCEDURES_FILE,
    base_catalog,
    dump_procedures,
    write_procedures,
)
from shared_data.errors import CatalogError

HEADER = (
    "procedure_code,procedure_name_vi,agency,level,requirement_id,kind,document_type,"
    "alternatives,party,condition,replaceable_by_lookup,basis,requirement_name_vi,paper_code"
)
GOOD_ROWS = [
    "HN-9001,Đăng ký giám hộ,UBND cấp xã,xa,HN-9001-R1,form,,,,,,,Tờ khai đăng ký giám hộ,TO_KHAI",
    "HN-9001,,,,HN-9001-R2,document,CCCD,,,,true,NĐ 18/2026,,",
    "HN-9001,,,,HN-9001-R3,document,QH_NHAN_THAN,KHAI_SINH|KET_HON,child,the ward is a minor,,,,",
    "HN-9001,,,,HN-9001-R4,internal_confirmation,CT07,,,,partial,,,",
    "HN-9002,Cấp phiếu LLTP số 1,Sở Tư pháp,tinh,HN-9002-R1,form,,,,,,,Tờ khai,TO_KHAI_LLTP",
    "HN-9002,,,,HN-9002-R2,document,LLTP_1,,,,,,,",
]


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def only(result: ImportResult, code: ImportErrorCode) -> RowError:
    matching = [e for e in result.errors if e.code is code]
    assert len(matching) == 1, result.errors
    return matching[0]


def test_a_good_csv_becomes_procedures(catalog: Catalog) -> None:
    result = import_csv(csv_text(*GOOD_ROWS), catalog)
    assert result.errors == ()
    assert [p.code for p in result.procedures] == ["HN-9001", "HN-9002"]
    guardianship = result.procedures[0]
    assert (guardianship.agency, guardianship.level) == ("UBND cấp xã", "xa")
    form, identity, kinship, residence = guardianship.requirements
    assert (form.kind, form.paper_code, form.replaceable_by_lookup) == (
        RequirementKind.FORM,
        "TO_KHAI",
        Replaceable.NO,
    )
    assert (identity.basis, identity.party) == ("NĐ 18/2026", "applicant")
    assert kinship.alternatives == ["KHAI_SINH", "KET_HON"]
    assert (kinship.party, kinship.condition) == ("child", "the ward is a minor")
    assert kinship.replaceable_by_lookup is Replaceable.YES  # blank: a document type is lookable
    assert residence.replaceable_by_lookup is Replaceable.PARTIAL


def test_semicolon_separated_csv_from_a_spreadsheet_with_a_bom(
    catalog: Catalog, tmp_path: Path
) -> None:
    path = tmp_path / "procedures.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(*GOOD_ROWS).replace(",", ";").encode())
    assert len(read_import(path, catalog).procedures) == 2


BAD_ROWS = [
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,document,GIAY_KHONG_CO,,,,,,,",
        ImportErrorCode.UNKNOWN_DOCUMENT_TYPE,
        "document_type",
        id="unknown-document-type",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,document,CCCD,KHAI_SINH|NOPE,,,,,,",
        ImportErrorCode.UNKNOWN_DOCUMENT_TYPE,
        "alternatives",
        id="unknown-alternative",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,paper,CCCD,,,,,,,",
        ImportErrorCode.BAD_KIND,
        "kind",
        id="bad-kind",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9002-R2,document,CCCD,,,,,,,",
        ImportErrorCode.DUPLICATE_ID,
        "requirement_id",
        id="duplicate-requirement-id",
    ),
    pytest.param(
        "HN-9003,X,,tinh,HN-9003-R1,document,CCCD,,,,,,,",
        ImportErrorCode.MISSING_VALUE,
        "agency",
        id="missing-agency",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,document,CT07,,,,,,,",
        ImportErrorCode.KIND_MISMATCH,
        "kind",
        id="confirmation-imported-as-document",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,document,CCCD,,,,maybe,,,",
        ImportErrorCode.BAD_VALUE,
        "replaceable_by_lookup",
        id="bad-replaceable",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,document,SO_HO_KHAU,,,,,,,",
        ImportErrorCode.OBSOLETE_DOCUMENT_TYPE,
        "document_type",
        id="abolished-document-type",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,document,,,,,,,,HOP_DONG",
        ImportErrorCode.MISSING_VALUE,
        "requirement_name_vi",
        id="paper-without-name",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,form,CCCD,,,,,,,",
        ImportErrorCode.KIND_MISMATCH,
        "kind",
        id="form-with-document-type",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,P01-R1,document,CCCD,,,,,,,",
        ImportErrorCode.DUPLICATE_ID,
        "requirement_id",
        id="requirement-id-of-a-bundled-procedure",
    ),
    pytest.param(
        "HN-9003,X,Sở Y tế,tinh,HN-9003-R1,document,CCCD,,,,,,,,surplus",
        ImportErrorCode.BAD_VALUE,
        "",
        id="more-values-than-columns",
    ),
    pytest.param(
        ",X,Sở Y tế,tinh,HN-9003-R1,document,CCCD,,,,,,,",
        ImportErrorCode.MISSING_VALUE,
        "procedure_code",
        id="missing-procedure-code",
    ),
]


@pytest.mark.parametrize(("bad_row", "code", "column"), BAD_ROWS)
def test_each_kind_of_bad_row_is_reported_with_its_row_and_column(
    catalog: Catalog, bad_row: str, code: ImportErrorCode, column: str
) -> None:
    result = import_csv(csv_text(*GOOD_ROWS, bad_row), catalog)
    error = only(result, code)
    assert (error.row, error.column) == (len(GOOD_ROWS) + 2, column)  # header is row 1
    assert [p.code for p in result.procedures] == ["HN-9001", "HN-9002"]  # good rows kept
    assert not result.fatal


def test_a_procedure_with_one_bad_row_is_rejected_whole(catalog: Catalog) -> None:
    bad_middle_row = GOOD_ROWS[2].replace("QH_NHAN_THAN", "QH_KHONG_CO")
    result = import_csv(csv_text(*GOOD_ROWS[:2], bad_middle_row, *GOOD_ROWS[3:]), catalog)
    error = only(result, ImportErrorCode.UNKNOWN_DOCUMENT_TYPE)
    assert (error.row, error.column, error.procedure) == (4, "document_type", "HN-9001")
    assert [p.code for p in result.procedures] == ["HN-9002"]
    assert result.rejected == ("HN-9001",)


def test_procedure_columns_that_disagree_between_rows_are_reported(catalog: Catalog) -> None:
    contradicting = GOOD_ROWS[1].replace("HN-9001,,,", "HN-9001,,Sở Nội vụ,")
    result = import_csv(csv_text(GOOD_ROWS[0], contradicting), catalog)
    error = only(result, ImportErrorCode.INCONSISTENT_PROCEDURE)
    assert (error.row, error.column) == (3, "agency")
    assert "UBND cấp xã" in error.message
    assert result.procedures == ()


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (HEADER.replace("kind,", ""), ImportErrorCode.MISSING_COLUMN),
        (HEADER.replace("alternatives", "altrenatives"), ImportErrorCode.UNKNOWN_COLUMN),
    ],
    ids=["missing-column", "misspelt-column"],
)
def test_a_bad_header_imports_nothing(catalog: Catalog, header: str, code: ImportErrorCode) -> None:
    result = import_csv("\n".join([header, *GOOD_ROWS]), catalog)
    assert result.fatal and result.procedures == ()
    assert result.errors[0].row == 1 and result.errors[0].code is code


def test_progress_is_reported_row_by_row(catalog: Catalog) -> None:
    seen: list[tuple[int, int]] = []
    import_csv(
        csv_text(*GOOD_ROWS), catalog, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(n, len(GOOD_ROWS)) for n in range(1, len(GOOD_ROWS) + 1)]


def _json_procedures() -> list[dict[str, object]]:
    return [
        {
            "code": "HN-9101",
            "name_vi": "Cấp giấy phép",
            "agency": "Sở Xây dựng",
            "requirements": [
                {
                    "id": "HN-9101-R1",
                    "kind": "form",
                    "name_vi": "Đơn",
                    "replaceable_by_lookup": False,
                },
                {
                    "id": "HN-9101-R2",
                    "kind": "document",
                    "document_type": "GCN_QSDD",
                    "party": "parcel",
                },
            ],
        },
        {
            "code": "HN-9102",
            "name_vi": "Cấp chứng chỉ",
            "agency": "Sở Xây dựng",
            "requirements": [
                {"id": "HN-9102-R1", "kind": "document", "document_type": "BANG_TOT_NGHIEP"},
                {"id": "HN-9102-R2", "kind": "internal_confirmation", "document_type": "NOPE"},
            ],
        },
    ]


def test_json_list_is_imported_and_errors_name_the_field_path(catalog: Catalog) -> None:
    result = import_json(json.dumps(_json_procedures()), catalog)
    assert [p.code for p in result.procedures] == ["HN-9101"]
    error = only(result, ImportErrorCode.UNKNOWN_DOCUMENT_TYPE)
    assert (error.row, error.column, error.procedure) == (
        2,
        "requirements[1].document_type",
        "HN-9102",
    )
    assert result.rejected == ("HN-9102",)


def test_json_in_the_written_shape_and_its_own_errors(catalog: Catalog) -> None:
    items = _json_procedures()[:1]
    items += [items[0], "not an object", {"code": "HN-9103", "name_vi": "X", "requirements": []}]
    result = import_json(json.dumps({"procedures": items}), catalog)
    assert [p.code for p in result.procedures] == ["HN-9101"]
    by_row = {e.row: (e.column, e.code) for e in result.errors}
    assert by_row == {
        2: ("code", ImportErrorCode.DUPLICATE_ID),
        3: ("", ImportErrorCode.BAD_VALUE),
        4: ("agency", ImportErrorCode.MISSING_VALUE),
    }


def test_unreadable_json_imports_nothing(catalog: Catalog) -> None:
    for text in ("{not json", '{"something": 1}'):
        result = import_json(text, catalog)
        assert result.fatal and result.errors[0].code is ImportErrorCode.UNREADABLE


def test_the_demo_catalog_imports_without_an_error(catalog: Catalog) -> None:
    text = (DEMO_CATALOG_DIR / PROCEDURES_FILE).read_text("utf-8")
    result = import_json(text, catalog)
    assert result.errors == ()
    assert len(result.procedures) == 2134  # with the 15 bundled ones: 2,149


def test_the_demo_catalog_survives_a_csv_round_trip(catalog: Catalog) -> None:
    demo = load_catalog(DEMO_CATALOG_DIR)
    result = import_csv(procedures_csv(demo.procedures.values()), catalog)
    assert result.errors == ()
    assert list(result.procedures) == list(demo.procedures.values())


def test_the_shipped_demo_catalog_is_what_the_generator_makes(catalog: Catalog) -> None:
    expected = "".join(dump_procedures(generate_demo_procedures(catalog)))
    shipped = (DEMO_CATALOG_DIR / PROCEDURES_FILE).read_text("utf-8")
    assert shipped == expected, "run scripts/generate_demo_catalog.py"


def test_demo_catalog_keeps_the_hand_written_procedures(catalog: Catalog) -> None:
    demo = load_catalog(DEMO_CATALOG_DIR)
    assert len(demo.procedures) == 2149
    for code, procedure in catalog.procedures.items():
        assert demo.procedures[code] == procedure
    assert len({p.agency for p in demo.procedures.values()}) >= 15


def test_written_procedures_are_what_the_loader_reads(catalog: Catalog, tmp_path: Path) -> None:
    result = import_csv(csv_text(*GOOD_ROWS), catalog)
    path = write_procedures(result.procedures, tmp_path)
    assert path == tmp_path / PROCEDURES_FILE
    loaded = load_catalog(tmp_path)
    assert loaded.procedures["HN-9001"] == result.procedures[0]
    assert "P01" in loaded.procedures  # bundled procedures stay
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary_one(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = write_procedures(list(catalog.procedures.values())[:3], tmp_path).read_bytes()
    written = []

    def failing_line(procedure: object) -> str:
        if len(written) == 5:
            raise OSError("disk full")
        written.append(procedure)
        return "{}"

    monkeypatch.setattr(procedure_file_module, "procedure_line", failing_line)
    with pytest.raises(OSError, match="disk full"):
        write_procedures(catalog.procedures.values(), tmp_path)
    assert (tmp_path / PROCEDURES_FILE).read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == [PROCEDURES_FILE]


def test_import_is_checked_against_the_directory_but_not_the_file_it_replaces(
    catalog: Catalog, tmp_path: Path
) -> None:
    # A previous import used HN-9001-R1 in another procedure: re-importing must not clash with it.
    previous = import_csv(
        csv_text(*[r.replace("HN-9001,", "HN-8001,") for r in GOOD_ROWS[:2]]), catalog
    )
    write_procedures(previous.procedures, tmp_path)
    assert import_csv(csv_text(*GOOD_ROWS), base_catalog(tmp_path)).errors == ()


def test_a_broken_catalog_directory_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "document_types.yaml").write_text("document_types: [", "utf-8")
    with pytest.raises(CatalogError, match=str(tmp_path)):
        base_catalog(tmp_path)


def test_loader_reads_procedures_json_and_a_yaml_next_to_it_wins(
    catalog: Catalog, tmp_path: Path
) -> None:
    write_procedures(import_csv(csv_text(*GOOD_ROWS), catalog).procedures, tmp_path)
    (tmp_path / "procedures.yaml").write_text(
        "procedures:\n"
        "  - code: HN-9002\n"
        "    name_vi: Sửa tay\n"
        "    agency: Sở Tư pháp\n"
        "    requirements:\n"
        "      - {id: HN-9002-Y1, kind: document, document_type: LLTP_1}\n",
        "utf-8",
    )
    loaded = load_catalog(tmp_path)
    assert loaded.procedures["HN-9001"].agency == "UBND cấp xã"
    assert loaded.procedures["HN-9002"].name_vi == "Sửa tay"


def test_loader_reports_invalid_procedures_json_by_file(tmp_path: Path) -> None:
    (tmp_path / PROCEDURES_FILE).write_text('{"procedures": [', "utf-8")
    with pytest.raises(CatalogError, match=r"procedures\.json: invalid JSON"):
        load_catalog(tmp_path)


def test_demo_catalog_loads_fast() -> None:
    load_catalog(DEMO_CATALOG_DIR)  # warm the imports and the bundled files' page cache
    started = time.perf_counter()
    load_catalog(DEMO_CATALOG_DIR)
    # Measured ~120 ms for 2,149 procedures (8,044 requirements); well under a second.
    assert time.perf_counter() - started < 1.0
