"""The token store: one encrypted file holding keyed hashes of bearer tokens, written atomically under a lock.

A token is `alecs_<idhex>_<secret>`; its id is `tok_<idhex>`, so lookup is by id and the secret is checked with an
HMAC (key derived from TOKEN_MASTER_KEY) compared in constant time. The file is AES-GCM encrypted with another key
derived from TOKEN_MASTER_KEY (scrypt with the file's salt, then HKDF); it holds no token and no plaintext metadata.
Every method here blocks (file I/O, locks, scrypt): call it off the event loop.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from alecs.auth.rights import TokenRights, lifetime_seconds, validate_rights
from alecs.errors import ConfigError
from alecs.principal import Principal, Scope

MASTER_KEY_ENV = "TOKEN_MASTER_KEY"
STORE_ENV = "ALECS_TOKEN_STORE"
TOKEN_RE = re.compile(r"^alecs_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
ID_RE = re.compile(r"^tok_[0-9a-f]{16}$")
FORMAT = "alecs-token-store"
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class TokenStoreError(ConfigError):
    """The token store cannot be used (no key, wrong key, unreadable file, unknown token)."""


@dataclass(frozen=True)
class TokenRecord:
    id: str
    digest: str
    scope: Scope
    created: float
    description: str = ""
    customers: tuple[str, ...] | None = None
    toolsets: tuple[str, ...] | None = None
    expires: float | None = None
    revoked: float | None = None
    last_used: float | None = None
    max_sessions: int | None = None
    rate_per_minute: int | None = None
    networks: tuple[str, ...] | None = None
    confirm: str | None = None

    def state(self, now: float | None = None) -> str:
        """active, expired or revoked; an expiry that is not a finite time (written by old versions) has passed."""
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and not (math.isfinite(self.expires) and
                                             self.expires > (time.time() if now is None else now)):
            return "expired"
        return "active"

    def rights(self) -> TokenRights:
        """The scope and restrictions, as a rotation carries them over."""
        return TokenRights(**{f.name: getattr(self, f.name) for f in fields(TokenRights)})

    def principal(self) -> Principal:
        return Principal(token_id=self.id, scope=self.scope,
                         customers=None if self.customers is None else frozenset(self.customers),
                         toolsets=None if self.toolsets is None else frozenset(self.toolsets),
                         max_sessions=self.max_sessions, rate_per_minute=self.rate_per_minute,
                         networks=None if self.networks is None else frozenset(self.networks),  # type: ignore[arg-type]
                         confirm=self.confirm)  # type: ignore[arg-type]

    def public(self, now: float | None = None) -> dict[str, Any]:
        """What `token list` shows: everything but the digest."""
        out = {k: v for k, v in asdict(self).items() if k != "digest"}
        out["customers"] = list(self.customers) if self.customers is not None else None
        out["toolsets"] = list(self.toolsets) if self.toolsets is not None else None
        out["state"] = self.state(now)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenRecord:
        d = dict(data)
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:  # dropping them could drop a restriction: refuse instead
            raise TokenStoreError(f"A token record has fields this alecs does not know ({', '.join(unknown)}): "
                                  f"the store was written by a newer alecs.")
        for key in ("customers", "toolsets", "networks"):
            if d.get(key) is not None:
                d[key] = tuple(d[key])
        return cls(**d)


def parse_token(token: str) -> tuple[str, str] | None:
    """(token id, secret) of a well-formed token, else None."""
    m = TOKEN_RE.match(token)
    return (f"tok_{m.group(1)}", m.group(2)) if m else None


def default_store_path(env: Mapping[str, str] | None = None) -> Path:
    """ALECS_TOKEN_STORE, else systemd's $STATE_DIRECTORY, else the user's state directory; never the cwd."""
    env = os.environ if env is None else env
    if env.get(STORE_ENV):
        return Path(env[STORE_ENV]).expanduser()
    if env.get("STATE_DIRECTORY"):
        return Path(env["STATE_DIRECTORY"].split(":")[0]) / "tokens.json"
    base = Path(env["XDG_STATE_HOME"]) if env.get("XDG_STATE_HOME") else Path.home() / ".local" / "state"
    return base / "alecs" / "tokens.json"


def master_key(env: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if env is None else env).get(MASTER_KEY_ENV, "").strip()
    return value or None


def require_master_key(env: Mapping[str, str] | None = None) -> str:
    key = master_key(env)
    if key is None:
        raise TokenStoreError(
            f"{MASTER_KEY_ENV} is not set: the token store is encrypted with a key derived from it. "
            f"Set it to a long random secret (for example `openssl rand -base64 32`) and keep it the same "
            f"for the server and the `alecs token` commands.")
    return key


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


@dataclass
class Snapshot:
    """The store's content at one moment, with the digest key that checks its tokens."""

    salt: bytes
    digest_key: bytes
    records: dict[str, TokenRecord] = field(default_factory=dict)

    def digest(self, token_id: str, secret: str) -> str:
        return hmac.new(self.digest_key, f"{token_id}:{secret}".encode(), hashlib.sha256).hexdigest()

    def verify(self, token: str) -> TokenRecord | None:
        """The record a token belongs to (any state), or None; constant-time comparison."""
        parsed = parse_token(token)
        if parsed is None:
            return None
        record = self.records.get(parsed[0])
        expected = record.digest if record else "0" * 64
        ok = hmac.compare_digest(self.digest(*parsed), expected)
        return record if ok and record is not None else None


