"""The MCP SDK's `OAuthAuthorizationServerProvider` for alecs: clients, consent requests, codes, tokens, revocation.

The SDK's handlers parse and validate requests (and check PKCE at the token endpoint); this provider decides:

- `authorize` accepts S256 PKCE only (an absent method means `plain`, RFC 7636 §4.3, and is refused too), a
  well-formed challenge, and no resource but this server's (RFC 8707); it parks the request and sends the browser
  to the consent page. Pending requests live in memory for `consent_seconds`, at most 1,000 at a time.
- Codes live in memory only (keyed hashes), for `code_seconds`, once: a code presented again revokes the grant that
  its first use created (OAuth 2.1 §4.1.3).
- A grant's scope is the highest scope the client asked for that its alecs token holds (`grant_scope`): clients
  often ask for every advertised scope, and get what the token allows; a client asking only for more than the
  token holds is refused.
- Refresh tokens rotate on every use; a rotated-out one presented again revokes its grant (the family).
- Neither token outlives the alecs token; a grant whose token is revoked, expired or rotated away is dead.

Every store write runs in a worker thread; the server adopts what it wrote, so new tokens work at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    RegistrationError,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenRecord
from alecs.auth.verifier import granted_scopes
from alecs.logs import audit_event
from alecs.oauth.clients import AlecsClient, ClientRefused, MetadataDocuments, check_client_metadata, is_metadata_url
from alecs.oauth.live import LiveGrants
from alecs.oauth.settings import OAuthSettings, OAuthUrls
from alecs.oauth.store import ClientRecord, GrantSnapshot, GrantStoreError, Issued, parse_grant_token
from alecs.principal import SCOPES, Scope

log = logging.getLogger(__name__)
audit = logging.getLogger("alecs.audit")

CONSENT_PATH = "/authorize/consent"
MAX_PENDING = 1000
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass
class RequestNotes:
    """What the app tells the provider about the request being served, and what the provider tells back."""

    address: str = "-"
    pkce_method: str | None = None
    client_refusal: str | None = None  # why a client id was not accepted (a metadata document's problem)


NOTES: ContextVar[RequestNotes | None] = ContextVar("alecs_oauth_request", default=None)


def notes() -> RequestNotes:
    """The notes of the request being served (a fresh, unused one outside a request)."""
    current = NOTES.get()
    if current is None:
        current = RequestNotes()
        NOTES.set(current)
    return current


def audit_oauth(action: str, **fields: object) -> None:
    """One audit line per OAuth event: register, approve, deny, token, refresh, revoke (never a secret)."""
    audit_event(audit, "oauth", action=action, remote=notes().address, **fields)


def grant_scope(requested: list[str] | None, token_scope: str) -> Scope | None:
    """The scope a grant gets: the highest requested scope the token holds; the token's scope if none was asked
    for; None when every requested scope is wider than the token's, or the token has no MCP scope (metrics)."""
    if token_scope not in SCOPES:
        return None
    held = SCOPES.index(token_scope)
    if not requested:
        return SCOPES[held]
    fitting = [SCOPES.index(s) for s in requested if s in SCOPES and SCOPES.index(s) <= held]
    return SCOPES[max(fitting)] if fitting else None


@dataclass
class PendingConsent:
    """An authorization request waiting for a person on the consent page."""

    id: str
    client: AlecsClient
    params: AuthorizationParams
    expires: float
    signed_in: TokenRecord | None = None  # the alecs token that proved itself at step 1
    scope: Scope | None = None  # what the grant will get
    approval: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # step 2's form nonce


class AlecsCode(AuthorizationCode):
    """An authorization code, kept in memory, with the token that approved it."""

    token_id: str
    client_name: str
    grant_scope: Scope  # the grant's scope (the SDK's `scopes` holds it with the narrower ones)
    reused_grant: str | None = None


class AlecsRefreshToken(RefreshToken):
    """A refresh token as presented: its grant, and the secret the store checks and rotates."""

    grant_id: str
    secret: str


