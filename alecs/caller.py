"""How the caller reaches the server: one way, on the request context of every message.

A remote transport authenticates the client and puts the caller into an ASGI scope, as the SDK's own
`AuthenticatedUser` under `scope["user"]` (what Streamable HTTP binds each MCP session to). The Starlette
`HTTPConnection` over that scope is the `request_context` of every message the session receives: the SDK builds it
for Streamable HTTP from the request being served; the WebSocket transport builds one per connection from its
handshake. `AlecsServer.principal` reads the caller back with `principal_of`.

A message without a request context comes from a local session (stdio, or the SDK's in-process client in tests); its
caller is the principal `AlecsServer.run` was given (`alecs.principal.CURRENT`, the local operator by default). A
remote request that carries no caller is refused rather than mistaken for the local operator.

The user's access token is the SDK's `AccessToken` (a `CallerToken` adds the principal), so the SDK's
`TokenVerifier` seam, and later OAuth, produce the same object the transports do.
"""

from __future__ import annotations

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from pydantic import ConfigDict
from starlette.requests import HTTPConnection

from alecs.principal import Principal


class CallerToken(AccessToken):
    """The SDK's `AccessToken` for an alecs token: `token` and `client_id` hold the token id (never the secret)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    principal: Principal


class UnauthenticatedRequest(PermissionError):
    """A remote request reached the server without an authenticated caller (a transport bug; refused, not guessed)."""


def caller_token(principal: Principal, expires_at: float | None = None) -> CallerToken:
    label = principal.label
    return CallerToken(token=label, client_id=label, scopes=[principal.scope], principal=principal,
                       expires_at=None if expires_at is None else int(expires_at))


def authenticated(principal: Principal, expires_at: float | None = None) -> AuthenticatedUser:
    """The `scope["user"]` a transport sets for an authenticated caller."""
    return AuthenticatedUser(caller_token(principal, expires_at))


def principal_of(request: object) -> Principal | None:
    """The caller a transport attached to this request context; None for a local session (no request context)."""
    if request is None:
        return None
    if isinstance(request, HTTPConnection):
        user = request.scope.get("user")
        if isinstance(user, AuthenticatedUser) and isinstance(user.access_token, CallerToken):
            return user.access_token.principal
    raise UnauthenticatedRequest("This request carries no authenticated caller.")
