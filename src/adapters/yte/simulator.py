"""YTE simulator: FHIR-style searches served from the world's derived health documents.

Documents come from `simulators.data.health` (licence holders' exams from the licence
register), indexed once by number and by PIN, newest first.
"""

from __future__ import annotations

import hmac
import json
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.mapping_helpers import iso
from adapters.simulators.data.health import (
    BirthNotice,
    DeathNotice,
    HealthCertificate,
    build_health_data,
)
from adapters.simulators.data.licences import build_licences
from adapters.simulators.world import World
from adapters.yte import client
from adapters.yte.mapping import SPECS, record_to_resource
from shared_data.domain import RegistryRecord


def birth_record(n: BirthNotice) -> RegistryRecord:
    fields = {
        "mother_pin": n.mother_pin,
        "child_sex": n.child_sex,
        "birth_datetime": n.born_at.isoformat(),
        "facility": n.facility,
        "doc_no": n.doc_no,
    }
    return RegistryRecord(record_id=n.doc_no, fields=fields, issued_on=n.born_at.date())


def death_record(n: DeathNotice) -> RegistryRecord:
    fields = {
        "pin": n.pin,
        "date_of_death": iso(n.died_on),
        "cause_category": n.cause,
        "issuer": n.issuer,
        "doc_no": n.doc_no,
    }
    return RegistryRecord(record_id=n.doc_no, fields=fields, issued_on=n.died_on)


def certificate_record(c: HealthCertificate) -> RegistryRecord:
    fields = {
        "pin": c.pin,
        "facility": c.facility,
        "exam_date": iso(c.exam_date),
        "conclusion": c.conclusion,
        "classes_fit_for": list(c.classes_fit_for),
        "doc_no": c.doc_no,
    }
    return RegistryRecord(record_id=c.doc_no, fields=fields, issued_on=c.exam_date)


class HealthIndex:
    """One document type's records by search parameter value, newest first."""

    def __init__(self, records: list[RegistryRecord], person_field: str, by_person: str) -> None:
        self.by: dict[str, dict[str, list[RegistryRecord]]] = {"identifier": {}, by_person: {}}
        for r in sorted(records, key=lambda r: r.issued_on or date.min, reverse=True):
            self.by["identifier"].setdefault(r.record_id, []).append(r)
            self.by[by_person].setdefault(r.fields[person_field], []).append(r)

    def search(self, parameter: str, value: str) -> list[RegistryRecord]:
        return self.by.get(parameter, {}).get(value, [])


def _fhir(document: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=client.MEDIA_TYPE)


def build_simulator(world: World, token: str) -> Starlette:
    """The YTE simulator app; it refuses calls without `Authorization: Bearer <token>`."""
    data = build_health_data(world, build_licences(world))
    indexes = {
        "CHUNG_SINH": HealthIndex([birth_record(n) for n in data.births], "mother_pin", "mother"),
        "BAO_TU": HealthIndex([death_record(n) for n in data.deaths], "pin", "subject"),
        "GKSK_LAI_XE": HealthIndex([certificate_record(c) for c in data.certificates], "pin",
                                   "subject"),
    }  # fmt: skip
    expected = f"Bearer {token}".encode()

    def search_route(document_type: str) -> Route:
        spec, index = SPECS[document_type], indexes[document_type]
        allowed = set(spec.params.values())

        async def search(request: Request) -> Response:
            if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
                return _fhir(client.outcome("security", "Không có quyền truy cập"), 401)
            named = [p for p in allowed if p in request.query_params]
            count = request.query_params.get("_count", "10")
            if len(named) != 1 or not count.isdigit():
                return _fhir(client.outcome("invalid", "Tham số tìm kiếm không hợp lệ"), 400)
            found = index.search(named[0], request.query_params[named[0]])
            if request.query_params.get("_sort") not in (None, client.NEWEST_FIRST):
                found = found[::-1]
            page = [record_to_resource(document_type, r) for r in found[: int(count)]]
            return _fhir(client.bundle(spec.resource_type, page, len(found)))

        return Route(f"{client.BASE_PATH}/{spec.resource_type}", search, methods=["GET"])

    async def metadata(request: Request) -> Response:
        kinds = [{"type": spec.resource_type} for spec in SPECS.values()]
        statement = {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "rest": [{"mode": "server", "resource": kinds}],
        }
        return _fhir(statement)

    routes: list[Route] = [search_route(document_type) for document_type in SPECS]
    return Starlette(routes=[*routes, Route(client.METADATA_PATH, metadata, methods=["GET"])])
