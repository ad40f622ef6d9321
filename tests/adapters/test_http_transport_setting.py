"""SHARED_DATA_HTTP_TRANSPORT: httpx's API over aiohttp's pool (default) or httpx's own."""

from __future__ import annotations

import aiohttp
import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from adapters.transport import network_transport, translate_errors
from shared_data.domain import UnavailableReason
from shared_data.errors import RegistryError
from shared_data.settings import Settings


def test_aiohttp_is_the_default_transport_and_httpx_stays_available() -> None:
    assert Settings().http_transport == "aiohttp"
    assert isinstance(network_transport("aiohttp"), AiohttpTransport)
    assert network_transport("httpx") is None  # httpx.AsyncClient's own pool


def test_an_invalid_transport_setting_is_refused() -> None:
    with pytest.raises(ValueError):
        Settings(http_transport="curl")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cause", "reason"),
    [
        # httpx-aiohttp reports every aiohttp connection error as httpx.ConnectTimeout.
        (aiohttp.ServerDisconnectedError(), UnavailableReason.UPSTREAM_ERROR),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), UnavailableReason.UPSTREAM_ERROR),
        (aiohttp.ServerTimeoutError("read"), UnavailableReason.TIMEOUT),
        (None, UnavailableReason.TIMEOUT),
    ],
)
def test_aiohttp_connection_errors_are_connection_failures_not_timeouts(
    cause: BaseException | None, reason: UnavailableReason
) -> None:
    with pytest.raises(RegistryError) as caught, translate_errors("DKDN"):
        raise httpx.ConnectTimeout("mapped") from cause
    assert caught.value.reason is reason


async def test_the_aiohttp_transport_leaves_retries_to_the_resilient_caller() -> None:
    transport = network_transport("aiohttp")
    assert isinstance(transport, AiohttpTransport)
    session = transport.get_client()
    try:
        assert session._retry_connection is False
    finally:
        await session.close()
