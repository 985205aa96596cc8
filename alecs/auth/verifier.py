"""The token check as the MCP SDK's `TokenVerifier`: what the SDK's bearer middleware (and OAuth) plug into.

`StoreTokenVerifier(live_tokens).verify_token(token)` answers a `PrincipalAccessToken` for a genuine active token
(re-reading a changed store first when the token is unknown, like the Guard) and None for anything else. The
alecs `Principal` rides on it (`.principal`, or `principal_of(access_token)` for whatever the SDK hands back).

Decisions: the AccessToken's `token`, `client_id` and `subject` are the token *id*, never the secret (the SDK
keeps AccessTokens in request scope, where reprs and logs can reach them); scopes are cumulative (`read` ⊂
`write` ⊂ `admin`) so the SDK's `required_scopes=["read"]` admits every token that may read; `expires_at` is the
token's expiry in whole seconds. An OAuth access token (with OAuth on) verifies as its alecs token seen through the
grant: the principal carries the grant's id and scope, and `resource` is the resource it was issued for (RFC 8707).
"""

from __future__ import annotations

from mcp.server.auth.provider import AccessToken, TokenVerifier

from alecs.auth.live import LiveTokens
from alecs.principal import SCOPES, Principal


class PrincipalAccessToken(AccessToken):
    """The SDK's AccessToken carrying the alecs principal it stands for."""

    principal: Principal


def granted_scopes(scope: str) -> list[str]:
    """The scope and every narrower one: admin -> [read, write, admin]."""
    return list(SCOPES[: SCOPES.index(scope) + 1]) if scope in SCOPES else []


class StoreTokenVerifier:
    """An `mcp.server.auth.provider.TokenVerifier` over the live token store."""

    def __init__(self, tokens: LiveTokens) -> None:
        self.tokens = tokens

    async def verify_token(self, token: str) -> PrincipalAccessToken | None:
        """The access of a genuine, active token; None for an unknown, revoked or expired one, or garbage."""
        record = await self.tokens.lookup(token)
        if record is None or record.state() != "active":
            return None
        self.tokens.touch(record.id)
        principal = record.principal()
        resource = self.tokens.grants.resource if principal.grant and self.tokens.grants is not None else None
        return PrincipalAccessToken(
            token=record.id, client_id=record.id, subject=record.id, scopes=granted_scopes(record.scope),
            expires_at=int(record.expires) if record.expires is not None else None, principal=principal,
            resource=resource)


def principal_of(access_token: AccessToken | None) -> Principal | None:
    """The alecs principal of an AccessToken made by `StoreTokenVerifier`, else None."""
    return access_token.principal if isinstance(access_token, PrincipalAccessToken) else None


def token_verifier(tokens: LiveTokens) -> TokenVerifier:
    """The verifier for the SDK's `BearerAuthBackend` / `AuthSettings` (typed as the SDK's protocol, so the
    type checker proves `StoreTokenVerifier` fits it)."""
    return StoreTokenVerifier(tokens)
