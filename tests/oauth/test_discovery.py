"""Discovery as clients do it: the 401's challenge, protected-resource and authorization-server metadata; the
consent page's protective headers; OAuth off by default."""

from __future__ import annotations

import httpx2
import pytest

from alecs.errors import ConfigError
from alecs.oauth.app import www_authenticate
from alecs.oauth.settings import OAuthSettings, oauth_settings
from tests.oauth.browser import Page, pkce

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
ACCEPT = {"Accept": "application/json, text/event-stream"}


async def test_a_401_says_where_the_metadata_is_and_why_the_token_was_refused(oauth_server, mint, store):
    revoked_id, revoked = mint("write")
    store.revoke(revoked_id)
    async with oauth_server() as served:
        prm = f"{served.issuer}/.well-known/oauth-protected-resource/mcp"
        bare = await served.http.post(served.url, json=INIT, headers=ACCEPT)
        assert bare.status_code == 401
        assert bare.headers["www-authenticate"] == (
            f'Bearer realm="alecs", resource_metadata="{prm}", '
            f'error_description="Missing Authorization: Bearer <token> header."')
        for token, why in (("alecs_at_0123456789abcdef_" + "A" * 43, "Invalid token."),
                           (revoked, "This token is revoked.")):
            refused = await served.http.post(served.url, json=INIT, headers={**ACCEPT,
                                                                           "Authorization": f"Bearer {token}"})
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == (
                f'Bearer realm="alecs", resource_metadata="{prm}", error="invalid_token", error_description="{why}"')


async def test_protected_resource_and_authorization_server_metadata(oauth_server):
    async with oauth_server() as served:
        for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
            prm = (await served.http.get(served.issuer + path)).json()
            assert prm["resource"] == served.url and prm["authorization_servers"] == [served.issuer]
            assert prm["scopes_supported"] == ["read", "write", "admin"] and prm["bearer_methods_supported"] == [
                "header"]
        meta = await served.http.get(served.issuer + "/.well-known/oauth-authorization-server",
                                     headers={"Origin": "https://inspector.example"})  # browser-based clients
        assert meta.headers["access-control-allow-origin"] == "*"
        doc = meta.json()
        assert doc["issuer"] == served.issuer
        assert {k: doc[k] for k in ("authorization_endpoint", "token_endpoint", "registration_endpoint",
                                    "revocation_endpoint")} == {
            "authorization_endpoint": served.issuer + "/authorize", "token_endpoint": served.issuer + "/token",
            "registration_endpoint": served.issuer + "/register", "revocation_endpoint": served.issuer + "/revoke"}
        assert doc["code_challenge_methods_supported"] == ["S256"] and doc["response_types_supported"] == ["code"]
        assert doc["client_id_metadata_document_supported"] is True
        assert doc["authorization_response_iss_parameter_supported"] is True
        assert (await served.http.get(served.issuer + "/.well-known/openid-configuration")).status_code == 404


async def test_a_public_url_behind_a_proxy_is_the_issuer_and_resource(oauth_server):
    async with oauth_server(public_url="https://mcp.example.com/mcp") as served:
        assert served.issuer == "https://mcp.example.com"
        local = served.remote.url.rsplit("/mcp", 1)[0]
        prm = await served.http.get(local + "/.well-known/oauth-protected-resource/mcp",
                                    headers={"Host": "mcp.example.com"})
        assert prm.json()["resource"] == "https://mcp.example.com/mcp"
        foreign = await served.http.get(local + "/.well-known/oauth-protected-resource/mcp",
                                        headers={"Host": "rebound.example"})
        assert foreign.status_code == 403


async def test_the_consent_page_forbids_framing_scripts_and_foreign_form_targets(oauth_server):
    async with oauth_server() as served:
        client = served.client()
        assert (await client.register()).status_code == 201
        page = await served.browser().open(client.authorize_url(pkce()[1]))
        assert isinstance(page, Page) and page.status == 200
        headers = page.response.headers
        assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "same-origin" and headers["x-content-type-options"] == "nosniff"
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
        assert "form-action 'self' http://127.0.0.1:33418;" in csp
        cookie = headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/authorize/consent" in cookie
        assert "<script" not in page.text
        css = await served.http.get(served.issuer + "/authorize/consent.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_oauth_is_off_unless_asked_for_and_then_only_on_http(oauth_server):
    async with oauth_server(enabled=False) as served, httpx2.AsyncClient() as http:
        assert served.remote.oauth is None
        url = served.url
        base = url.rsplit("/mcp", 1)[0]
        assert (await http.get(base + "/.well-known/oauth-protected-resource/mcp")).status_code == 404
        assert (await http.post(base + "/register", json={})).status_code == 404
        bare = await http.post(url, json=INIT, headers=ACCEPT)
        assert bare.headers["www-authenticate"] == 'Bearer realm="alecs"'
    assert oauth_settings(False, {}).enabled is False and oauth_settings(False, {"ALECS_OAUTH": "1"}).enabled
    on = OAuthSettings(enabled=True)
    with pytest.raises(ConfigError, match="Streamable HTTP"):
        on.check(transport="websocket", listen_url="ws://127.0.0.1:8082/mcp", listen_loopback=True)
    with pytest.raises(ConfigError, match="ALECS_PUBLIC_URL"):
        on.check(transport="http", listen_url="https://0.0.0.0:8443/mcp", listen_loopback=False)
    with pytest.raises(ConfigError, match="https"):
        OAuthSettings(enabled=True, public_url="http://mcp.example.com/mcp").check(
            transport="http", listen_url="http://127.0.0.1:8082/mcp", listen_loopback=True)


def test_the_challenge_quotes_nothing_it_should_not():
    value = www_authenticate("https://a.example/.well-known/oauth-protected-resource/mcp", "invalid_token",
                             'say "hi"\\\n')
    assert value.endswith('error="invalid_token", error_description="say hi"')
