"""One JSON document sealed with a key derived from TOKEN_MASTER_KEY: what the token store and the OAuth grant store
are made of.

The file is AES-GCM encrypted with a key derived from the master key (scrypt with the file's own salt, then HKDF);
its format name and salt are the associated data, so one store's file cannot pass for another's. Writers take an
exclusive `flock` on `<file>.lock`, read, change, and replace the file atomically (temp file 0600, fsync, rename,
fsync the directory): a crash leaves the old document or the new one, never a mix. Readers need no lock. The same
derivation gives a second key, for keyed hashes of the secrets a store checks (it never holds the secrets).
Every method here blocks (file I/O, locks, scrypt): call it off the event loop.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from alecs.errors import ConfigError

MASTER_KEY_ENV = "TOKEN_MASTER_KEY"
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class SealedStoreError(ConfigError):
    """A sealed store cannot be used (unreadable, written with another key, altered)."""


_KEYS: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}
_KEYS_LOCK = threading.Lock()


def derive_keys(master: str, salt: bytes) -> tuple[bytes, bytes]:
    """(encryption key, digest key) for a store salt; scrypt runs once per process and salt."""
    ident = (hashlib.sha256(master.encode()).digest(), salt)
    with _KEYS_LOCK:
        if ident in _KEYS:
            return _KEYS[ident]
    root = Scrypt(salt=salt, length=32, **SCRYPT).derive(master.encode())

    def expand(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root)

    keys = (expand(b"alecs token store encryption v1"), expand(b"alecs token digest v1"))
    with _KEYS_LOCK:
        _KEYS[ident] = keys
    return keys


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Opened:
    """A sealed document as read: its salt, the digest key that goes with it, and the payload (None: no file yet)."""

    salt: bytes
    digest_key: bytes
    payload: dict[str, Any] | None


class SealedFile:
    """The encrypted, atomically replaced, lock-protected file behind a store (see the module docstring)."""

    def __init__(self, path: Path | str, key: str, format_name: str, what: str) -> None:
        self.path = Path(path)
        self._key = key
        self.format = format_name
        self.what = what  # "token store", "OAuth grant store": for error messages

    def signature(self) -> tuple[int, int, int] | None:
        """Changes whenever the file is replaced or rewritten; None while there is no file."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def open(self) -> Opened:
        """The current document (no lock needed: writers replace the file atomically)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            salt = secrets.token_bytes(16)
            return Opened(salt, derive_keys(self._key, salt)[1], None)
        except OSError as exc:
            raise SealedStoreError(f"Cannot read the {self.what} {self.path}: {exc.strerror}.") from None
        try:
            doc = json.loads(raw)
            assert doc["format"] == self.format and doc["version"] == 1
            salt = base64.b64decode(doc["kdf"]["salt"])
            nonce, data = base64.b64decode(doc["nonce"]), base64.b64decode(doc["data"])
        except Exception:
            raise SealedStoreError(f"The {self.what} {self.path} is not a readable alecs {self.what}.") from None
        enc_key, digest_key = derive_keys(self._key, salt)
        try:
            plain = AESGCM(enc_key).decrypt(nonce, data, self._aad(salt))
        except InvalidTag:
            raise SealedStoreError(
                f"{MASTER_KEY_ENV} does not open the {self.what} {self.path}: it was written with another key "
                f"(or the file was altered). Use the key it was created with.") from None
        payload = json.loads(plain)
        if not isinstance(payload, dict):
            raise SealedStoreError(f"The {self.what} {self.path} is not a readable alecs {self.what}.")
        return Opened(salt, digest_key, payload)

    def _aad(self, salt: bytes) -> bytes:
        return f"{self.format}:1:{_b64(salt)}".encode()

    def _seal(self, salt: bytes, payload: dict[str, Any]) -> bytes:
        enc_key, _ = derive_keys(self._key, salt)
        nonce = secrets.token_bytes(12)
        data = AESGCM(enc_key).encrypt(nonce, json.dumps(payload).encode(), self._aad(salt))
        doc = {"format": self.format, "version": 1, "kdf": {"name": "scrypt", **SCRYPT, "salt": _b64(salt)},
               "nonce": _b64(nonce), "data": _b64(data)}
        return json.dumps(doc).encode()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The writers' lock, across threads and processes."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def write(self, salt: bytes, payload: dict[str, Any]) -> None:
        """Temp file, fsync, rename, fsync the directory (hold `locked()` while calling this)."""
        directory = self.path.parent
        for stale in directory.glob(f".{self.path.name}.*.tmp"):  # left by a writer that died (we hold the lock)
            with contextlib.suppress(OSError):
                stale.unlink()
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), 0o600)
                f.write(self._seal(salt, payload))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
