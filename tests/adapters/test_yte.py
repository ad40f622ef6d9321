"""YTE: the adapter contract, the pure mapping and the FHIR-style search's quirks.

Loopback HTTP against the simulator is in tests/integration/test_yte_vbcc_asxh_loopback.py.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.mapping_helpers import WireFormatError
from adapters.simulators.fixtures import CU, GIA, MAU, NOT_FOUND_PIN, THU
from adapters.yte import client
from adapters.yte.adapter import YteAdapter
from adapters.yte.mapping import SPECS, record_to_resource, resource_to_record
from adapters.yte.simulator import build_simulator
from shared_data.catalog import load_catalog
from shared_data.domain import (
    Outcome,
    RegistryAnswer,
    RegistryRecord,
    RegistryRequest,
    UnavailableReason,
)
from shared_data.errors import InvalidIdentifierError, UnknownSchemeError
from tests.adapters.contract import (
    AdapterContract,
    Handler,
    adapter_factory,
    ask_once,
    lookup,
    provides,
    serves,
)

TOKEN = "yte-test-token"
ADAPTER = adapter_factory(YteAdapter, client)
BIRTH_NO, EXAM_NO = "CS-BVPSHN/2025/000123", "KSK-BVXP/2025/000078"

BIRTH = RegistryRecord(
    record_id=BIRTH_NO,
    fields={
        "mother_pin": THU,
        "child_sex": "M",
        "birth_datetime": "2025-08-20T07:45:00+07:00",
        "facility": "Bệnh viện Phụ sản Hà Nội",
        "doc_no": BIRTH_NO,
    },
    issued_on=date(2025, 8, 20),
)
DEATH = RegistryRecord(
    record_id="BT-BVBM/2026/000012",
    fields={
        "pin": CU,
        "date_of_death": "2026-02-10",
        "cause_category": "disease",
        "issuer": "Bệnh viện Bạch Mai",
        "doc_no": "BT-BVBM/2026/000012",
    },
    issued_on=date(2026, 2, 10),
)
EXAM = RegistryRecord(
    record_id=EXAM_NO,
    fields={
        "pin": GIA,
        "facility": "Bệnh viện Đa khoa Xanh Pôn",
        "exam_date": "2025-06-01",
        "conclusion": "fit",
        "classes_fit_for": ["B"],
        "doc_no": EXAM_NO,
    },
    issued_on=date(2025, 6, 1),
)
SAMPLES = {"CHUNG_SINH": BIRTH, "BAO_TU": DEATH, "GKSK_LAI_XE": EXAM}


def _request(document_type: str, value: str, scheme: str = "PIN") -> RegistryRequest:
    return lookup("YTE", document_type, scheme, value)


def _bundle(document_type: str, *records: RegistryRecord, total: int | None = None) -> Any:
    resources = [record_to_resource(document_type, r) for r in records]
    spec = SPECS[document_type]
    return client.bundle(spec.resource_type, resources, len(records) if total is None else total)


def _reply(body: Any, status: int = 200, media: str = client.MEDIA_TYPE) -> Handler:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return lambda request: httpx.Response(status, content=raw, headers={"content-type": media})


async def _lookup(handler: Handler, request: RegistryRequest) -> RegistryAnswer:
    return await ask_once(ADAPTER(httpx.MockTransport(handler), TOKEN), request)


def _round_trip(document_type: str, body: bytes) -> bytes:
    found = json.loads(body)
    for entry in found["entry"]:
        entry["resource"] = record_to_resource(
            document_type, resource_to_record(document_type, entry["resource"])
        )
    return json.dumps(found, ensure_ascii=False).encode()


class TestYteContract(AdapterContract):
    registry_id = "YTE"
    simulator_app = serves(build_simulator)
    make_adapter = provides(ADAPTER)
    content_type = provides(client.MEDIA_TYPE)
    found_requests = provides(
        [
            _request("CHUNG_SINH", BIRTH_NO, "HEALTH_DOC_NO"),
            _request("CHUNG_SINH", THU),
            _request("BAO_TU", CU),
            _request("GKSK_LAI_XE", MAU),
            _request("GKSK_LAI_XE", EXAM_NO, "HEALTH_DOC_NO"),
        ]
    )
    not_found_request = provides(_request("BAO_TU", MAU))  # alive: no death notice
    round_trip = provides(_round_trip)


# --- mapping (pure) -------------------------------------------------------------------------


def test_document_types_fields_and_keys_are_the_catalogs() -> None:
    catalog = load_catalog()
    types = {k: v for k, v in catalog.document_types.items() if v.registry == "YTE"}
    assert set(types) == set(SPECS) == YteAdapter.document_types
    for document_type, record in SAMPLES.items():
        assert list(record.fields) == types[document_type].fields
        keys = {types[document_type].key, *types[document_type].alt_keys}
        assert set(SPECS[document_type].params) == keys


@pytest.mark.parametrize("document_type", sorted(SAMPLES))
def test_every_document_type_survives_a_wire_round_trip(document_type: str) -> None:
    record = SAMPLES[document_type]
    assert resource_to_record(document_type, record_to_resource(document_type, record)) == record


def test_the_wire_dresses_values_the_fhir_way() -> None:
    birth = record_to_resource("CHUNG_SINH", BIRTH)
    death = record_to_resource("BAO_TU", DEATH)
    assert (birth["resourceType"], birth["gioiTinhTre"]) == ("GiayChungSinh", "male")
    assert birth["coSoYTe"] == {"display": "Bệnh viện Phụ sản Hà Nội"}
    assert death["nguyenNhan"]["coding"][0]["code"] == "BENH"


WRONG = {
    "birth-time-without-offset": ("CHUNG_SINH", {"thoiDiemSinh": "2025-08-20T07:45:00"}),
    "birth-date-only": ("CHUNG_SINH", {"thoiDiemSinh": "2025-08-20"}),
    "gender-letter": ("CHUNG_SINH", {"gioiTinhTre": "M"}),
    "cause-other-system": (
        "BAO_TU",
        {"nguyenNhan": {"coding": [{"system": "icd10", "code": "BENH"}]}},
    ),
    "dmy-exam-date": ("GKSK_LAI_XE", {"ngayKham": "01/06/2025"}),
    "unknown-conclusion": ("GKSK_LAI_XE", {"ketLuan": {"code": "CHO_KET_QUA"}}),
    "other-resource-type": ("BAO_TU", {"resourceType": "GiayChungSinh"}),
}


@pytest.mark.parametrize(("document_type", "changes"), WRONG.values(), ids=WRONG.keys())
def test_malformed_resources_are_errors(document_type: str, changes: dict[str, Any]) -> None:
    resource = record_to_resource(document_type, SAMPLES[document_type]) | changes
    with pytest.raises(WireFormatError):
        resource_to_record(document_type, resource)


# --- adapter against MockTransport ----------------------------------------------------------


async def test_each_scheme_uses_its_search_parameter_newest_first() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _reply(_bundle("CHUNG_SINH", BIRTH))(request)

    await _lookup(handler, _request("CHUNG_SINH", THU))
    await _lookup(handler, _request("CHUNG_SINH", BIRTH_NO, "HEALTH_DOC_NO"))
    assert [r.url.path for r in seen] == ["/fhir/GiayChungSinh"] * 2
    assert dict(seen[0].url.params) == {"mother": THU, "_sort": "-date", "_count": "1"}
    assert seen[1].url.params["identifier"] == BIRTH_NO
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_an_empty_bundle_is_not_found() -> None:
    answer = await _lookup(_reply(_bundle("BAO_TU")), _request("BAO_TU", MAU))
    assert answer.outcome is Outcome.NOT_FOUND


BAD = UnavailableReason.BAD_RESPONSE
FAILURES = {
    "total-without-entries": _reply(_bundle("BAO_TU", total=2)),
    "not-a-searchset": _reply({**_bundle("BAO_TU", DEATH), "type": "collection"}),
    "operation-outcome-200": _reply(client.outcome("exception", "…")),
    "plain-json-label": _reply(_bundle("BAO_TU", DEATH), media="application/json"),
    "another-person": _reply(
        _bundle("BAO_TU", DEATH.model_copy(update={"fields": {**DEATH.fields, "pin": GIA}}))
    ),
}


@pytest.mark.parametrize("handler", FAILURES.values(), ids=FAILURES.keys())
async def test_inconsistent_answers_are_bad_responses(handler: Handler) -> None:
    answer = await _lookup(handler, _request("BAO_TU", CU))
    assert (answer.outcome, answer.reason) == (Outcome.UNAVAILABLE, BAD)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (_request("BAO_TU", "BT-BVBM/2026/000012", "HEALTH_DOC_NO"), UnknownSchemeError),
        (_request("GKSK_LAI_XE", "ksk lowercase", "HEALTH_DOC_NO"), InvalidIdentifierError),
        (_request("GKSK_LAI_XE", NOT_FOUND_PIN[:-1]), InvalidIdentifierError),
    ],
)
async def test_keys_the_registry_cannot_hold_are_refused_before_sending(
    request_: RegistryRequest, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _lookup(_reply(_bundle("BAO_TU", DEATH)), request_)
