"""BhxhAdapter: the national insurance database (CSDL quốc gia về bảo hiểm, VSS).

What is special about this registry, beyond its JSON-RPC (see `client` and `mapping`):
- Every request is signed (HMAC over timestamp and body) instead of carrying a static key.
- JSON-RPC answers everything with HTTP 200: error -32004 is the only authoritative "no
  record"; -32001 (signature refused), the protocol errors, -32029 and -32099 are
  `unavailable`, never `not_found`. The answer's `id` must echo the lookup id.
- A person is named by PIN or by the legacy 10-digit social-insurance code; the answer carries
  both, and the one asked by must come back (never release another person's record).
- A health-insurance card held without its data (DOMAIN.md 11.5: 001088987654) is
  `unavailable` / `data_unavailable`: the record exists, so it is not `not_found`, and it is
  the registry's answer, not a failure (no retry, no circuit-breaker failure).
"""

from __future__ import annotations

import httpx

from adapters.base import HttpRegistryAdapter, utcnow
from adapters.bhxh import client
from adapters.bhxh.client import RpcCode, Signer
from adapters.bhxh.mapping import wire_to_answer
from adapters.mapping_helpers import WireFormatError
from adapters.transport import RegistryTransport
from shared_data.domain import RegistryAnswer, RegistryRequest, UnavailableReason
from shared_data.errors import RegistryError, UnknownDocumentTypeError, UnknownSchemeError

CARD_DATA_UNAVAILABLE = "BHXH: the card exists but its data is unavailable at the registry"
_REFUSALS: dict[int, str] = {
    RpcCode.UNAUTHORIZED: "request signature refused (-32001)",
    RpcCode.RATE_LIMITED: "rate limited (-32029)",
    RpcCode.SYSTEM_ERROR: "system error (-32099)",
}
# Codes where asking again later may succeed.
_RETRIABLE = frozenset({RpcCode.RATE_LIMITED, RpcCode.SYSTEM_ERROR})


def _bad(detail: str) -> RegistryError:
    return RegistryError(UnavailableReason.BAD_RESPONSE, f"{client.REGISTRY_ID}: {detail}")


def _refused(code: int) -> RegistryError:
    what = _REFUSALS.get(code, f"request refused (JSON-RPC error {code})")
    return RegistryError(
        UnavailableReason.UPSTREAM_ERROR,
        f"{client.REGISTRY_ID}: {what}",
        retriable=code in _RETRIABLE,
    )


class BhxhAdapter(HttpRegistryAdapter):
    """Contribution history and health-insurance card, keyed by PIN or social-insurance code."""

    registry_id = client.REGISTRY_ID
    document_types = frozenset(client.METHODS)
    schemes = frozenset(client.PARAMS)

    def __init__(self, transport: RegistryTransport, signer: Signer) -> None:
        super().__init__(transport)
        self.signer = signer

    def _signed(self, tx_id: str, method: str, params: dict[str, str]) -> httpx.Request:
        body = client.encode_request(tx_id, method, params)
        headers = {"Content-Type": client.JSON_CONTENT_TYPE, **self.signer.headers(body)}
        return self.transport.build_request("POST", client.RPC_PATH, content=body, headers=headers)

    def build_request(self, request: RegistryRequest) -> httpx.Request:
        method = client.METHODS.get(request.document_type)
        if method is None:
            raise UnknownDocumentTypeError(
                f"{self.registry_id} does not attest {request.document_type}"
            )
        param = client.PARAMS.get(request.subject.scheme)
        if param is None:
            raise UnknownSchemeError(
                f"{self.registry_id} looks up by PIN or SI_CODE, not {request.subject.scheme}"
            )
        return self._signed(request.lookup_id, method, {param: request.subject.value})

    def parse_response(self, request: RegistryRequest, response: httpx.Response) -> RegistryAnswer:
        try:
            rpc = client.decode_response(response.content)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        # A parse error may come back with id null; anything else must echo our id.
        if rpc.id != request.lookup_id and (rpc.id is not None or rpc.result is not None):
            raise _bad("the answer's id does not echo the request")
        if rpc.error is not None:
            if rpc.error.code == RpcCode.NO_RECORD:
                return RegistryAnswer.not_found(utcnow())
            raise _refused(rpc.error.code)
        try:
            decoded = wire_to_answer(request.document_type, rpc.result)
        except WireFormatError as exc:
            raise _bad(str(exc)) from exc
        asked = decoded.pin if request.subject.scheme == "PIN" else decoded.si_code
        if asked != request.subject.value:
            raise _bad("the answer is about another person")
        if decoded.record is None:
            return RegistryAnswer.unavailable(
                UnavailableReason.DATA_UNAVAILABLE, utcnow(), detail=CARD_DATA_UNAVAILABLE
            )
        return RegistryAnswer.found(decoded.record, utcnow())

    def probe_request(self) -> httpx.Request:
        return self._signed("probe", client.PING_METHOD, {})
