"""The token check as the MCP SDK's TokenVerifier: the SDK's own bearer backend admits exactly the active tokens."""

from __future__ import annotations

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, BearerAuthBackend
from mcp.server.auth.provider import TokenVerifier
from starlette.requests import HTTPConnection

from alecs.auth.live import LiveTokens
from alecs.caller import principal_of
from alecs.transports.verifier import StoreTokenVerifier


def bearer(token: str) -> HTTPConnection:
    return HTTPConnection({"type": "http", "path": "/mcp", "headers": [(b"authorization", f"Bearer {token}".encode())]})


async def test_the_sdk_bearer_backend_admits_an_active_token_as_the_callers_principal(store, mint):
    token_id, token = mint("read", customers=["acme"], toolsets=["dns"])
    tokens = LiveTokens(store)
    tokens.refresh(force=True)
    verifier: TokenVerifier = StoreTokenVerifier(tokens)
    verdict = await BearerAuthBackend(verifier).authenticate(bearer(token))
    assert verdict is not None
    credentials, user = verdict
    assert isinstance(user, AuthenticatedUser) and credentials.scopes == ["read"]
    assert token not in repr(user.access_token) and token.split("_", 2)[2] not in repr(user.access_token)
    request = HTTPConnection({"type": "http", "path": "/mcp", "headers": [], "user": user})
    principal = principal_of(request)
    assert principal is not None and principal.token_id == token_id
    assert principal.customers == frozenset({"acme"}) and principal.toolsets == frozenset({"dns"})


async def test_unknown_revoked_and_expired_tokens_are_not_verified(store, mint):
    revoked_id, revoked = mint("write")
    store.revoke(revoked_id)
    _, expired = mint("write", expires_in_days=1e-9)
    tokens = LiveTokens(store)
    tokens.refresh(force=True)
    backend = BearerAuthBackend(StoreTokenVerifier(tokens))
    for token in (revoked, expired, "alecs_0123456789abcdef_" + "A" * 43, "garbage"):
        assert await backend.authenticate(bearer(token)) is None
