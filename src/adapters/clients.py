"""One construction of a registry's transport, driven by what its `client` module declares.

A registry's client module says only what is special about how it is called:

- `auth_headers(token)`: its credential scheme (bearer, API key, Basic, a header pair), or no
  header at all for the registries that sign every request instead (BHXH, THUE, HN_KHO: their
  `Signer` holds the key);
- `HEADERS`: static headers that are not credentials, as data (the media type it answers in).

`build_transport` puts them on a `RegistryTransport` the same way for every registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import httpx

from adapters.resilience import ResilientCaller
from adapters.transport import RegistryTransport


class RegistryClient(Protocol):
    """What `build_transport` reads from a registry's client module."""

    @property
    def HEADERS(self) -> Mapping[str, str]: ...

    def auth_headers(self, token: str) -> dict[str, str]: ...


def build_transport(
    registry_id: str,
    client: RegistryClient,
    base_url: str,
    token: str = "",
    *,
    read_timeout_s: float = 3.0,
    transport: httpx.AsyncBaseTransport | None = None,
    caller: ResilientCaller | None = None,
) -> RegistryTransport:
    """`registry_id`'s transport, with `client`'s credential headers for `token`."""
    return RegistryTransport(
        registry_id,
        base_url,
        headers={**client.auth_headers(token), **client.HEADERS},
        read_timeout_s=read_timeout_s,
        transport=transport,
        caller=caller,
    )
