"""What signed-request registries share: a base64 HMAC-SHA256 and its constant-time check.

Each registry signs its own message (BHXH: timestamp and body; THUE: method, target and
timestamp; HN_KHO: the body), which stays in its `client` module; the primitive lives here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def hmac_signature(key: str | bytes, message: bytes) -> str:
    """base64(HMAC-SHA256(message, key))."""
    raw = key.encode() if isinstance(key, str) else key
    return base64.b64encode(hmac.new(raw, message, hashlib.sha256).digest()).decode("ascii")


def signature_matches(key: str | bytes, message: bytes, presented: str) -> bool:
    """Whether `presented` is the signature of `message`, compared in constant time."""
    return hmac.compare_digest(hmac_signature(key, message).encode(), presented.encode())
