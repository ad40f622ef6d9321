"""DKXE protocol: one paginated search endpoint, JSON in and out, with an API key.

Wire format (synthetic, shaped like a modern search API in front of the vehicle register):

    POST /api/v1/dang-ky-xe/tim-kiem          Authorization: ApiKey <key>
    {"filter": {"bienSo": "30A12345"}                                 (by plate)
              | {"chuXe": {"loai": "CA_NHAN", "so": PIN}, "conHieuLuc": true},  (by owner)
     "page": 1, "pageSize": 10, "sort": "-ngayDangKy"}
    -> 200 {"total": n, "page": 1, "pageSize": 10, "items": [...]}    (items: see `mapping`)
    GET  /api/v1/suc-khoe                      -> 200 {"status": "UP"}    (probe)

`total: 0` is the authoritative "no record"; errors are HTTP statuses (400, 401, 5xx) with
`{"error": "..."}`, read by the shared transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.mapping_helpers import WireFormatError

REGISTRY_ID = "DKXE"
SEARCH_PATH = "/api/v1/dang-ky-xe/tim-kiem"
HEALTH_PATH = "/api/v1/suc-khoe"
PAGE_SIZE = 10
NEWEST_FIRST = "-ngayDangKy"
# Owner schemes -> the registry's kind of owner.
OWNER_KINDS = {"PIN": "CA_NHAN", "ENTERPRISE_CODE": "TO_CHUC"}
HEADERS: Mapping[str, str] = {"Accept": "application/json"}


class Page(BaseModel):
    """One page of search results; items are checked one by one by the mapping."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    total: Annotated[int, Field(ge=0)]
    page: Annotated[int, Field(ge=1)]
    page_size: Annotated[int, Field(ge=1, alias="pageSize")]
    items: list[dict[str, Any]]


def auth_headers(token: str) -> dict[str, str]:
    """Quirk: the key travels in `Authorization` under the non-standard `ApiKey` scheme."""
    return {"Authorization": f"ApiKey {token}"}


def search_body(plate: str | None, owner: tuple[str, str] | None) -> dict[str, Any]:
    """The search for a compact plate and/or an (owner kind, number); owners: current only."""
    conditions: dict[str, Any] = {}
    if plate is not None:
        conditions["bienSo"] = plate
    if owner is not None:
        conditions["chuXe"] = {"loai": owner[0], "so": owner[1]}
        if plate is None:
            conditions["conHieuLuc"] = True
    return {"filter": conditions, "page": 1, "pageSize": PAGE_SIZE, "sort": NEWEST_FIRST}


def decode_page(body: bytes) -> Page:
    try:
        page = Page.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError("not a DKXE result page") from exc
    if len(page.items) > min(page.total, page.page_size):
        raise WireFormatError("more items than the page announces")
    if page.total and not page.items and page.page == 1:
        raise WireFormatError("a first page without items but a total")
    return page