class TokenStore:
    def __init__(self, path: Path | str, key: str) -> None:
        self.path = Path(path)
        self._key = key

    # -- file ----------------------------------------------------------------------------------------
    def signature(self) -> tuple[int, int, int] | None:
        """Changes whenever the file is replaced or rewritten."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> Snapshot:
        """The current content (no lock needed: writers replace the file atomically)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return self._empty()
        except OSError as exc:
            raise TokenStoreError(f"Cannot read the token store {self.path}: {exc.strerror}.") from None
        return self._decrypt(raw)

    def _empty(self) -> Snapshot:
        salt = secrets.token_bytes(16)
        return Snapshot(salt, derive_keys(self._key, salt)[1])

    def _decrypt(self, raw: bytes) -> Snapshot:
        try:
            doc = json.loads(raw)
            assert doc["format"] == FORMAT and doc["version"] == 1
            salt = base64.b64decode(doc["kdf"]["salt"])
            nonce, data = base64.b64decode(doc["nonce"]), base64.b64decode(doc["data"])
        except Exception:
            raise TokenStoreError(f"The token store {self.path} is not a readable alecs token store.") from None
        enc_key, digest_key = derive_keys(self._key, salt)
        try:
            plain = AESGCM(enc_key).decrypt(nonce, data, self._aad(salt))
        except InvalidTag:
            raise TokenStoreError(
                f"{MASTER_KEY_ENV} does not open the token store {self.path}: it was written with another key "
                f"(or the file was altered). Use the key it was created with.") from None
        records = {r["id"]: TokenRecord.from_dict(r) for r in json.loads(plain)["tokens"]}
        return Snapshot(salt, digest_key, records)

    @staticmethod
    def _aad(salt: bytes) -> bytes:
        return f"{FORMAT}:1:{_b64(salt)}".encode()

    def _encrypt(self, snap: Snapshot) -> bytes:
        enc_key, _ = derive_keys(self._key, snap.salt)
        nonce = secrets.token_bytes(12)
        plain = json.dumps({"tokens": [asdict(r) for r in snap.records.values()]}).encode()
        data = AESGCM(enc_key).encrypt(nonce, plain, self._aad(snap.salt))
        doc = {"format": FORMAT, "version": 1, "kdf": {"name": "scrypt", **SCRYPT, "salt": _b64(snap.salt)},
               "nonce": _b64(nonce), "data": _b64(data)}
        return json.dumps(doc).encode()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _write(self, snap: Snapshot) -> None:
        """Temp file, fsync, rename, fsync the directory: a crash leaves the old file or the new one."""
        directory = self.path.parent
        for stale in directory.glob(f".{self.path.name}.*.tmp"):  # left by a writer that died (we hold the lock)
            with contextlib.suppress(OSError):
                stale.unlink()
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), 0o600)
                f.write(self._encrypt(snap))
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

    def update(self, change: Callable[[dict[str, TokenRecord]], Any]) -> Any:
        """Read, change and write the records under the store's lock; returns what `change` returns."""
        with self._locked():
            snap = self.load()
            result = change(snap.records)
            self._write(snap)
            return result, snap

    # -- operations -----------------------------------------------------------------------------------
    def records(self) -> list[TokenRecord]:
        return sorted(self.load().records.values(), key=lambda r: r.created)

    def generate(self, *, scope: str = "read", description: str = "", expires_in_days: float | None = None,
                 customers: Sequence[str] | str | None = None, toolsets: Sequence[str] | str | None = None,
                 max_sessions: int | None = None, rate_per_minute: int | str | None = None,
                 networks: Sequence[str] | str | None = None,
                 confirm: str | None = None) -> tuple[TokenRecord, str]:
        """A new token: its record and the token itself (shown once, never stored).

        Every setting is checked first (`alecs.auth.rights`): nothing is written for a refused one."""
        rights = validate_rights(scope=scope, description=description, customers=customers, toolsets=toolsets,
                                 max_sessions=max_sessions, rate_per_minute=rate_per_minute, networks=networks,
                                 confirm=confirm)
        return self._issue(rights, lifetime_seconds(expires_in_days))

    def _issue(self, rights: TokenRights, lifetime: float | None) -> tuple[TokenRecord, str]:
        idhex, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        token_id, token = f"tok_{idhex}", f"alecs_{idhex}_{secret}"
        now = time.time()
        with self._locked():
            snap = self.load()
            snap.records[token_id] = TokenRecord(
                id=token_id, digest=snap.digest(token_id, secret), created=now,
                expires=now + lifetime if lifetime is not None else None, **asdict(rights))
            self._write(snap)
        return snap.records[token_id], token

    def revoke(self, token_id: str) -> TokenRecord:
        def change(records: dict[str, TokenRecord]) -> TokenRecord:
            record = self._get(records, token_id)
            if record.revoked is None:
                records[token_id] = record = replace(record, revoked=time.time())
            return record
        revoked: TokenRecord = self.update(change)[0]
        return revoked

    def rotate(self, token_id: str, overlap_minutes: float = 0) -> tuple[TokenRecord, str, TokenRecord]:
        """A new token with the old one's settings; the old one stops working after the overlap."""
        if overlap_minutes < 0:
            raise TokenStoreError("overlap-minutes must be zero or more.")
        old = self._get(self.load().records, token_id)
        if old.state() != "active":
            raise TokenStoreError(f"Token {token_id} is {old.state()}: only an active token can be rotated.")
        # The same rights and lifetime, as they were accepted when the old token was made.
        new, token = self._issue(old.rights(), old.expires - old.created if old.expires is not None else None)

        def retire(records: dict[str, TokenRecord]) -> TokenRecord:
            record = self._get(records, token_id)
            now = time.time()
            if overlap_minutes == 0:
                record = replace(record, revoked=now)
            else:
                end = now + overlap_minutes * 60
                record = replace(record, expires=min(end, record.expires or end))
            records[token_id] = record
            return record
        return new, token, self.update(retire)[0]

    def record_use(self, used: Mapping[str, float]) -> None:
        """Persist last-used times (batched by the server)."""
        def change(records: dict[str, TokenRecord]) -> None:
            for token_id, when in used.items():
                record = records.get(token_id)
                if record is not None and (record.last_used or 0) < when:
                    records[token_id] = replace(record, last_used=when)
        if used:
            self.update(change)

    @staticmethod
    def _get(records: Mapping[str, TokenRecord], token_id: str) -> TokenRecord:
        if token_id not in records:
            raise TokenStoreError(f"No token with id '{token_id}'. `alecs token list` shows the ids.")
        return records[token_id]


def token_services(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Services for a server: the token store when TOKEN_MASTER_KEY is set (opened lazily), else none."""
    key = master_key(env)
    return {"tokens": TokenStore(default_store_path(env), key)} if key else {}
