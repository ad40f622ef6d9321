"""DANCU and CUTRU simulators: the wire format of `client`, served from the synthetic world.

Each answer is world -> canonical record (here) -> registry JSON (`mapping.record_to_wire`,
the same mapping the adapters read with). Requests cost dict lookups only: the CMND9
cross-walk is the world's index, households are indexed once when the app is built.
CUTRU's confirmation date is "today", never earlier than the world's as-of date.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.population import client
from adapters.population.mapping import RELATIONSHIPS, iso, record_to_wire
from adapters.population.wire import LookupKind
from adapters.simulators.world import Person, World
from shared_data.domain import RegistryRecord

_PIN = re.compile(r"^[0-9]{12}$")
_CMND9 = re.compile(r"^[0-9]{9}$")
_KIND_TO_DOCUMENT = {
    LookupKind.CARD: "CCCD",
    LookupKind.LEGACY_ID: "XN_CMND9",
    LookupKind.HOUSEHOLD_RELATION: "QH_NHAN_THAN",
}
_MAX_BODY_BYTES = 4_096
Handler = Callable[[Request], Awaitable[Response]]


def _citizen_status(p: Person) -> str:
    return "deceased" if p.died_on else "active"


def _ref(p: Person) -> dict[str, Any]:
    return {"pin": p.pin, "full_name": p.full_name}


class PopulationRegistry:
    """The population and residence registers over one world (the part without HTTP)."""

    def __init__(self, world: World) -> None:
        self.world = world
        # Living members per household, head first; the dead are deregistered.
        self.households: dict[str, list[Person]] = {}
        for person in world.people.values():
            if person.died_on is None:
                self.households.setdefault(person.household_id, []).append(person)
        for members in self.households.values():
            members.sort(key=lambda m: m.pin != m.household_head_pin)

    def today(self) -> date:
        return max(self.world.as_of, date.today())

    def resolve(self, pin: str | None, cmnd9: str | None) -> Person | None:
        if cmnd9 is not None:
            pin = self.world.cmnd9_index.get(cmnd9)
        return self.world.people.get(pin) if pin else None

    def card(self, p: Person) -> RegistryRecord:
        fields = {
            "pin": p.pin,
            "full_name": p.full_name,
            "dob": iso(p.dob),
            "sex": p.sex,
            "nationality": p.nationality,
            "place_of_origin": p.home_town,
            "place_of_residence": p.permanent_address,
            "issue_date": iso(p.card_issued_on),
            "expiry_date": iso(p.card_expires_on),
        }
        return RegistryRecord(
            record_id=p.pin,
            fields=fields,
            issued_on=p.card_issued_on,
            valid_until=p.card_expires_on,
            status=_citizen_status(p),
        )

    def legacy_id(self, p: Person) -> RegistryRecord | None:
        if p.cmnd9 is None:
            return None  # never held a 9-digit card: the registry has nothing to confirm
        fields = {"pin": p.pin, "cmnd9": p.cmnd9, "full_name": p.full_name, "dob": iso(p.dob)}
        return RegistryRecord(record_id=p.pin, fields=fields, status=_citizen_status(p))

    def relation(self, p: Person) -> RegistryRecord:
        fields = {
            "pin": p.pin,
            "household_head_pin": p.household_head_pin,
            "relationship": RELATIONSHIPS[p.relationship_to_head],
        }
        return RegistryRecord(record_id=p.pin, fields=fields, status=_citizen_status(p))

    def _household_fields(self, p: Person) -> dict[str, Any]:
        head = self.world.people[p.household_head_pin]
        members = [
            {**_ref(m), "relationship": RELATIONSHIPS[m.relationship_to_head]}
            for m in self.households.get(p.household_id, [])
        ]
        return {
            "pin": p.pin,
            "permanent_address": p.permanent_address,
            "household_head": _ref(head),
            "members": members,
        }

    def residence(self, p: Person) -> RegistryRecord:
        history = [
            {"address": s.address, "kind": s.kind, "since": iso(s.since), "until": iso(s.until)}
            for s in p.residence_history
        ]
        fields = {
            **self._household_fields(p),
            "full_name": p.full_name,
            "temporary_address": p.temporary_address,
            "current_address": p.current_address,
            "history": history,
        }
        return RegistryRecord(
            record_id=p.pin,
            fields=fields,
            issued_on=self.today(),
            status="deregistered" if p.died_on else "registered",
        )

    def household(self, p: Person) -> RegistryRecord:
        return RegistryRecord(
            record_id=p.pin,
            fields=self._household_fields(p),
            status="deregistered" if p.died_on else "registered",
        )

    def answer(self, document_type: str, p: Person) -> RegistryRecord | None:
        builders: dict[str, Callable[[Person], RegistryRecord | None]] = {
            "CCCD": self.card,
            "XN_CMND9": self.legacy_id,
            "QH_NHAN_THAN": self.relation,
            "CT07": self.residence,
            "SO_HO_KHAU": self.household,
        }
        return builders[document_type](p)


# --- HTTP ----------------------------------------------------------------------------------


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"maLoi": code, "thongBao": message}, status_code=status)


def _not_found(message: str = "Không tìm thấy thông tin công dân") -> JSONResponse:
    return _error(404, client.NOT_FOUND_CODE, message)


def _bad_request() -> JSONResponse:
    return _error(400, "YEU_CAU_KHONG_HOP_LE", "Yêu cầu không hợp lệ")


def _guarded(token: str, handler: Handler) -> Handler:
    """Refuse every call without the API key (compared in constant time)."""
    expected = token.encode()

    async def guarded(request: Request) -> Response:
        presented = request.headers.get(client.API_KEY_HEADER, "").encode()
        if not hmac.compare_digest(presented, expected):
            return _error(401, "CHUA_XAC_THUC", "Thiếu hoặc sai khóa truy cập")
        return await handler(request)

    return guarded


async def _status(request: Request) -> Response:
    return JSONResponse({"trangThai": "HOAT_DONG"})


def _document_response(registry: PopulationRegistry, document_type: str, p: Person) -> Response:
    record = registry.answer(document_type, p)
    if record is None:
        return _not_found("Không có dữ liệu cho loại tra cứu này")
    return JSONResponse(record_to_wire(document_type, record))


def _read_query(body: bytes) -> tuple[str, str | None, str | None] | None:
    """(document type, PIN, CMND9) of a DANCU query, or None if it is malformed."""
    try:
        query = json.loads(body) if len(body) <= _MAX_BODY_BYTES else None
    except ValueError:
        return None
    if not isinstance(query, dict):
        return None
    try:
        kind = LookupKind(str(query.get("loaiTraCuu")))
    except ValueError:
        return None
    pin, cmnd9 = query.get("soDinhDanh"), query.get("soCMND")
    if (pin is None) == (cmnd9 is None):
        return None
    if (pin is not None and not _PIN.match(str(pin))) or (
        cmnd9 is not None and not _CMND9.match(str(cmnd9))
    ):
        return None
    return _KIND_TO_DOCUMENT[kind], pin, cmnd9


def build_dancu_simulator(world: World, token: str) -> Starlette:
    """DANCU: `POST /api/v1/congdan/tracuu`, `GET /api/v1/trangthai`; key in `X-Api-Key`."""
    registry = PopulationRegistry(world)

    async def lookup(request: Request) -> Response:
        query = _read_query(await request.body())
        if query is None:
            return _bad_request()
        document_type, pin, cmnd9 = query
        person = registry.resolve(pin, cmnd9)
        if person is None:
            return _not_found()
        return _document_response(registry, document_type, person)

    return Starlette(
        routes=[
            Route(client.DANCU_LOOKUP_PATH, _guarded(token, lookup), methods=["POST"]),
            Route(client.STATUS_PATH, _guarded(token, _status), methods=["GET"]),
        ]
    )


def build_cutru_simulator(world: World, token: str) -> Starlette:
    """CUTRU: `GET /api/v1/cutru/{pin}` (CT07), `GET /api/v1/hogiadinh/{pin}` (SO_HO_KHAU)."""
    registry = PopulationRegistry(world)

    def endpoint(document_type: str) -> Handler:
        async def lookup(request: Request) -> Response:
            pin = request.path_params["pin"]
            if not _PIN.match(pin):
                return _bad_request()
            person = registry.resolve(pin, None)
            if person is None:
                return _not_found()
            return _document_response(registry, document_type, person)

        return _guarded(token, lookup)

    routes = [
        Route(path, endpoint(document_type), methods=["GET"])
        for document_type, path in client.CUTRU_PATHS.items()
    ]
    return Starlette(routes=[*routes, Route(client.STATUS_PATH, _guarded(token, _status))])
