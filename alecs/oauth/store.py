"""The OAuth grant store: registered clients, grants and sign-in codes, in a sealed file beside the token store.

`tokens.json` gets a sibling `tokens.oauth.json` with the same guarantees (`alecs.auth.sealed`: AES-GCM with a key
derived from TOKEN_MASTER_KEY, atomic, locked, 0600). It holds no secret: refresh tokens, access tokens, client
secrets and sign-in codes are kept as HMACs (keyed by the file's digest key) and compared in constant time.

- A *grant* is one approval: an alecs token (`token_id`) let a client act with its rights, at most `scope`, for one
  resource. It carries the digest of its current refresh token, the digests of the refresh tokens it rotated out
  (a reuse of one revokes the grant: its whole family), and the digests of its unexpired access tokens.
- Tokens name their grant: `alecs_at_<grant hex>_<secret>` (access), `alecs_rt_<grant hex>_<secret>` (refresh),
  so a check is one lookup and one HMAC.
- A *sign-in code* (`alecs token generate --sign-in-code`) stands for one alecs token at the consent page, once,
  for a few minutes.

Every method blocks (file I/O, lock, scrypt on first use): call it off the event loop.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, TypeVar

from alecs.auth.sealed import SealedFile
from alecs.auth.tokens import TokenStore, TokenStoreError
from alecs.principal import SCOPES, Scope

FORMAT = "alecs-oauth-store"
GRANT_ID_RE = re.compile(r"^grt_[0-9a-f]{16}$")
ACCESS_PREFIX, REFRESH_PREFIX = "alecs_at_", "alecs_rt_"
_TOKEN_RE = re.compile(r"^alecs_(at|rt)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
SIGN_IN_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U to misread
MAX_USED_REFRESH = 50  # rotated-out refresh tokens remembered per grant, for reuse detection
MAX_ACCESS = 4  # unexpired access tokens kept per grant (an earlier one stays valid until it expires)
R = TypeVar("R")


class GrantStoreError(TokenStoreError):
    """The grant store cannot be used, or names no such grant."""


def grant_token(kind: str, grant_id: str) -> tuple[str, str]:
    """A new token for a grant: (token, secret part). `kind` is "at" (access) or "rt" (refresh)."""
    secret = secrets.token_urlsafe(32)
    return f"alecs_{kind}_{grant_id[4:]}_{secret}", secret


def parse_grant_token(token: str) -> tuple[str, str, str] | None:
    """(kind "at"/"rt", grant id, secret) of a well-formed OAuth token, else None."""
    m = _TOKEN_RE.match(token)
    return (m.group(1), f"grt_{m.group(2)}", m.group(3)) if m else None


def normalize_sign_in_code(code: str) -> str | None:
    """`abcde-fghjk` as typed (any case, spaces or dashes) to `ABCDEFGHJK`; None if it cannot be a sign-in code."""
    text = re.sub(r"[\s-]", "", code).upper()
    return text if len(text) == 10 and all(c in SIGN_IN_ALPHABET for c in text) else None


@dataclass(frozen=True)
class ClientRecord:
    """A client registered with dynamic client registration (RFC 7591)."""

    client_id: str
    issued: float
    metadata: dict[str, Any]  # the validated RFC 7591 metadata (redirect_uris, client_name, ...)
    secret_digest: str | None = None  # confidential clients: HMAC of the secret; public clients: None
    approved: float | None = None  # when a person first approved it (unapproved ones are evicted first)

    @property
    def name(self) -> str:
        return str(self.metadata.get("client_name") or self.client_id)


@dataclass(frozen=True)
class Grant:
    """One approval: a client acting with an alecs token's rights (scope at most `scope`) on one resource."""

    id: str
    token_id: str
    client_id: str
    client_name: str
    scope: Scope
    resource: str
    created: float
    refresh_digest: str | None = None
    refresh_expires: float | None = None
    used_refresh: tuple[str, ...] = ()
    access: tuple[tuple[str, float], ...] = ()  # (digest, expires)
    last_used: float | None = None
    revoked: float | None = None
    revoked_reason: str | None = None

    def state(self, now: float | None = None) -> str:
        """active, revoked or expired (its refresh token lapsed and no access token is left)."""
        now = time.time() if now is None else now
        if self.revoked is not None:
            return "revoked"
        alive = (self.refresh_expires or 0) > now or any(expires > now for _, expires in self.access)
        return "active" if alive else "expired"

    def public(self, now: float | None = None) -> dict[str, Any]:
        """What `token list --json` shows of it: no digests."""
        return {"id": self.id, "client": self.client_name, "client_id": self.client_id, "scope": self.scope,
                "resource": self.resource, "created": self.created, "last_used": self.last_used,
                "revoked": self.revoked, "revoked_reason": self.revoked_reason, "state": self.state(now)}


