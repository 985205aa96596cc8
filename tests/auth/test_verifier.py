"""The token check as the SDK's TokenVerifier, exercised through the SDK's own bearer middleware."""

from __future__ import annotations

import time

import httpx2
import pytest
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, BearerAuthBackend, RequireAuthMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore
from alecs.auth.verifier import StoreTokenVerifier, principal_of, token_verifier
from alecs.principal import Principal
from tests.support.waiting import wait_until

KEY = "verifier-tests-master-key"


@pytest.fixture
def store(tmp_path) -> TokenStore:
    return TokenStore(tmp_path / "tokens.json", KEY)


@pytest.fixture
def verifier(store) -> StoreTokenVerifier:
    live = LiveTokens(store)
    live.refresh(force=True)
    return StoreTokenVerifier(live)


async def test_an_active_token_gives_an_access_token_carrying_its_principal_and_never_its_secret(store, verifier):
    record, token = store.generate(scope="write", customers=["acme"], max_sessions=3, networks="staging",
                                   expires_in_days=2)
    access = await verifier.verify_token(token)  # made after the verifier's snapshot: found by the re-read
    assert access is not None and principal_of(access) == record.principal() == access.principal
    assert access.principal == Principal(record.id, "write", frozenset({"acme"}), None, 3, None,
                                         frozenset({"staging"}))
    assert (access.token, access.client_id, access.subject) == (record.id,) * 3
    assert token.split("_", 2)[2] not in repr(access) and access.scopes == ["read", "write"]
    assert access.expires_at is not None and abs(access.expires_at - (time.time() + 2 * 86400)) < 60


async def test_unknown_revoked_and_expired_tokens_and_garbage_are_not_verified(store, verifier):
    revoked, revoked_token = store.generate()
    store.revoke(revoked.id)
    expired, expired_token = store.generate(expires_in_days=0.001 / 86400)
    _, token = store.generate(scope="admin")
    wait_until(lambda: expired.state() == "expired", 5, "a 1 ms token to expire")
    assert await verifier.verify_token(revoked_token) is None
    assert await verifier.verify_token(expired_token) is None
    assert await verifier.verify_token(token[:-3] + "AAA") is None
    assert await verifier.verify_token("garbage") is None and await verifier.verify_token("") is None
    admin = await verifier.verify_token(token)
    assert admin is not None and admin.scopes == ["read", "write", "admin"] and admin.expires_at is None
    assert principal_of(None) is None


async def _whoami(scope: Scope, receive: Receive, send: Send) -> None:
    user = Request(scope).user
    assert isinstance(user, AuthenticatedUser)
    principal = principal_of(user.access_token)
    assert principal is not None
    await JSONResponse({"token": principal.token_id, "scope": principal.scope})(scope, receive, send)


async def test_the_sdk_bearer_middleware_admits_and_scopes_with_it(store, verifier):
    _, read = store.generate(scope="read")
    write_record, write = store.generate(scope="write")
    backend = BearerAuthBackend(token_verifier(verifier.tokens))
    app = Starlette(routes=[Mount("/mcp", app=RequireAuthMiddleware(_whoami, ["write"]))],
                    middleware=[Middleware(AuthenticationMiddleware, backend=backend)])
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://alecs") as http:
        ok = await http.get("/mcp/", headers={"Authorization": f"Bearer {write}"})
        scoped_out = await http.get("/mcp/", headers={"Authorization": f"Bearer {read}"})
        unknown = await http.get("/mcp/", headers={"Authorization": "Bearer alecs_0000000000000000_" + "A" * 43})
    assert ok.status_code == 200 and ok.json() == {"token": write_record.id, "scope": "write"}
    assert scoped_out.status_code == 403 and "insufficient_scope" in scoped_out.headers["www-authenticate"]
    assert unknown.status_code == 401
