"""BHXH protocol: the JSON-RPC 2.0 envelope, its error codes, and the signed-request scheme.

Wire format (synthetic, shaped like VSS's data-sharing gateway):

    POST /jsonrpc          Content-Type: application/json
    X-BHXH-Client: <client id>   X-BHXH-Timestamp: <unix seconds>
    X-BHXH-Signature: base64(HMAC-SHA256(secret, "<timestamp>." + body))
    {"jsonrpc": "2.0", "id": "<lookup id>", "method": "bhxh.traCuuQuaTrinhDong",
     "params": {"soDinhDanh": "001090912345"}}          (or {"maSoBhxh": "0112345678"})

answered, always with HTTP 200 as JSON-RPC over HTTP does, by `{"jsonrpc": "2.0", "id": ..,
"result": {..}}` or `{"jsonrpc": "2.0", "id": .., "error": {"code": -32004, "message": ..}}`.
Methods: `bhxh.traCuuQuaTrinhDong` (SO_BHXH), `bhxh.traCuuTheBhyt` (THE_BHYT) and
`heThong.kiemTra` (the probe). Error -32004 is the one authoritative "no record"; the signature
covers the timestamp, which the gateway accepts within five minutes of its clock (replay
protection, as DigiLocker's HMAC and MyInfo's signed requests do).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from pydantic import ValidationError, model_validator

from adapters.mapping_helpers import StrictWire, WireFormatError
from adapters.signing import TimestampedHeaders

REGISTRY_ID = "BHXH"
DEFAULT_CLIENT_ID = "shared-data"
RPC_PATH = "/jsonrpc"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
METHODS = {"SO_BHXH": "bhxh.traCuuQuaTrinhDong", "THE_BHYT": "bhxh.traCuuTheBhyt"}
PING_METHOD = "heThong.kiemTra"
# Subject scheme -> the parameter naming it.
PARAMS = {"PIN": "soDinhDanh", "SI_CODE": "maSoBhxh"}
CLIENT_HEADER = "X-BHXH-Client"
TIMESTAMP_HEADER = "X-BHXH-Timestamp"
SIGNATURE_HEADER = "X-BHXH-Signature"
MAX_CLOCK_SKEW_S = 300
SIGNED_HEADERS = TimestampedHeaders(
    CLIENT_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER, MAX_CLOCK_SKEW_S
)
HEADERS: Mapping[str, str] = {}


class RpcCode(IntEnum):
    """JSON-RPC error codes: the standard ones and the gateway's own (-32000..-32099)."""

    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    UNAUTHORIZED = -32001
    NO_RECORD = -32004
    RATE_LIMITED = -32029
    SYSTEM_ERROR = -32099


MESSAGES: dict[int, str] = {
    RpcCode.PARSE_ERROR: "Parse error",
    RpcCode.INVALID_REQUEST: "Invalid Request",
    RpcCode.METHOD_NOT_FOUND: "Method not found",
    RpcCode.INVALID_PARAMS: "Invalid params",
    RpcCode.UNAUTHORIZED: "Chữ ký không hợp lệ",
    RpcCode.NO_RECORD: "Không có dữ liệu",
    RpcCode.RATE_LIMITED: "Vượt quá hạn mức truy vấn",
    RpcCode.SYSTEM_ERROR: "Lỗi hệ thống",
}


class RpcRequest(StrictWire):
    jsonrpc: Literal["2.0"]
    id: str
    method: str
    params: dict[str, str]


class RpcError(StrictWire):
    code: int
    message: str


class RpcResponse(StrictWire):
    """One answer: exactly one of `result` and `error`."""

    jsonrpc: Literal["2.0"]
    id: str | None
    result: dict[str, Any] | None = None
    error: RpcError | None = None

    @model_validator(mode="after")
    def _one_of(self) -> RpcResponse:
        if (self.result is None) == (self.error is None):
            raise ValueError("exactly one of result and error")
        return self


@dataclass(frozen=True)
class Signer:
    """Signs request bodies with the shared secret (and checks them, simulator side)."""

    secret: str
    client_id: str = DEFAULT_CLIENT_ID
    clock: Callable[[], float] = field(default=time.time)

    def headers(self, body: bytes) -> dict[str, str]:
        timestamp = str(int(self.clock()))
        return SIGNED_HEADERS.sign(
            self.secret, self.client_id, timestamp, _message(timestamp, body)
        )

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        def message(timestamp: str) -> bytes:
            return _message(timestamp, body)

        return SIGNED_HEADERS.verify(self.secret, headers, message, self.clock())


def _message(timestamp: str, body: bytes) -> bytes:
    """What is signed: the timestamp, a dot, the raw body."""
    return timestamp.encode() + b"." + body


def auth_headers(token: str) -> dict[str, str]:
    """No static credential: every request carries its own signature (`Signer`)."""
    return {}


def _dumps(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_request(tx_id: str, method: str, params: Mapping[str, str]) -> bytes:
    return _dumps({"jsonrpc": "2.0", "id": tx_id, "method": method, "params": dict(params)})


def decode_request(body: bytes) -> RpcRequest:
    try:
        return RpcRequest.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError("not a JSON-RPC 2.0 request") from exc


def encode_result(tx_id: str | None, result: Mapping[str, Any]) -> bytes:
    return _dumps({"jsonrpc": "2.0", "id": tx_id, "result": dict(result)})


def encode_error(tx_id: str | None, code: RpcCode) -> bytes:
    error = {"code": int(code), "message": MESSAGES[code]}
    return _dumps({"jsonrpc": "2.0", "id": tx_id, "error": error})


def decode_response(body: bytes) -> RpcResponse:
    try:
        return RpcResponse.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError("not a JSON-RPC 2.0 response") from exc
