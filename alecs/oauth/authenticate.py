"""Client authentication at the token and revocation endpoints, against secrets stored as keyed hashes.

The SDK's `ClientAuthenticator` compares a client's secret in plain text; alecs never stores it (the grant store
keeps an HMAC of it). This authenticator reads the secret the same ways (`client_secret_basic`, `client_secret_post`)
and checks its HMAC in constant time. Public clients (`none`, every client ID metadata document) present no secret.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING
from urllib.parse import unquote

from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.shared.auth import OAuthClientInformationFull
from starlette.requests import Request

if TYPE_CHECKING:
    from alecs.oauth.provider import AlecsProvider


class StoredSecretAuthenticator(ClientAuthenticator):
    """`ClientAuthenticator` for secrets kept as keyed hashes (see the module docstring)."""

    def __init__(self, provider: AlecsProvider) -> None:
        super().__init__(provider)
        self.alecs = provider

    async def authenticate_request(self, request: Request) -> OAuthClientInformationFull:
        form = await request.form()
        client_id = form.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise AuthenticationError("Missing client_id")
        client = await self.alecs.get_client(client_id)
        if client is None:
            raise AuthenticationError("Invalid client_id")
        record = self.alecs.client_record(client_id)
        if record is None or record.secret_digest is None:
            return client  # a public client: PKCE is its proof
        secret = _basic_secret(request.headers.get("authorization", ""), client_id)
        if secret is None:
            posted = form.get("client_secret")
            secret = posted if isinstance(posted, str) else None
        if not secret:
            raise AuthenticationError("Client secret is required")
        if not self.alecs.snapshot.client_secret_matches(record, secret):
            raise AuthenticationError("Invalid client_secret")
        return client


def _basic_secret(header: str, client_id: str) -> str | None:
    """The secret of `Authorization: Basic base64(id:secret)` (RFC 6749 §2.3.1), None without one."""
    if not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationError("Invalid Basic authentication header") from None
    basic_id, sep, secret = decoded.partition(":")
    if not sep:
        raise AuthenticationError("Invalid Basic authentication header")
    if unquote(basic_id) != client_id:
        raise AuthenticationError("Client ID mismatch in Basic auth")
    return unquote(secret)
