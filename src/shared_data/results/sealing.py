"""What the results store keeps of personal data at rest: a keyed index and ciphertext.

Why not the identifier itself (PDPL 91/2025/QH15 and Decree 13/2023: protection measures
proportionate to the data, and data minimisation): the store must answer "which results name
this PIN?", which only needs equality. So each subject is indexed by HMAC-SHA256(index key,
"<scheme>:<value>") and the value itself, like the result's fields, is kept only as AES-256-GCM
ciphertext. A copy of the database (a backup, a replica, an analyst's read access) then neither
lists whose results it holds nor can be joined with other data by PIN without the key, which
lives in the service's settings, not in the database.

Why keep the value at all (encrypted) rather than the HMAC alone: the store must get it back
(1) to audit a revocation or supersession under the audit log's own key, (2) to hand results to
the city's Kho, whose records are keyed by the owner's ID number or tax code (Circular 01/2023
Art. 24), and (3) to re-index every row when the index key is rotated; an HMAC alone would make
all three impossible. `key_id` on each row names the key it was sealed with, for rotation.

Both keys are derived (HKDF-SHA256) from one secret, `Settings.results_key`. The ciphertext is
bound to its row (AES-GCM associated data = result id + purpose): moved to another row, it
does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"shared-data results store v1"
_PREFIX = "v1."
_NONCE_BYTES = 12


class SealingError(ValueError):
    """Ciphertext that does not open under this key and context (tampered, moved, other key)."""


class Sealer:
    """Blind index and authenticated encryption for the results store."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the results key must be at least 16 bytes")
        derived = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_INFO).derive(secret)
        self._index_key, self._aead = derived[:32], AESGCM(derived[32:])
        self.key_id = hashlib.sha256(derived).hexdigest()[:16]

    def ref(self, scheme: str, value: str) -> str:
        """The keyed index of one identifier (hex), the same for every equal identifier."""
        message = f"{scheme}:{value}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    def seal(self, plaintext: bytes, context: str) -> str:
        """Encrypt `plaintext`, bound to `context`; the result is printable ASCII."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, plaintext, context.encode())
        return _PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")

    def open(self, token: str, context: str) -> bytes:
        """Decrypt what `seal` produced for the same `context`, or raise SealingError."""
        if not token.startswith(_PREFIX):
            raise SealingError("unknown sealing format")
        try:
            raw = base64.urlsafe_b64decode(token[len(_PREFIX) :])
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except Exception as exc:  # InvalidTag, binascii.Error, short input
            raise SealingError("sealed value does not open") from exc
