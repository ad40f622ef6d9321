"""Ed25519 keys and signed checkpoints of the audit chain.

A checkpoint says "the chain's row `seq` has hash `hash`", signed. Anyone holding only the
public key can check it: the signature covers the canonical JSON (shared_data.canonical) of
`{"context": CONTEXT, "kind", "seq", "hash", "created_at", "key_id"}`, and `export_line` /
`verify_checkpoint_line` carry exactly those fields plus the base64 signature.

Keys: `audit_signing_key` is the base64 of a raw 32-byte private key, an unencrypted PKCS#8
PEM, or the path of such a PEM file. Unset, a SQLite (embedded, demo) database gets a key
generated once into a 0600 file next to it, `var/` by default; any other database refuses to
start, since a key that is regenerated or shared with the code would prove nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import make_url

from shared_data.canonical import canonical_json

log = logging.getLogger(__name__)

CONTEXT = "shared-data/audit-checkpoint/v1"
DEMO_KEY_FILE = "audit-signing-key.pem"


@dataclass(frozen=True)
class Checkpoint:
    """A signed (seq, hash) of the chain: kind "checkpoint", or "anchor" after a purge."""

    kind: str
    seq: int
    hash: str
    created_at: datetime
    key_id: str
    signature: str

    def message(self) -> bytes:
        """Return the bytes the signature covers."""
        return signed_message(self.kind, self.seq, self.hash, self.created_at, self.key_id)

    def export_line(self) -> str:
        """Return the checkpoint as one JSON line that verifies with the public key alone."""
        fields = asdict(self) | {"created_at": instant(self.created_at)}
        return canonical_json(fields).decode("utf-8")


def instant(value: datetime) -> str:
    """Render a timestamp the one way the chain and the signatures hash it."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def signed_message(kind: str, seq: int, hash_: str, created_at: datetime, key_id: str) -> bytes:
    """Return the canonical bytes a checkpoint's signature covers."""
    fields = {"kind": kind, "seq": seq, "hash": hash_, "key_id": key_id}
    return canonical_json({"context": CONTEXT, "created_at": instant(created_at), **fields})


def key_id(public_key: Ed25519PublicKey) -> str:
    """Return a short fingerprint of a public key (SHA-256 of its raw bytes, 16 hex)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign_checkpoint(
    key: Ed25519PrivateKey, kind: str, seq: int, hash_: str, created_at: datetime
) -> Checkpoint:
    """Sign a (kind, seq, hash) at `created_at`."""
    kid = key_id(key.public_key())
    signature = key.sign(signed_message(kind, seq, hash_, created_at, kid))
    encoded = base64.b64encode(signature).decode("ascii")
    return Checkpoint(kind, seq, hash_, created_at, kid, encoded)


def signature_ok(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    """Tell whether the checkpoint was signed by this key and left unchanged since."""
    if checkpoint.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(
            base64.b64decode(checkpoint.signature, validate=True), checkpoint.message()
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def verify_checkpoint_line(line: str, public_key: Ed25519PublicKey) -> bool:
    """Check one exported JSON line with the public key alone (for third parties)."""
    try:
        fields = json.loads(line)
        created_at = datetime.fromisoformat(fields.pop("created_at"))
        checkpoint = Checkpoint(created_at=created_at, **fields)
    except (ValueError, TypeError, KeyError, AttributeError):
        return False
    return signature_ok(checkpoint, public_key)


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Return the public key as PEM (SubjectPublicKeyInfo), for publishing."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def load_public_key(pem_or_path: str) -> Ed25519PublicKey:
    """Load a published public key from PEM text or a PEM file."""
    data = _pem_bytes(pem_or_path)
    if data is None:
        raise ValueError("the public key is neither PEM text nor a PEM file")
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def load_signing_key(value: str) -> Ed25519PrivateKey:
    """Load a private key from base64 of its 32 raw bytes, PEM text, or a PEM file path."""
    pem = _pem_bytes(value)
    if pem is not None:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the audit signing key is not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError("the audit signing key is neither base64, PEM nor a file") from exc
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 private key has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def signing_key_for(configured: str | None, database_url: str) -> Ed25519PrivateKey:
    """Return the configured key; for an embedded SQLite database, the demo key file's."""
    if configured:
        return load_signing_key(configured)
    path = demo_key_path(database_url)
    if path is None:
        raise ValueError(
            "SHARED_DATA_AUDIT_SIGNING_KEY must be set: only the embedded SQLite demo "
            "database may use a generated key"
        )
    return _demo_key(path)


def demo_key_path(database_url: str) -> Path | None:
    """Where the demo key lives: next to a SQLite database file; None for other databases."""
    url = make_url(database_url)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser().parent / DEMO_KEY_FILE


def _demo_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        _create_key_file(path)
    return load_signing_key(str(path))


def _create_key_file(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        # A hard link appears whole or not at all, and never replaces a key another process
        # created first: both then load that one.
        os.link(staging, path)
        log.warning("generated a demo audit signing key", extra={"path": str(path)})
    except FileExistsError:
        pass
    finally:
        staging.unlink()


def _pem_bytes(value: str) -> bytes | None:
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text.encode("ascii")
    if len(text) < 4096 and "\n" not in text:
        path = Path(text).expanduser()
        if path.is_file():
            return path.read_bytes()
    return None
