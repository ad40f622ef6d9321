"""API key format and hashing, and the keyed reference that stands in for a subject.

API keys are high-entropy random secrets, so a plain SHA-256 compared in constant time is
enough (PERFORMANCE_NOTES.md); a password hash would cost milliseconds on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from typing import NamedTuple

KEY_PREFIX = "sdk"
PREFIX_LENGTH = 8
SECRET_BYTES = 32  # token_urlsafe(32) gives 43 characters
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_KEY_PATTERN = re.compile(r"sdk_([a-z0-9]{8})_([A-Za-z0-9_-]{32,128})")


class ParsedKey(NamedTuple):
    """A well-formed API key split into its public prefix and the full key."""

    prefix: str
    plaintext: str


def generate_key() -> ParsedKey:
    """Make a fresh key `sdk_<8-char prefix>_<43-char urlsafe secret>`."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    plaintext = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return ParsedKey(prefix, plaintext)


def parse_key(plaintext: str) -> ParsedKey | None:
    """Split a presented key, or return None if it is not in the key format."""
    match = _KEY_PATTERN.fullmatch(plaintext)
    if match is None:
        return None
    return ParsedKey(match.group(1), plaintext)


def hash_key(plaintext: str) -> str:
    """Return the SHA-256 hex digest under which a key is stored."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def key_matches(plaintext: str, stored_hash: str) -> bool:
    """Compare a presented key with a stored hash in constant time."""
    return hmac.compare_digest(hash_key(plaintext), stored_hash)


def subject_key_bytes(key: str | bytes) -> bytes:
    """Normalise the audit subject key, refusing an empty one."""
    raw = key.encode("utf-8") if isinstance(key, str) else key
    if not raw:
        raise ValueError("the audit subject key must not be empty")
    return raw


def subject_ref(key: bytes, scheme: str, value: str) -> str:
    """HMAC-SHA256 hex of `scheme:value`: links one subject's records without storing it."""
    return hmac.digest(key, f"{scheme}:{value}".encode(), "sha256").hex()
