"""HOTICH simulator: the civil-status registry's SOAP-ish XML served from the synthetic world.

A request costs a few dict lookups: the world indexes people by PIN, and one person's records
are built on demand from that person and their relatives. Records the world does not hold
(adoptions, civil-status changes) are answered "no record", as for anyone not registered
electronically. Where the world leaves a registry number or authority unset, a deterministic
synthetic one is derived, so that the same question always gets the same answer.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.hotich import client
from adapters.hotich.client import Code, Fault, Query, Result
from adapters.hotich.mapping import MappingError
from adapters.simulators.world import MaritalEvent, Person, World
from shared_data.domain import RegistryRecord

_PIN_RE = re.compile(r"^\d{12}$", re.ASCII)
_MAX_BODY_BYTES = 64_000
_WSDL = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" name="TraCuuHoTich">'
    b'<service name="TraCuuHoTich"/></definitions>'
)

People = dict[str, Person]
Builder = Callable[[People, Person], list[RegistryRecord]]


def _authority(address: str) -> str:
    """The commune People's Committee of an address ("Phường X, Hà Nội" -> "UBND Phường X")."""
    return f"UBND {address.split(',')[0].strip()}"


def _births(people: People, p: Person) -> list[RegistryRecord]:
    if not (p.birth_reg_no and p.birth_reg_date):
        return []
    mother, father = people.get(p.mother_pin or ""), people.get(p.father_pin or "")
    fields = {
        "full_name": p.full_name,
        "dob": p.dob.isoformat(),
        "sex": p.sex,
        "place_of_birth": p.birth_province,
        "home_town": p.home_town,
        "ethnicity": p.ethnicity,
        "nationality": p.nationality,
        "pin": p.pin,
        "mother_name": mother.full_name if mother else None,
        "mother_pin": p.mother_pin,
        "father_name": father.full_name if father else None,
        "father_pin": p.father_pin,
        "cert_no": p.birth_reg_no,
        "registering_authority": p.birth_reg_authority or _authority(p.permanent_address),
        "registration_date": p.birth_reg_date.isoformat(),
    }
    return [RegistryRecord(record_id=p.birth_reg_no, fields=fields, issued_on=p.birth_reg_date)]


def _marriage_end(p: Person, spouse: Person, later: list[MaritalEvent]) -> str | None:
    if later:
        return "death" if later[0].status == "widowed" else "divorce"
    return "death" if p.died_on or spouse.died_on else None


def _marriage(
    p: Person, spouse: Person, event: MaritalEvent, ended_by: str | None
) -> RegistryRecord:
    wife, husband = (p, spouse) if p.sex == "F" else (spouse, p)
    reg_no = event.reg_no or f"HT-KH/{event.on.year}/{min(p.pin, spouse.pin)[-6:]}"
    fields = {
        "wife_name": wife.full_name,
        "wife_pin": wife.pin,
        "husband_name": husband.full_name,
        "husband_pin": husband.pin,
        "dobs": {"wife": wife.dob.isoformat(), "husband": husband.dob.isoformat()},
        "ethnicity": {"wife": wife.ethnicity, "husband": husband.ethnicity},
        "nationality": {"wife": wife.nationality, "husband": husband.nationality},
        "residence": {"wife": wife.current_address, "husband": husband.current_address},
        "registering_authority": event.authority or _authority(wife.current_address),
        "registration_date": event.on.isoformat(),
        "reg_no": reg_no,
    }
    return RegistryRecord(
        record_id=reg_no,
        fields=fields,
        issued_on=event.on,
        status="dissolved" if ended_by else "active",
        voided_by=ended_by,
    )


def _marriages(people: People, p: Person) -> list[RegistryRecord]:
    records = []
    for index, event in enumerate(p.marital_history):
        spouse = people.get(event.spouse_pin or "")
        # A marriage whose spouse the register does not know is not released half-filled.
        if event.status == "married" and spouse is not None:
            ended_by = _marriage_end(p, spouse, p.marital_history[index + 1 :])
            records.append(_marriage(p, spouse, event, ended_by))
    return records


