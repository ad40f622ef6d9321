"""BHXH simulator: VSS's signed JSON-RPC gateway served from the synthetic world.

The insurance book (codes, histories, cards: `simulators.data.insurance`) is derived from the
world once, when the app is built; a request costs a few dict lookups and one small JSON
document. Like the real gateway it answers every JSON-RPC error, a refused signature
included, with HTTP 200.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.bhxh import client
from adapters.bhxh.client import RpcCode, RpcRequest, Signer
from adapters.bhxh.mapping import record_to_wire, unavailable_card_to_wire
from adapters.mapping_helpers import WireFormatError
from adapters.simulators.data.insurance import (
    CARD_DATA_UNAVAILABLE,
    InsuranceBook,
    months_between,
)
from adapters.simulators.world import Person, World
from shared_data.domain import RegistryRecord

_MAX_BODY_BYTES = 16_000
_DOCUMENT_TYPES = {method: document_type for document_type, method in client.METHODS.items()}
_SHAPES = {"soDinhDanh": 12, "maSoBhxh": 10}
Answer = tuple[dict[str, Any] | None, RpcCode | None]


class InsuranceRegistry:
    """Answers one JSON-RPC call from the world (the part of the simulator without HTTP)."""

    def __init__(self, world: World) -> None:
        self._book = InsuranceBook(world)
        self._as_of = world.as_of

    def answer(self, rpc: RpcRequest) -> Answer:
        if rpc.method == client.PING_METHOD:
            return {"trangThai": "HOAT_DONG"}, None
        document_type = _DOCUMENT_TYPES.get(rpc.method)
        if document_type is None:
            return None, RpcCode.METHOD_NOT_FOUND
        pin = self._pin(rpc.params)
        if pin is None:
            return None, RpcCode.INVALID_PARAMS
        person = self._book.person(pin)
        if person is None:
            return None, RpcCode.NO_RECORD
        if document_type == "SO_BHXH":
            record = self._history(person)
        elif person.pin in CARD_DATA_UNAVAILABLE:
            return unavailable_card_to_wire(person.pin, self._book.si_codes[person.pin]), None
        else:
            record = self._card(person)
        if record is None:
            return None, RpcCode.NO_RECORD
        return record_to_wire(document_type, record), None

    def _pin(self, params: dict[str, str]) -> str | None:
        """The PIN the params name ("" when no one has that code); None if they are invalid."""
        if len(params) != 1:
            return None
        ((key, value),) = params.items()
        if _SHAPES.get(key) != len(value) or not value.isascii() or not value.isdigit():
            return None
        return value if key == "soDinhDanh" else self._book.pins_by_si_code.get(value, "")

    def _history(self, person: Person) -> RegistryRecord | None:
        periods = self._book.periods(person)
        if not periods:
            return None
        rows: list[dict[str, Any]] = []
        for p in periods:
            # A running period counts the months paid so far: up to last month.
            months = months_between(p.first, p.last or self._as_of) - (0 if p.last else 1)
            rows.append(
                {
                    "from": p.first.strftime("%Y-%m"),
                    "to": p.last.strftime("%Y-%m") if p.last else None,
                    "employer_code": p.employer_code,
                    "months": months,
                    "unemployment_insurance": p.unemployment_insurance,
                }
            )
        fields = {
            "pin": person.pin,
            "si_code": self._book.si_codes[person.pin],
            "periods": rows,
            "total_months": sum(r["months"] for r in rows),
            "ui_months": sum(r["months"] for r in rows if r["unemployment_insurance"]),
        }
        return RegistryRecord(record_id=fields["si_code"], fields=fields)

    def _card(self, person: Person) -> RegistryRecord | None:
        card = self._book.card(person)
        if card is None:
            return None
        fields = {
            "pin": person.pin,
            "card_no": card.card_no,
            "valid_from": card.valid_from.isoformat(),
            "valid_to": card.valid_to.isoformat(),
            "primary_care_facility": {"code": card.facility_code, "name": card.facility_name},
        }
        return RegistryRecord(record_id=card.card_no, fields=fields)


def _json(body: bytes) -> Response:
    return Response(body, media_type=client.JSON_CONTENT_TYPE)


def build_simulator(world: World, token: str) -> Starlette:
    """The BHXH simulator app; it refuses calls not signed with `token`."""
    registry = InsuranceRegistry(world)
    signer = Signer(token)

    async def rpc(request: Request) -> Response:
        body = await request.body()
        if len(body) > _MAX_BODY_BYTES:
            return _json(client.encode_error(None, RpcCode.INVALID_REQUEST))
        if not signer.verify(request.headers, body):
            return _json(client.encode_error(None, RpcCode.UNAUTHORIZED))
        try:
            call = client.decode_request(body)
        except WireFormatError:
            return _json(client.encode_error(None, RpcCode.PARSE_ERROR))
        result, error = registry.answer(call)
        if error is not None:
            return _json(client.encode_error(call.id, error))
        return _json(client.encode_result(call.id, result or {}))

    return Starlette(routes=[Route(client.RPC_PATH, rpc, methods=["POST"])])