class AlecsAccessToken(AccessToken):
    """An access token found for the revocation endpoint."""

    grant_id: str


class AlecsProvider:
    """The provider (see the module docstring)."""

    def __init__(self, settings: OAuthSettings, tokens: LiveTokens, grants: LiveGrants,
                 documents: MetadataDocuments, urls: Callable[[], OAuthUrls]) -> None:
        self.settings, self.tokens, self.grants, self.documents = settings, tokens, grants, documents
        self.urls = urls
        self.pending: dict[str, PendingConsent] = {}
        self._codes: dict[str, AlecsCode] = {}
        self._used_codes: dict[str, tuple[AlecsCode, float]] = {}  # digest -> (the code, with its grant; forget at)
        self._code_key = secrets.token_bytes(32)

    # -- clients -------------------------------------------------------------------------------------
    def client_record(self, client_id: str) -> ClientRecord | None:
        return self.grants.snapshot.clients.get(client_id)

    @property
    def snapshot(self) -> GrantSnapshot:
        return self.grants.snapshot

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        if is_metadata_url(client_id):
            try:
                return await self.documents.client(client_id)
            except ClientRefused as exc:
                notes().client_refusal = str(exc)
                log.info("client metadata document refused: %s", exc)
                return None
        record = self.client_record(client_id)
        if record is None:
            return None
        return AlecsClient.model_validate({**record.metadata, "client_id": record.client_id,
                                           "client_id_issued_at": int(record.issued)})

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        metadata = client_info.model_dump(mode="json", exclude_none=True, exclude={
            "client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at"})
        why = check_client_metadata(metadata)
        if why:
            kind = "invalid_redirect_uri" if "redirect" in why else "invalid_client_metadata"
            raise RegistrationError(kind, why)  # type: ignore[arg-type]
        try:
            snapshot = await anyio.to_thread.run_sync(lambda: self.grants.store.register(
                client_info.client_id, metadata, client_info.client_secret, self.settings.max_clients))
        except GrantStoreError as exc:
            raise RegistrationError("invalid_client_metadata", str(exc)) from None
        self.grants.adopt(snapshot)
        audit_oauth("register", client=client_info.client_id, name=_one_line(client_info.client_name or "-"),
                    auth_method=client_info.token_endpoint_auth_method)

    # -- authorization -------------------------------------------------------------------------------
    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if notes().pkce_method != "S256":
            raise AuthorizeError("invalid_request", "PKCE with code_challenge_method=S256 is required (a missing "
                                                    "method means 'plain', which is not accepted).")
        if not _CHALLENGE.match(params.code_challenge):
            raise AuthorizeError("invalid_request", "code_challenge must be the 43-character base64url SHA-256 "
                                                    "of the code verifier.")
        urls = self.urls()
        if params.resource is not None and not same_resource(params.resource, urls.resource):
            raise AuthorizeError("invalid_target", f"This server is the resource {urls.resource}; it issues no "
                                                   f"tokens for {params.resource}.")
        now = time.monotonic()
        for key in [k for k, p in self.pending.items() if p.expires <= now]:
            del self.pending[key]
        while len(self.pending) >= MAX_PENDING:
            del self.pending[next(iter(self.pending))]
        pending = PendingConsent(secrets.token_urlsafe(24), client, params,  # type: ignore[arg-type]
                                 now + self.settings.consent_seconds)
        self.pending[pending.id] = pending
        return construct_redirect_uri(urls.endpoint(CONSENT_PATH), request=pending.id)

    def pending_request(self, request_id: str) -> PendingConsent | None:
        pending = self.pending.get(request_id)
        if pending is None or pending.expires <= time.monotonic():
            return None
        return pending

    def approve(self, pending: PendingConsent) -> str:
        """Issue the code for an approved request; the redirect URL that carries it to the client."""
        record, scope = pending.signed_in, pending.scope
        assert record is not None and scope is not None
        self.pending.pop(pending.id, None)
        code = secrets.token_urlsafe(32)
        self._codes[self._digest(code)] = AlecsCode(
            code="-", scopes=granted_scopes(scope), expires_at=time.time() + self.settings.code_seconds,
            client_id=pending.client.client_id, code_challenge=pending.params.code_challenge,
            redirect_uri=pending.params.redirect_uri,
            redirect_uri_provided_explicitly=pending.params.redirect_uri_provided_explicitly,
            resource=self.urls().resource, subject=record.id, token_id=record.id,
            client_name=client_name(pending.client), grant_scope=scope)
        audit_oauth("approve", client=pending.client.client_id, token=record.id, scope=scope)
        return construct_redirect_uri(str(pending.params.redirect_uri), code=code, state=pending.params.state,
                                      iss=self.urls().issuer)

    def deny(self, pending: PendingConsent) -> str:
        """Drop a denied request; the redirect URL that tells the client."""
        self.pending.pop(pending.id, None)
        audit_oauth("deny", client=pending.client.client_id,
                    token=pending.signed_in.id if pending.signed_in is not None else "-")
        return construct_redirect_uri(str(pending.params.redirect_uri), error="access_denied",
                                      error_description="The request was denied on the alecs consent page.",
                                      state=pending.params.state, iss=self.urls().issuer)

    # -- codes ---------------------------------------------------------------------------------------
    def _digest(self, code: str) -> str:
        return hmac.new(self._code_key, code.encode(), hashlib.sha256).hexdigest()

    async def load_authorization_code(self, client: OAuthClientInformationFull,
                                      authorization_code: str) -> AlecsCode | None:
        digest = self._digest(authorization_code)
        now = time.time()
        for key in [k for k, (_, until) in self._used_codes.items() if until < now]:
            del self._used_codes[key]
        used = self._used_codes.get(digest)
        if used is not None:  # OAuth 2.1 §4.1.3: a code used twice revokes what it gave
            assert used[0].reused_grant is not None
            await self._revoke(used[0].reused_grant, "authorization code reused")
            return used[0]
        code = self._codes.get(digest)
        if code is not None and code.expires_at < now:
            del self._codes[digest]
        return code

    async def exchange_authorization_code(self, client: OAuthClientInformationFull,
                                          authorization_code: AlecsCode) -> OAuthToken:
        if authorization_code.reused_grant is not None:
            raise TokenError("invalid_grant", "This authorization code was already used; the tokens issued for it "
                                              "are revoked. Start the authorization again.")
        digest = next((k for k, v in self._codes.items() if v is authorization_code), None)
        if digest is None:
            raise TokenError("invalid_grant", "authorization code does not exist")
        del self._codes[digest]
        record = self._active_token(authorization_code.token_id)
        issued, snapshot = await anyio.to_thread.run_sync(lambda: self.grants.store.issue(
            token_id=record.id, client_id=client.client_id, client_name=authorization_code.client_name,
            scope=authorization_code.grant_scope, resource=authorization_code.resource or self.urls().resource,
            access_seconds=self.settings.access_seconds, refresh_seconds=self.settings.refresh_seconds,
            token_expires=record.expires))
        self.grants.adopt(snapshot)
        self._used_codes[digest] = (authorization_code.model_copy(update={"reused_grant": issued.grant.id}),
                                    time.time() + max(self.settings.code_seconds, 60) * 10)
        audit_oauth("token", client=client.client_id, token=record.id, grant=issued.grant.id, scope=issued.grant.scope)
        return _token_response(issued)

    def _active_token(self, token_id: str) -> TokenRecord:
        snapshot = self.tokens._snapshot
        record = snapshot.records.get(token_id) if snapshot is not None else None
        if record is None or record.state() != "active":
            state = record.state() if record is not None else "gone"
            raise TokenError("invalid_grant", f"The alecs token that approved this grant is {state}: sign in again "
                                              f"with an active token.")
        return record

    # -- refresh -------------------------------------------------------------------------------------
    async def load_refresh_token(self, client: OAuthClientInformationFull,
                                 refresh_token: str) -> AlecsRefreshToken | None:
        parsed = parse_grant_token(refresh_token)
        if parsed is None or parsed[0] != "rt":
            return None
        grant = self.grants.snapshot.grants.get(parsed[1])
        if grant is None or grant.client_id != client.client_id:
            return None
        return AlecsRefreshToken(token=grant.id, client_id=grant.client_id, scopes=granted_scopes(grant.scope),
                                 resource=grant.resource, subject=grant.token_id, grant_id=grant.id, secret=parsed[2])

    async def exchange_refresh_token(self, client: OAuthClientInformationFull, refresh_token: AlecsRefreshToken,
                                     scopes: list[str]) -> OAuthToken:
        grant = self.grants.snapshot.grants[refresh_token.grant_id]
        record = self._active_token(grant.token_id)
        outcome, snapshot = await anyio.to_thread.run_sync(lambda: self.grants.store.refresh(
            grant.id, refresh_token.secret, access_seconds=self.settings.access_seconds,
            refresh_seconds=self.settings.refresh_seconds, token_expires=record.expires))
        self.grants.adopt(snapshot)
        if isinstance(outcome, str):
            audit_oauth("refresh", client=client.client_id, token=grant.token_id, grant=grant.id, outcome=outcome)
            raise TokenError("invalid_grant", {
                "reused": "This refresh token was already used, so its grant is revoked (refresh token reuse "
                          "detection): sign in again.",
                "revoked": "This grant is revoked: sign in again.",
                "expired": "This refresh token has expired: sign in again.",
            }.get(outcome, "refresh token does not exist"))
        audit_oauth("refresh", client=client.client_id, token=grant.token_id, grant=grant.id, outcome="ok")
        return _token_response(outcome)

    # -- access tokens and revocation ------------------------------------------------------------------
    async def load_access_token(self, token: str) -> AlecsAccessToken | None:
        found = self.grants.snapshot.access_grant(token)
        if found is None:
            return None
        grant, expires = found
        return AlecsAccessToken(token=grant.id, client_id=grant.client_id, scopes=granted_scopes(grant.scope),
                                expires_at=int(expires), resource=grant.resource, grant_id=grant.id)

    async def revoke_token(self, token: AlecsAccessToken | AlecsRefreshToken) -> None:
        await self._revoke(token.grant_id, "revoked by the client")

    async def _revoke(self, grant_id: str, reason: str) -> None:
        try:
            grant = await anyio.to_thread.run_sync(lambda: self.grants.store.revoke(grant_id, reason))
        except GrantStoreError:
            return
        await anyio.to_thread.run_sync(self.grants.refresh)
        audit_oauth("revoke", client=grant.client_id, token=grant.token_id, grant=grant.id, reason=reason)

    async def exchange_identity_assertion(self, client: OAuthClientInformationFull, params: Any) -> OAuthToken:
        raise TokenError("unsupported_grant_type", "Only authorization_code and refresh_token are supported.")


def _token_response(issued: Issued) -> OAuthToken:
    return OAuthToken(access_token=issued.access_token, token_type="Bearer",
                      expires_in=max(1, int(issued.access_expires - time.time())),
                      scope=" ".join(granted_scopes(issued.grant.scope)), refresh_token=issued.refresh_token)


def same_resource(a: str, b: str) -> bool:
    """RFC 8707 resources compared as URLs: scheme and host case-insensitive, a trailing slash aside."""
    pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
    return (pa.scheme.lower(), (pa.netloc or "").lower(), pa.path.rstrip("/"), pa.query) == \
        (pb.scheme.lower(), (pb.netloc or "").lower(), pb.path.rstrip("/"), pb.query)


def client_name(client: OAuthClientInformationFull) -> str:
    """What a person sees: the client's name, or its id."""
    return _one_line(client.client_name or client.client_id)[:200]


def _one_line(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text).strip()