def _confirmations(people: People, p: Person) -> list[RegistryRecord]:
    return [
        RegistryRecord(
            record_id=c.doc_no,
            fields={
                "pin": p.pin,
                "full_name": p.full_name,
                "marital_status": c.status_at_issue,
                "purpose": c.purpose,
                "issue_date": c.issued_on.isoformat(),
                "issuing_authority": c.authority,
            },
            issued_on=c.issued_on,
        )
        for c in p.marital_confirmations
    ]


def _deaths(people: People, p: Person) -> list[RegistryRecord]:
    if not (p.died_on and p.death_reg_no):
        return []
    registered = p.death_reg_date or p.died_on
    fields = {
        "full_name": p.full_name,
        "dob": p.dob.isoformat(),
        "pin": p.pin,
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "nationality": p.nationality,
        "residence": p.permanent_address,
        "date_of_death": p.died_on.isoformat(),
        "registering_authority": p.death_reg_authority or _authority(p.permanent_address),
        "registration_date": registered.isoformat(),
    }
    return [RegistryRecord(record_id=p.death_reg_no, fields=fields, issued_on=registered)]


def _divorce_notes(people: People, p: Person) -> list[RegistryRecord]:
    records = []
    for event in p.marital_history:
        if event.status != "divorced":
            continue
        reg_no = event.reg_no or f"HT-GCLH/{event.on.year}/{p.pin[-6:]}"
        fields = {
            "pin": p.pin,
            "spouse_pin": event.spouse_pin,
            "judgment_ref": event.judgment_ref or f"{int(p.pin[-4:])}/{event.on.year}/HNGĐ-ST",
            "recording_authority": event.authority or _authority(p.permanent_address),
            "recording_date": event.on.isoformat(),
        }
        records.append(RegistryRecord(record_id=reg_no, fields=fields, issued_on=event.on))
    return records


def _none(people: People, p: Person) -> list[RegistryRecord]:
    return []


_BUILDERS: dict[str, Builder] = {
    "KHAI_SINH": _births,
    "KET_HON": _marriages,
    "XN_TTHN": _confirmations,
    "KHAI_TU": _deaths,
    "GHI_CHU_LY_HON": _divorce_notes,
    "NUOI_CON_NUOI": _none,
    "THAY_DOI_HO_TICH": _none,
}


class CivilStatusRegistry:
    """Answers one query from the world (the part of the simulator without HTTP)."""

    def __init__(self, world: World) -> None:
        self._people = world.people

    def answer(self, query: Query) -> Result:
        echo = (query.tx_id, query.document_type, query.pin)
        builder = _BUILDERS.get(query.document_type)
        if builder is None or not _PIN_RE.match(query.pin):
            return Result(Code.INVALID_REQUEST, *echo)
        person = self._people.get(query.pin)
        records = builder(self._people, person) if person else []
        if person is None or not records:
            return Result(Code.NO_RECORD, *echo)
        if query.document_type != "XN_TTHN":
            return Result(Code.FOUND, *echo, records=tuple(records))
        history = person.marital_history
        return Result(
            Code.FOUND,
            *echo,
            records=tuple(records),
            current_marital_status=person.marital_status,
            last_marital_change_on=history[-1].on if history else None,
        )


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=client.XML_CONTENT_TYPE)


def _fault(status: int, code: str, message: str) -> Response:
    return _xml(client.encode_fault(Fault(code, message)), status)


def build_simulator(world: World, token: str) -> Starlette:
    """The HOTICH simulator app; it refuses calls without `Authorization: Bearer <token>`."""
    registry = CivilStatusRegistry(world)
    expected = client.auth_headers(token)["Authorization"].encode()

    async def lookup(request: Request) -> Response:
        presented = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(presented, expected):
            return _fault(401, "soap:Client", "Unauthorized")
        body = await request.body()
        if len(body) > _MAX_BODY_BYTES:
            return _fault(413, "soap:Client", "Request too large")
        try:
            query = client.decode_query(body)
        except MappingError:
            # SOAP 1.1 sends every fault, the client's included, with HTTP 500.
            return _fault(500, "soap:Client", "Malformed request")
        return _xml(client.encode_result(registry.answer(query)))

    async def wsdl(request: Request) -> Response:
        return _xml(_WSDL)

    return Starlette(
        routes=[
            Route(client.QUERY_PATH, lookup, methods=["POST"]),
            Route(client.WSDL_PATH, wsdl, methods=["GET"]),
        ]
    )
