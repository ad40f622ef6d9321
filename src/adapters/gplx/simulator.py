"""GPLX simulator: the licence lookup served from the world's derived licences.

Licences come from `simulators.data.licences`, indexed by number and by holder PIN once when
the app is built. Credentials are HTTP Basic; the key is compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.gplx import client
from adapters.gplx.client import Result
from adapters.gplx.mapping import record_to_wire
from adapters.mapping_helpers import iso
from adapters.simulators.data.licences import Licence, build_licences
from adapters.simulators.world import World
from shared_data.domain import RegistryRecord

_TWELVE_DIGITS = re.compile(r"^[0-9]{12}$")


def licence_record(licence: Licence) -> RegistryRecord:
    classes = [{"class": c.name, "issued_on": iso(c.issued_on), "expires_on": iso(c.expires_on)}
               for c in licence.classes]  # fmt: skip
    fields = {"dl_no": licence.dl_no, "pin": licence.pin, "classes": classes,
              "issue_date": iso(licence.issued_on), "expiry_date": iso(licence.expires_on),
              "status": licence.status, "points": licence.points}  # fmt: skip
    return RegistryRecord(
        record_id=licence.dl_no, fields=fields, issued_on=licence.issued_on,
        valid_until=licence.expires_on, status=licence.status,
    )  # fmt: skip


def _key_of(request: Request) -> str | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        _, sep, key = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return key if sep else None


def build_simulator(world: World, token: str) -> Starlette:
    """The GPLX simulator app; it refuses calls without Basic credentials carrying `token`."""
    by_number = build_licences(world)
    by_holder = {licence.pin: licence for licence in by_number.values()}
    expected = token.encode()

    async def lookup(request: Request) -> Response:
        key = _key_of(request)
        if key is None or not hmac.compare_digest(key.encode(), expected):
            return JSONResponse({"ket_qua": "LOI_XAC_THUC"}, status_code=401,
                                headers={"WWW-Authenticate": 'Basic realm="gplx"'})  # fmt: skip
        query = request.query_params
        given = [k for k in client.QUERY_KEYS.values() if k in query]
        if len(given) != 1 or not _TWELVE_DIGITS.match(query[given[0]]):
            return JSONResponse({"ket_qua": "THAM_SO_KHONG_HOP_LE"}, status_code=400)
        value = query[given[0]]
        licence = by_number.get(value) if given[0] == "so_gplx" else by_holder.get(value)
        if licence is None:
            return JSONResponse({"ket_qua": Result.NO_RECORD.value, "giay_phep": None})
        body = {"ket_qua": Result.FOUND.value, "giay_phep": record_to_wire(licence_record(licence))}
        return JSONResponse(body)

    async def ping(request: Request) -> Response:
        return JSONResponse({"ket_qua": "OK"})

    return Starlette(
        routes=[
            Route(client.LOOKUP_PATH, lookup, methods=["GET"]),
            Route(client.PING_PATH, ping, methods=["GET"]),
        ]
    )
