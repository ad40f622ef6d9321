"""LLTP simulator: the judicial-records service, asynchronous, served from the synthetic world.

A submitted request is processing until it is ready: `ready_after_s` seconds after it was
filed, or at its `ready_after_polls`-th poll, whichever comes first (defaults: 2 s, 2nd poll;
`ready_after_s=0` answers at once). Then the certificate is issued as of `today()` (the
world's date, or the real one once it is later), from the world's judicial records
(`simulators.data.judicial`). Requests live in memory, oldest evicted past `max_requests`;
filing is idempotent on (`ma_giao_dich`, kind, PIN).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.lltp import client
from adapters.lltp.client import RequestStateWire, State, SubmitWire
from adapters.lltp.mapping import record_to_wire
from adapters.mapping_helpers import WireFormatError
from adapters.simulators.data.draw import Draw
from adapters.simulators.data.judicial import JudicialRecord, JudicialRegister, issuer_on
from adapters.simulators.world import World
from shared_data.domain import RegistryRecord

_MAX_BODY_BYTES = 4_000
_DOCUMENT_TYPES = {kind: document_type for document_type, kind in client.CERTIFICATE_KINDS.items()}


@dataclass(slots=True)
class _Filed:
    ticket: str
    submit: SubmitWire
    filed_at: float
    polls: int = 0


def certificate(kind: int, record: JudicialRecord, issued_on: date) -> RegistryRecord:
    """The certificate of `kind` (1 or 2) the registry issues on `issued_on`."""
    serial = Draw("lltp-no", record.pin, kind, issued_on).below("no", 10**6)
    fields: dict[str, object] = {"pin": record.pin, "full_name": record.full_name}
    if kind == 1:
        fields["has_criminal_record"] = record.has_criminal_record
        fields["management_ban"] = record.management_ban
    else:
        fields["full_record"] = [
            {
                "judgment_ref": c.judgment_ref,
                "court": c.court,
                "judged_on": c.judged_on.isoformat(),
                "offence": c.offence,
                "sentence": c.sentence,
                "expunged": c.expunged,
            }
            for c in record.convictions
        ]
    fields["issue_date"] = issued_on.isoformat()
    fields["issuer"] = issuer_on(issued_on)
    record_id = f"LLTP{kind}-{issued_on:%Y%m%d}-{serial:06d}"
    return RegistryRecord(record_id=record_id, fields=fields, issued_on=issued_on)


class JudicialRegistry:
    """Files and answers certificate requests (the part of the simulator without HTTP)."""

    def __init__(
        self,
        world: World,
        *,
        ready_after_s: float = 2.0,
        ready_after_polls: int | None = 2,
        max_requests: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] | None = None,
    ) -> None:
        self._register = JudicialRegister(world)
        self._ready_after_s = ready_after_s
        self._ready_after_polls = ready_after_polls
        self._max_requests = max_requests
        self._clock = clock
        self._today = today or (lambda: max(world.as_of, date.today()))
        self._filed: OrderedDict[str, _Filed] = OrderedDict()
        self._by_tx: dict[tuple[str, int, str], str] = {}

    def submit(self, submit: SubmitWire) -> RequestStateWire:
        key = (submit.ma_giao_dich, submit.loai_phieu, submit.so_dinh_danh)
        ticket = self._by_tx.get(key)
        if ticket is None or ticket not in self._filed:
            ticket = f"YC{secrets.token_hex(8).upper()}"
            self._filed[ticket] = _Filed(ticket, submit, self._clock())
            self._by_tx[key] = ticket
            self._evict()
        return self._state(self._filed[ticket])

    def poll(self, ticket: str) -> RequestStateWire | None:
        filed = self._filed.get(ticket)
        if filed is None:
            return None
        filed.polls += 1
        return self._state(filed)

    def _ready(self, filed: _Filed) -> bool:
        if self._clock() - filed.filed_at >= self._ready_after_s:
            return True
        return self._ready_after_polls is not None and filed.polls >= self._ready_after_polls

    def _state(self, filed: _Filed) -> RequestStateWire:
        submit = filed.submit
        if not self._ready(filed):
            wait = max(1, round(self._ready_after_s - (self._clock() - filed.filed_at)))
            return _echo(filed, State.PROCESSING, thoi_gian_cho=wait)
        record = self._register.record(submit.so_dinh_danh)
        if record is None:
            return _echo(filed, State.NO_RECORD)
        issued = certificate(submit.loai_phieu, record, self._today())
        phieu = record_to_wire(_DOCUMENT_TYPES[submit.loai_phieu], issued)
        return _echo(filed, State.ISSUED, phieu=phieu)

    def _evict(self) -> None:
        while len(self._filed) > self._max_requests:
            _, oldest = self._filed.popitem(last=False)
            key = (oldest.submit.ma_giao_dich, oldest.submit.loai_phieu, oldest.submit.so_dinh_danh)
            self._by_tx.pop(key, None)


def _echo(filed: _Filed, state: State, **answer: Any) -> RequestStateWire:
    """The request's state, echoing what was asked."""
    submit = filed.submit
    return RequestStateWire(
        ma_yeu_cau=filed.ticket,
        ma_giao_dich=submit.ma_giao_dich,
        loai_phieu=submit.loai_phieu,
        so_dinh_danh=submit.so_dinh_danh,
        trang_thai=state,
        **answer,
    )


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=client.JSON_CONTENT_TYPE)


def _state_response(state: RequestStateWire) -> Response:
    status = 202 if state.trang_thai is State.PROCESSING else 200
    return _json(client.encode_state(state), status)


def build_simulator(
    world: World,
    token: str,
    *,
    ready_after_s: float = 2.0,
    ready_after_polls: int | None = 2,
    today: Callable[[], date] | None = None,
) -> Starlette:
    """The LLTP simulator app (readiness as in `JudicialRegistry`); bearer `token` only."""
    registry = JudicialRegistry(
        world, ready_after_s=ready_after_s, ready_after_polls=ready_after_polls, today=today
    )
    expected = client.auth_headers(token)["Authorization"].encode()

    def authorised(request: Request) -> bool:
        presented = request.headers.get("authorization", "").encode()
        return hmac.compare_digest(presented, expected)

    async def submit(request: Request) -> Response:
        if not authorised(request):
            return _json(client.encode_error("KHONG_XAC_THUC", "Không xác thực được"), 401)
        body = await request.body()
        try:
            if len(body) > _MAX_BODY_BYTES:
                raise WireFormatError("request too large")
            wire = client.decode_submit(body)
        except WireFormatError:
            return _json(client.encode_error("DU_LIEU_KHONG_HOP_LE", "Yêu cầu không hợp lệ"), 400)
        return _state_response(registry.submit(wire))

    async def poll(request: Request) -> Response:
        if not authorised(request):
            return _json(client.encode_error("KHONG_XAC_THUC", "Không xác thực được"), 401)
        state = registry.poll(request.path_params["ticket"])
        if state is None:
            return _json(client.encode_error("KHONG_TON_TAI", "Không có yêu cầu này"), 404)
        return _state_response(state)

    async def status(request: Request) -> Response:
        return _json(b'{"trang_thai":"HOAT_DONG"}')

    return Starlette(
        routes=[
            Route(client.SUBMIT_PATH, submit, methods=["POST"]),
            Route(client.POLL_PATH.format("{ticket}"), poll, methods=["GET"]),
            Route(client.STATUS_PATH, status, methods=["GET"]),
        ]
    )
