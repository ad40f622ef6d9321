"""What signed-request registries share: a base64 HMAC-SHA256, its constant-time check, and the
timestamped header scheme two of them use.

Each registry signs its own message (BHXH: timestamp and body; THUE: method, target and
timestamp; HN_KHO: the body, with its timestamp inside), which stays in its `client` module;
the primitives live here. BHXH and THUE also share how the signature travels
(`TimestampedHeaders`): our client id, a Unix timestamp and the signature, each in a header the
registry names, and a timestamp refused when further than `max_skew_s` from the registry's clock
(replay protection). HN_KHO carries its timestamp and a single-use txn in the body instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass


def hmac_signature(key: str | bytes, message: bytes) -> str:
    """base64(HMAC-SHA256(message, key))."""
    raw = key.encode() if isinstance(key, str) else key
    return base64.b64encode(hmac.new(raw, message, hashlib.sha256).digest()).decode("ascii")


def signature_matches(key: str | bytes, message: bytes, presented: str) -> bool:
    """Whether `presented` is the signature of `message`, compared in constant time."""
    return hmac.compare_digest(hmac_signature(key, message).encode(), presented.encode())


@dataclass(frozen=True)
class TimestampedHeaders:
    """A registry's header names for client id, timestamp and signature, and its clock skew."""

    client: str
    timestamp: str
    signature: str
    max_skew_s: float

    def sign(self, key: str, client_id: str, timestamp: str, message: bytes) -> dict[str, str]:
        """The headers of a request whose signed `message` covers `timestamp`."""
        return {
            self.client: client_id,
            self.timestamp: timestamp,
            self.signature: hmac_signature(key, message),
        }

    def verify(
        self, key: str, headers: Mapping[str, str], message: Callable[[str], bytes], now: float
    ) -> bool:
        """Client id present, timestamp fresh at `now`, and the signature of `message(timestamp)`.

        Header names are looked up in lower case: HTTP header maps are case-insensitive, and a
        plain dict of received headers holds them lower-cased.
        """
        timestamp = headers.get(self.timestamp.lower(), "")
        if not headers.get(self.client.lower()) or not timestamp.isdigit():
            return False
        if abs(now - int(timestamp)) > self.max_skew_s:
            return False
        presented = headers.get(self.signature.lower(), "")
        return signature_matches(key, message(timestamp), presented)
