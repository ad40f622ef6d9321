"""DKDN simulator: the business-registration gateway's JSON envelope served from the world.

Enterprises are indexed by code in the world itself; branches are indexed by their code once,
when the app is built, so a request costs a dict lookup and one small JSON document. The world
holds no household businesses, so GCN_HKD is "not found" (ma_loi 04) for every number.
Like the real gateway, it answers application errors (refused credentials included) with HTTP 200.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.dkdn import client
from adapters.dkdn.client import ErrorCode
from adapters.dkdn.mapping import record_to_wire
from adapters.simulators.world import Branch, Enterprise, World
from shared_data.domain import RegistryRecord

_KEY_SHAPES = {
    "GCN_DKDN": re.compile(r"^\d{10}$", re.ASCII),
    "GCN_CHI_NHANH": re.compile(r"^\d{10}-\d{3}$", re.ASCII),
    "GCN_HKD": re.compile(r"^(\d{10}|\d{12}|\d{13})$", re.ASCII),
}
Finder = Callable[[str], RegistryRecord | None]


def _enterprise_record(e: Enterprise, legal_rep_name: str | None) -> RegistryRecord:
    fields = {
        "enterprise_code": e.code,
        "name_vi": e.name_vi,
        "name_en": e.name_en or None,
        "type": e.type,
        "address": e.address,
        "charter_capital": e.charter_capital,
        "legal_rep_name": legal_rep_name,
        "legal_rep_pin": e.legal_rep_pin,
        "first_reg_date": e.first_registered_on.isoformat(),
        "latest_change_no": e.latest_change_no,
        # Change number 0 means the first certificate is still the one in force.
        "latest_change_date": e.latest_change_on.isoformat() if e.latest_change_no else None,
        "status": e.status,
    }
    issued = e.latest_change_on if e.latest_change_no else e.first_registered_on
    return RegistryRecord(record_id=e.code, fields=fields, issued_on=issued, status=e.status)


def _branch_record(parent: Enterprise, b: Branch) -> RegistryRecord:
    fields = {
        "branch_code": b.branch_code,
        "parent_code": parent.code,
        "name": b.name,
        "address": b.address,
        "head_pin": b.head_pin,
        "reg_date": b.registered_on.isoformat(),
        "status": b.status,
    }
    return RegistryRecord(
        record_id=b.branch_code, fields=fields, issued_on=b.registered_on, status=b.status
    )


class BusinessRegistry:
    """Answers one lookup from the world (the part of the simulator without HTTP)."""

    def __init__(self, world: World) -> None:
        self._people = world.people
        self._enterprises = world.enterprises
        self._branches = {
            b.branch_code: (e, b) for e in world.enterprises.values() for b in e.branches
        }
        self.finders: dict[str, Finder] = {
            "GCN_DKDN": self.enterprise,
            "GCN_CHI_NHANH": self.branch,
            "GCN_HKD": lambda reg_no: None,
        }

    def enterprise(self, code: str) -> RegistryRecord | None:
        e = self._enterprises.get(code)
        if e is None:
            return None
        rep = self._people.get(e.legal_rep_pin)
        return _enterprise_record(e, rep.full_name if rep else None)

    def branch(self, code: str) -> RegistryRecord | None:
        found = self._branches.get(code)
        return _branch_record(*found) if found else None


def _json(code: ErrorCode, data: dict[str, object] | None = None) -> Response:
    return Response(client.encode_envelope(code, data), media_type=client.JSON_CONTENT_TYPE)


def build_simulator(world: World, token: str) -> Starlette:
    """The DKDN simulator app; it refuses calls without `X-Client-Secret: <token>`."""
    registry = BusinessRegistry(world)
    secret = token.encode()

    def lookup_route(document_type: str) -> Route:
        find = registry.finders[document_type]
        shape = _KEY_SHAPES[document_type]

        async def lookup(request: Request) -> Response:
            presented = request.headers.get("x-client-secret", "").encode()
            if not request.headers.get("x-client-id") or not hmac.compare_digest(presented, secret):
                return _json(ErrorCode.UNAUTHORIZED)
            key = request.path_params["key"]
            if not shape.match(key):
                return _json(ErrorCode.INVALID_PARAMETER)
            record = find(key)
            if record is None:
                return _json(ErrorCode.NOT_FOUND)
            return _json(ErrorCode.OK, record_to_wire(document_type, record))

        return Route(client.PATHS[document_type].format("{key}"), lookup, methods=["GET"])

    async def health(request: Request) -> Response:
        return _json(ErrorCode.OK, {"trang_thai": "hoat_dong"})

    routes = [lookup_route(document_type) for document_type in client.PATHS]
    return Starlette(routes=[*routes, Route(client.HEALTH_PATH, health, methods=["GET"])])