@dataclass(frozen=True)
class SignInCode:
    """A one-time code standing for an alecs token at the consent page."""

    digest: str
    token_id: str
    expires: float
    used: float | None = None


def _from_dict(cls: type[R], data: Mapping[str, Any], tuples: Iterable[str] = ()) -> R:
    d = dict(data)
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(d) - known)
    if unknown:  # dropping them could drop a restriction: refuse instead
        raise GrantStoreError(f"An OAuth store record has fields this alecs does not know ({', '.join(unknown)}): "
                              f"the store was written by a newer alecs.")
    for key in tuples:
        if d.get(key) is not None:
            d[key] = tuple(tuple(v) if isinstance(v, list) else v for v in d[key])
    return cls(**d)


@dataclass
class GrantSnapshot:
    """The store's content at one moment, with the key that makes and checks its digests."""

    salt: bytes
    digest_key: bytes
    clients: dict[str, ClientRecord] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    sign_in: dict[str, SignInCode] = field(default_factory=dict)

    def digest(self, kind: str, ident: str, secret: str) -> str:
        """The keyed hash stored for a secret of this kind ("at", "rt", "client", "sign-in") and owner."""
        return hmac.new(self.digest_key, f"{kind}:{ident}:{secret}".encode(), hashlib.sha256).hexdigest()

    def access_grant(self, token: str, now: float | None = None) -> tuple[Grant, float] | None:
        """The grant of an unexpired access token and when the token expires; None for anything else."""
        parsed = parse_grant_token(token)
        if parsed is None or parsed[0] != "at":
            return None
        grant = self.grants.get(parsed[1])
        if grant is None:
            return None
        presented = self.digest("at", grant.id, parsed[2])
        now = time.time() if now is None else now
        found = None
        for digest, expires in grant.access:  # every entry compared: no early exit
            if hmac.compare_digest(presented, digest) and expires > now:
                found = expires
        return (grant, found) if found is not None else None

    def client_secret_matches(self, client: ClientRecord, secret: str) -> bool:
        expected = client.secret_digest or "0" * 64
        ok = hmac.compare_digest(self.digest("client", client.client_id, secret), expected)
        return ok and client.secret_digest is not None


@dataclass(frozen=True)
class Issued:
    """Tokens handed out once: the grant as stored, the access token, its expiry, and the refresh token."""

    grant: Grant
    access_token: str
    access_expires: float
    refresh_token: str


