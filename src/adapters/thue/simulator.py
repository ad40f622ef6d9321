"""THUE simulator: the tax gateway's JSON:API served from the world's derived tax data.

Accounts and receipts come from `simulators.data.tax` (receipts from the vehicle register),
indexed once when the app is built. An obligation confirmation is issued "today" (never before
the world's date) for the year to the end of last month. Requests must carry a fresh, valid
signature (`client.SIGNED_HEADERS`); the probe needs none.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.mapping_helpers import iso
from adapters.simulators.data.tax import Receipt, TaxAccount, build_accounts, build_receipts
from adapters.simulators.data.vehicles import build_vehicles
from adapters.simulators.world import World
from adapters.thue import client
from adapters.thue.mapping import record_to_resource
from shared_data.domain import RegistryRecord

_CODE_RE = re.compile(r"^([0-9]{10}(-[0-9]{3})?|[0-9]{12})$")
_PIN_RE = re.compile(r"^[0-9]{12}$")


def _period(today: date) -> str:
    """The year to the end of last month (all of last year in January)."""
    end = today.replace(day=1) - timedelta(days=1)
    return f"{date(end.year, 1, 1).isoformat()}/{end.isoformat()}"


class TaxRegistry:
    """The tax department's answers over one world (the part of the simulator without HTTP)."""

    def __init__(self, world: World) -> None:
        self.as_of = world.as_of
        self.accounts: dict[str, TaxAccount] = build_accounts(world)
        self.receipts: dict[str, list[Receipt]] = {}
        for receipt in build_receipts(build_vehicles(world)):
            self.receipts.setdefault(receipt.payer_id, []).append(receipt)
        for receipts in self.receipts.values():
            receipts.sort(key=lambda r: (r.paid_on, r.receipt_no), reverse=True)

    def today(self) -> date:
        return max(self.as_of, date.today())

    def obligation(self, account: TaxAccount) -> RegistryRecord:
        today = self.today()
        fields = {"mst": account.taxpayer_id, "period": _period(today),
                  "outstanding_amount": account.outstanding_amount, "status": account.status,
                  "as_of": iso(today)}  # fmt: skip
        number = f"XNNV-{account.taxpayer_id}-{today:%Y%m%d}"
        return RegistryRecord(record_id=number, fields=fields, issued_on=today,
                              status=account.status)  # fmt: skip

    def receipts_of(self, code: str, paid_for: str | None) -> list[RegistryRecord]:
        return [
            RegistryRecord(
                record_id=r.receipt_no,
                fields={
                    "payer_id": r.payer_id,
                    "object_ref": r.object_ref,
                    "amount": r.amount,
                    "paid_at": iso(r.paid_on),
                    "receipt_no": r.receipt_no,
                },
                issued_on=r.paid_on,
            )
            for r in self.receipts.get(code, ())
            if paid_for is None or r.object_ref == paid_for
        ]

    @staticmethod
    def legacy(account: TaxAccount) -> RegistryRecord | None:
        if account.legacy_mst is None or not _PIN_RE.match(account.taxpayer_id):
            return None
        fields = {"pin": account.taxpayer_id, "legacy_mst": account.legacy_mst}
        return RegistryRecord(record_id=account.taxpayer_id, fields=fields)


def _json(document: dict[str, Any], status: int = 200) -> Response:
    return Response(client.encode(document), status_code=status, media_type=client.MEDIA_TYPE)


def _error(status: int, code: str, title: str) -> Response:
    return _json(client.error_document(status, code, title), status)


def _signed(request: Request, secret: str) -> bool:
    query = request.scope.get("query_string", b"")
    target = request.scope.get("raw_path", request.url.path.encode()) + (
        b"?" + query if query else b""
    )

    def message(timestamp: str) -> bytes:
        return client.message(request.method, target.decode("ascii"), timestamp)

    return client.SIGNED_HEADERS.verify(secret, request.headers, message, time.time())


def build_simulator(world: World, token: str) -> Starlette:
    """The THUE simulator app; it refuses unsigned or wrongly signed calls (401)."""
    registry = TaxRegistry(world)

    async def lookup(request: Request) -> Response:
        if not _signed(request, token):
            return _error(401, "CHU_KY_KHONG_HOP_LE", "Chữ ký không hợp lệ")
        code, resource = request.path_params["code"], request.path_params["resource"]
        if not _CODE_RE.match(code):
            return _error(400, "MA_KHONG_HOP_LE", "Mã số không hợp lệ")
        account = registry.accounts.get(code)
        # A fee is paid under the payer's PIN even by someone with no tax account of their own.
        if account is None and not (resource == "chung-tu" and code in registry.receipts):
            return _error(404, client.UNKNOWN_TAXPAYER, "Không tìm thấy người nộp thuế")
        if account is None:
            return _receipts(request, registry, code)
        if resource == "xac-nhan-nghia-vu":
            record = registry.obligation(account)
            return _json({"data": record_to_resource("XN_NGHIA_VU_THUE", record)})
        if resource == "mst-ca-nhan":
            legacy = registry.legacy(account)
            if legacy is None:
                return _error(404, client.NO_LEGACY_MST, "Không có mã số thuế cá nhân cũ")
            return _json({"data": record_to_resource("MST_CA_NHAN", legacy)})
        return _receipts(request, registry, code)

    async def status(request: Request) -> Response:
        return _json({"meta": {"trangThai": "HOAT_DONG"}})

    return Starlette(
        routes=[
            Route("/v1/nguoi-nop-thue/{code}/{resource:str}", lookup, methods=["GET"]),
            Route(client.STATUS_PATH, status, methods=["GET"]),
        ]
    )


def _receipts(request: Request, registry: TaxRegistry, code: str) -> Response:
    if request.path_params["resource"] != "chung-tu" or request.query_params.get("loai") != "LPTB":
        return _error(400, "YEU_CAU_KHONG_HOP_LE", "Yêu cầu không hợp lệ")
    size = request.query_params.get("page[size]", str(client.PAGE_SIZE))
    if not size.isdigit() or not 1 <= int(size) <= 100:
        return _error(400, "YEU_CAU_KHONG_HOP_LE", "Kích thước trang không hợp lệ")
    records = registry.receipts_of(code, request.query_params.get("filter[doiTuong]"))
    page = records[: int(size)]
    document: dict[str, Any] = {
        "data": [record_to_resource("CHUNG_TU_LPTB", r) for r in page],
        "meta": {"tongSo": len(records)},
    }
    if len(records) > len(page):
        document["links"] = {"next": f"{request.url.path}?loai=LPTB&page[number]=2"}
    return _json(document)
