"""The token store: one encrypted file holding keyed hashes of bearer tokens, written atomically under a lock.

A token is `alecs_<idhex>_<secret>`; its id is `tok_<idhex>`, so lookup is by id and the secret is checked with an
HMAC (key derived from TOKEN_MASTER_KEY) compared in constant time. The file is a `SealedFile` (`alecs.auth.sealed`:
AES-GCM with a key derived from TOKEN_MASTER_KEY, atomic, locked, 0600); it holds no token and no plaintext metadata.
Every method here blocks (file I/O, locks, scrypt): call it off the event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import re
import secrets
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from alecs.auth.rights import TokenRights, lifetime_seconds, validate_rights
from alecs.auth.sealed import MASTER_KEY_ENV, SCRYPT, SealedFile, SealedStoreError, derive_keys
from alecs.principal import Principal, Scope

STORE_ENV = "ALECS_TOKEN_STORE"
TOKEN_RE = re.compile(r"^alecs_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
ID_RE = re.compile(r"^tok_[0-9a-f]{16}$")
FORMAT = "alecs-token-store"
__all__ = ["FORMAT", "MASTER_KEY_ENV", "SCRYPT", "Snapshot", "TokenRecord", "TokenStore", "TokenStoreError",
           "derive_keys", "parse_token"]


class TokenStoreError(SealedStoreError):
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
    """The bearer tokens of remote serving, in a `SealedFile` (see the module docstring)."""

    def __init__(self, path: Path | str, key: str) -> None:
        self.path = Path(path)
        self._key = key
        self._file = SealedFile(self.path, key, FORMAT, "token store")

    # -- file ----------------------------------------------------------------------------------------
    def signature(self) -> tuple[int, int, int] | None:
        """Changes whenever the file is replaced or rewritten."""
        return self._file.signature()

    def load(self) -> Snapshot:
        """The current content (no lock needed: writers replace the file atomically)."""
        try:
            opened = self._file.open()
            tokens = (opened.payload or {"tokens": []})["tokens"]
        except SealedStoreError as exc:
            raise TokenStoreError(str(exc)) from None
        records = {r["id"]: TokenRecord.from_dict(r) for r in tokens}
        return Snapshot(opened.salt, opened.digest_key, records)

    def sibling(self, suffix: str, format_name: str, what: str) -> SealedFile:
        """Another sealed file beside this store, under the same master key: `tokens.json` -> `tokens<suffix>`."""
        return SealedFile(self.path.with_name(self.path.stem + suffix), self._key, format_name, what)

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        return self._file.locked()

    def _write(self, snap: Snapshot) -> None:
        self._file.write(snap.salt, {"tokens": [asdict(r) for r in snap.records.values()]})

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
                 confirm: str | None = None,
                 known_toolsets: Collection[str] | None = None) -> tuple[TokenRecord, str]:
        """A new token: its record and the token itself (shown once, never stored).

        Every setting is checked first (`alecs.auth.rights`): nothing is written for a refused one. `known_toolsets`
        (the registry's restrictable toolset names) is needed to restrict `toolsets`."""
        rights = validate_rights(scope=scope, description=description, customers=customers, toolsets=toolsets,
                                 max_sessions=max_sessions, rate_per_minute=rate_per_minute, networks=networks,
                                 confirm=confirm, known_toolsets=known_toolsets)
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