class GrantStore:
    """Clients, grants and sign-in codes in a `SealedFile` (see the module docstring)."""

    def __init__(self, file: SealedFile) -> None:
        self._file = file
        self.path = file.path

    @classmethod
    def beside(cls, tokens: TokenStore) -> GrantStore:
        """The grant store that belongs to a token store: `tokens.json` -> `tokens.oauth.json`, same master key."""
        return cls(tokens.sibling(".oauth.json", FORMAT, "OAuth grant store"))

    def signature(self) -> tuple[int, int, int] | None:
        return self._file.signature()

    def load(self) -> GrantSnapshot:
        opened = self._file.open()
        payload = opened.payload or {}
        snap = GrantSnapshot(opened.salt, opened.digest_key)
        for c in payload.get("clients", []):
            snap.clients[c["client_id"]] = _from_dict(ClientRecord, c)
        for g in payload.get("grants", []):
            snap.grants[g["id"]] = _from_dict(Grant, g, ("used_refresh", "access"))
        for s in payload.get("sign_in", []):
            snap.sign_in[s["digest"]] = _from_dict(SignInCode, s)
        return snap

    def update(self, change: Callable[[GrantSnapshot], R]) -> tuple[R, GrantSnapshot]:
        """Read, change and write under the store's lock; returns what `change` returned and the new content."""
        with self._file.locked():
            snap = self.load()
            result = change(snap)
            now = time.time()
            snap.sign_in = {d: s for d, s in snap.sign_in.items() if s.expires > now - 86400}  # a day's trace
            payload = {"clients": [asdict(c) for c in snap.clients.values()],
                       "grants": [asdict(g) for g in snap.grants.values()],
                       "sign_in": [asdict(s) for s in snap.sign_in.values()]}
            self._file.write(snap.salt, payload)
            return result, snap

    # -- clients -------------------------------------------------------------------------------------
    def register(self, client_id: str, metadata: dict[str, Any], secret: str | None, max_clients: int) -> GrantSnapshot:
        """Store a newly registered client, evicting the oldest never-approved ones beyond `max_clients`.

        Raises GrantStoreError when every stored client has been approved and the store is full."""
        def change(snap: GrantSnapshot) -> None:
            while len(snap.clients) >= max_clients:
                idle = [c for c in snap.clients.values() if c.approved is None]
                if not idle:
                    raise GrantStoreError(f"This server holds its maximum of {max_clients} registered clients.")
                del snap.clients[min(idle, key=lambda c: c.issued).client_id]
            digest = snap.digest("client", client_id, secret) if secret is not None else None
            snap.clients[client_id] = ClientRecord(client_id, time.time(), metadata, digest)
        return self.update(change)[1]

    # -- grants --------------------------------------------------------------------------------------
    def issue(self, *, token_id: str, client_id: str, client_name: str, scope: Scope, resource: str,
              access_seconds: float, refresh_seconds: float,
              token_expires: float | None) -> tuple[Issued, GrantSnapshot]:
        """A new grant with its first access and refresh tokens (neither outlives the alecs token)."""
        if scope not in SCOPES:
            raise GrantStoreError(f"Unknown scope '{scope}'.")

        def change(snap: GrantSnapshot) -> Issued:
            now = time.time()
            grant_id = f"grt_{secrets.token_hex(8)}"
            grant = Grant(grant_id, token_id, client_id, client_name, scope, resource, now)
            issued = self._rotate(snap, grant, now, access_seconds, refresh_seconds, token_expires)
            client = snap.clients.get(client_id)
            if client is not None and client.approved is None:
                snap.clients[client_id] = replace(client, approved=now)
            return issued
        return self.update(change)

    def refresh(self, grant_id: str, secret: str, *, access_seconds: float, refresh_seconds: float,
                token_expires: float | None) -> tuple[Issued | str, GrantSnapshot]:
        """Rotate a grant's refresh token: new tokens, or why not ("unknown", "revoked", "expired", "reused").

        A refresh token that was already rotated out revokes its grant (RFC 9700 reuse detection)."""
        def change(snap: GrantSnapshot) -> Issued | str:
            grant = snap.grants.get(grant_id)
            if grant is None:
                return "unknown"
            presented = snap.digest("rt", grant_id, secret)
            current = grant.refresh_digest is not None and hmac.compare_digest(presented, grant.refresh_digest)
            reused = any([hmac.compare_digest(presented, d) for d in grant.used_refresh])
            now = time.time()
            if not current:
                if reused and grant.revoked is None:
                    snap.grants[grant_id] = replace(grant, revoked=now, revoked_reason="refresh token reused")
                    return "reused"
                return "revoked" if grant.revoked is not None and reused else "unknown"
            if grant.revoked is not None:
                return "revoked"
            if (grant.refresh_expires or 0) <= now:
                return "expired"
            return self._rotate(snap, grant, now, access_seconds, refresh_seconds, token_expires)
        return self.update(change)

    @staticmethod
    def _rotate(snap: GrantSnapshot, grant: Grant, now: float, access_seconds: float, refresh_seconds: float,
                token_expires: float | None) -> Issued:
        access, access_secret = grant_token("at", grant.id)
        refresh, refresh_secret = grant_token("rt", grant.id)
        cap = token_expires if token_expires is not None else float("inf")
        access_expires = min(now + access_seconds, cap)
        used = grant.used_refresh + ((grant.refresh_digest,) if grant.refresh_digest else ())
        kept = tuple((d, e) for d, e in grant.access if e > now)[-(MAX_ACCESS - 1):]
        grant = replace(grant, refresh_digest=snap.digest("rt", grant.id, refresh_secret),
                        refresh_expires=min(now + refresh_seconds, cap), used_refresh=used[-MAX_USED_REFRESH:],
                        access=kept + ((snap.digest("at", grant.id, access_secret), access_expires),), last_used=now)
        snap.grants[grant.id] = grant
        return Issued(grant, access, access_expires, refresh)

    def revoke(self, grant_id: str, reason: str) -> Grant:
        """End a grant: its access and refresh tokens stop working (idempotent)."""
        def change(snap: GrantSnapshot) -> Grant:
            grant = snap.grants.get(grant_id)
            if grant is None:
                raise GrantStoreError(f"No grant with id '{grant_id}'. `alecs token list` shows each token's grants.")
            if grant.revoked is None:
                grant = snap.grants[grant_id] = replace(grant, revoked=time.time(), revoked_reason=reason)
            return grant
        return self.update(change)[0]

    def record_use(self, used: Mapping[str, float]) -> None:
        """Persist grants' last-used times (batched by the server)."""
        def change(snap: GrantSnapshot) -> None:
            for grant_id, when in used.items():
                grant = snap.grants.get(grant_id)
                if grant is not None and (grant.last_used or 0) < when:
                    snap.grants[grant_id] = replace(grant, last_used=when)
        if used:
            self.update(change)

    def prune(self, token_states: Mapping[str, str], keep_seconds: float = 30 * 86400) -> list[str]:
        """Forget grants that ended (revoked, lapsed, or their token is gone) more than `keep_seconds` ago; the ids
        forgotten. Writes nothing when there is nothing to forget."""
        def ended(grant: Grant, now: float) -> bool:
            end = grant.revoked or (grant.refresh_expires if grant.state(now) == "expired" else None)
            return grant.token_id not in token_states or bool(end and end < now - keep_seconds)

        if self.signature() is None or not any(ended(g, time.time()) for g in self.load().grants.values()):
            return []

        def change(snap: GrantSnapshot) -> list[str]:
            now = time.time()
            doomed = [g.id for g in snap.grants.values() if ended(g, now)]
            for grant_id in doomed:
                del snap.grants[grant_id]
            return doomed
        return self.update(change)[0]

    # -- sign-in codes -------------------------------------------------------------------------------
    def new_sign_in_code(self, token_id: str, minutes: float = 15) -> tuple[str, float]:
        """A one-time code for the consent page standing for `token_id`: (code as shown, expiry)."""
        raw = "".join(secrets.choice(SIGN_IN_ALPHABET) for _ in range(10))
        expires = time.time() + minutes * 60

        def change(snap: GrantSnapshot) -> None:
            digest = snap.digest("sign-in", "-", raw)
            snap.sign_in[digest] = SignInCode(digest, token_id, expires)
        self.update(change)
        return f"{raw[:5]}-{raw[5:]}", expires

    def redeem_sign_in_code(self, code: str) -> str | None:
        """The token id a valid, unused, unexpired code stands for (the code is used up); else None."""
        raw = normalize_sign_in_code(code)
        if raw is None:
            return None

        def change(snap: GrantSnapshot) -> str | None:
            digest = snap.digest("sign-in", "-", raw)
            found = snap.sign_in.get(digest)
            if found is None or found.used is not None or found.expires <= time.time():
                return None
            snap.sign_in[digest] = replace(found, used=time.time())
            return found.token_id
        return self.update(change)[0]

    # -- reading -------------------------------------------------------------------------------------
    def grants_of(self, token_ids: Iterable[str] | None = None) -> list[Grant]:
        """Grants (of these tokens, or all), oldest first."""
        wanted = None if token_ids is None else set(token_ids)
        if self.signature() is None:  # no OAuth yet: nothing to decrypt (and no key derivation to pay for)
            return []
        return sorted((g for g in self.load().grants.values() if wanted is None or g.token_id in wanted),
                      key=lambda g: g.created)
