"""DKXE simulator: the vehicle register's search API served from the world's derived vehicles.

Vehicles come from `simulators.data.vehicles`, indexed once by compact plate and by owner
(newest registration first), so a search costs a dict lookup and a short filter.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.dkxe import client
from adapters.dkxe.mapping import compact_plate, record_to_item
from adapters.mapping_helpers import iso
from adapters.simulators.data.vehicles import Vehicle, build_vehicles
from adapters.simulators.world import World
from shared_data.domain import RegistryRecord

_MAX_BODY_BYTES = 4_096


def vehicle_record(v: Vehicle) -> RegistryRecord:
    fields = {"plate_no": v.plate_no, "owner_id": v.owner_id, "vehicle_type": v.vehicle_type,
              "brand": v.brand, "chassis_no": v.chassis_no, "engine_no": v.engine_no,
              "reg_date": iso(v.registered_on), "status": v.status}  # fmt: skip
    return RegistryRecord(record_id=v.plate_no, fields=fields, issued_on=v.registered_on,
                          status=v.status)  # fmt: skip


class VehicleRegister:
    """Searches over one world's vehicles (the part of the simulator without HTTP)."""

    def __init__(self, world: World) -> None:
        vehicles = sorted(build_vehicles(world).values(), key=lambda v: v.registered_on,
                          reverse=True)  # fmt: skip
        self.by_plate = {compact_plate(v.plate_no): v for v in vehicles}
        self.by_owner: dict[str, list[Vehicle]] = {}
        for v in vehicles:
            self.by_owner.setdefault(v.owner_id, []).append(v)

    def search(self, conditions: dict[str, Any]) -> list[Vehicle]:
        """Newest first; `conHieuLuc` keeps current registrations only."""
        plate, owner = conditions.get("bienSo"), conditions.get("chuXe")
        if plate is not None:
            found = self.by_plate.get(plate)
            candidates = [found] if found else []
        else:
            candidates = self.by_owner.get(owner["so"], []) if owner else []
        if owner is not None:
            kind = "PIN" if owner["loai"] == "CA_NHAN" else "ENTERPRISE_CODE"
            candidates = [v for v in candidates
                          if v.owner_id == owner["so"] and v.owner_scheme == kind]  # fmt: skip
        if conditions.get("conHieuLuc"):
            candidates = [v for v in candidates if v.status == "registered"]
        return candidates


def _valid_search(query: Any) -> bool:
    if not isinstance(query, dict) or not isinstance(query.get("filter"), dict):
        return False
    conditions = query["filter"]
    owner = conditions.get("chuXe")
    plate_ok = isinstance(conditions.get("bienSo", ""), str)
    owner_ok = owner is None or (
        isinstance(owner, dict) and owner.get("loai") in ("CA_NHAN", "TO_CHUC")
        and isinstance(owner.get("so"), str)
    )  # fmt: skip
    paging_ok = all(isinstance(query.get(k), int) and query[k] >= 1 for k in ("page", "pageSize"))
    named = "bienSo" in conditions or owner is not None
    return plate_ok and owner_ok and paging_ok and named and query["pageSize"] <= 100


def build_simulator(world: World, token: str) -> Starlette:
    """The DKXE simulator app; it refuses calls without `Authorization: ApiKey <token>`."""
    register = VehicleRegister(world)
    expected = f"ApiKey {token}".encode()

    async def search(request: Request) -> Response:
        presented = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(presented, expected):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        body = await request.body()
        try:
            query = json.loads(body) if len(body) <= _MAX_BODY_BYTES else None
        except ValueError:
            query = None
        if not _valid_search(query):
            return JSONResponse({"error": "invalid search"}, status_code=400)
        assert query is not None
        found = register.search(query["filter"])
        if query.get("sort") not in (None, client.NEWEST_FIRST):
            found = sorted(found, key=lambda v: v.registered_on)
        page, size = query["page"], query["pageSize"]
        items = [record_to_item(vehicle_record(v)) for v in found[(page - 1) * size : page * size]]
        return JSONResponse({"total": len(found), "page": page, "pageSize": size, "items": items})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "UP"})

    return Starlette(
        routes=[
            Route(client.SEARCH_PATH, search, methods=["POST"]),
            Route(client.HEALTH_PATH, health, methods=["GET"]),
        ]
    )
