"""alecs' bearer-token check as the MCP SDK's `TokenVerifier`, the seam the SDK's HTTP auth (and OAuth) plugs into.

The transports admit callers through the Guard (Origin, tokens in URLs, failure limiting, then this same check);
`StoreTokenVerifier` offers the token check alone in the SDK's shape, so the SDK's `BearerAuthBackend` or an OAuth
resource-server setup yields the same `AuthenticatedUser` (`alecs.caller`) the transports put on every request.
"""

from __future__ import annotations

from alecs.auth.live import LiveTokens
from alecs.caller import CallerToken, caller_token


class StoreTokenVerifier:
    """`mcp.server.auth.provider.TokenVerifier` over the token store: active tokens only, never the secret kept."""

    def __init__(self, tokens: LiveTokens) -> None:
        self.tokens = tokens

    async def verify_token(self, token: str) -> CallerToken | None:
        record = self.tokens.verify(token)
        if record is None or record.state() != "active":
            return None
        self.tokens.touch(record.id)
        return caller_token(record.principal(), expires_at=record.expires)
