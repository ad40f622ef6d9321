"""The catalog's qualifiers (two-key lookups) and enforced subject restrictions."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from shared_data.catalog import Catalog, load_catalog
from shared_data.errors import CatalogError

DOC = """
document_types:
  - id: TEST_LAND
    name_vi: Thử
    name_en: Test
    registry: DATDAI
    key: PARCEL_KEY
    fields: [parcel_key]
    validity: {{type: current_state}}
    {extra}
"""


def _problems(tmp_path: Path, extra: str) -> str:
    (tmp_path / "document_types.yaml").write_text(
        textwrap.dedent(DOC.format(extra=extra)), encoding="utf-8"
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    return caught.value.detail


def test_the_land_certificate_needs_its_owner(catalog: Catalog) -> None:
    (owner,) = catalog.document_types["GCN_QSDD"].qualifiers
    assert (owner.role, owner.schemes, owner.required) == (
        "owner",
        ["PIN", "ENTERPRISE_CODE"],
        True,
    )
    assert catalog.document_types["THONG_TIN_THUA_DAT"].qualifiers == []


def test_certificate_no_2_is_barred_for_individuals_from_1_july_2026(catalog: Catalog) -> None:
    (bar,) = catalog.document_types["LLTP_2"].subject_restrictions
    assert (bar.since, bar.schemes) == (date(2026, 7, 1), ["PIN"])


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("qualifiers: [{role: owner, schemes: [NOPE]}]", "qualifier 'owner': unknown identifier"),
        (
            "qualifiers: [{role: owner, schemes: [DL_NO]}]",
            "registry DATDAI is not keyed by 'DL_NO'",
        ),
        ("qualifiers: [{role: owner, schemes: []}]", "qualifier 'owner' names no scheme"),
        ("qualifiers: [{role: a, schemes: [PIN]}, {role: a, schemes: [PIN]}]", "declared twice"),
        (
            "subject_restrictions: [{since: 2026-07-01, schemes: [PIN], reason: x}]",
            "'PIN' does not name this document's subjects",
        ),
    ],
)
def test_qualifier_and_restriction_mistakes_are_catalog_errors(
    tmp_path: Path, extra: str, expected: str
) -> None:
    assert expected in _problems(tmp_path, extra)
