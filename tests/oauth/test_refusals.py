"""Every refusal the authorization server owes: the right error, and nothing granted."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from alecs.transports.guard import FailureLimiter
from tests.oauth.browser import Page, pkce, query

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
ACCEPT = {"Accept": "application/json, text/event-stream"}


async def mcp_status(served, access_token: str) -> int:
    response = await served.http.post(served.url, json=INIT, headers={**ACCEPT,
                                                                     "Authorization": f"Bearer {access_token}"})
    return response.status_code


async def registered(served, **kw):
    client = served.client(**kw)
    assert (await client.register()).status_code == 201
    return client


async def test_an_unregistered_redirect_uri_is_refused_without_redirecting(oauth_server, mint, grant_store):
    async with oauth_server() as served:
        client = await registered(served)
        _, challenge = pkce()
        for uri in ("https://evil.example/callback", "http://127.0.0.1:33418/other", "http://10.0.0.1:33418/callback"):
            response = await served.http.get(client.authorize_url(challenge, redirect_uri=uri))
            assert response.status_code == 400 and "location" not in response.headers
            assert response.json()["error"] == "invalid_request" and "not registered" in response.json()[
                "error_description"]
        # a loopback redirect URI may come back on another port (RFC 8252 §7.3)
        moved = await served.http.get(client.authorize_url(challenge, redirect_uri="http://127.0.0.1:41000/callback"))
        assert moved.status_code == 302 and "/authorize/consent?request=" in moved.headers["location"]
    assert grant_store.grants_of() == []


@pytest.mark.parametrize(("challenge", "method", "says"), [
    (None, "S256", "code_challenge"),
    ("x" * 43, "plain", "code_challenge_method"),
    ("x" * 43, None, "S256 is required"),
    ("short", "S256", "43-character"),
])
async def test_missing_or_plain_pkce_is_refused_back_to_the_client(oauth_server, grant_store, challenge, method,
                                                                   says):
    async with oauth_server() as served:
        client = await registered(served)
        response = await served.http.get(client.authorize_url(challenge, method=method, state="keep-me"))
        assert response.status_code == 302
        back = query(response.headers["location"])
        assert response.headers["location"].startswith(client.redirect_uri)
        assert back["error"] == "invalid_request" and says in back["error_description"]
        assert back["state"] == "keep-me"
    assert grant_store.grants_of() == []


async def test_a_wrong_verifier_a_reused_code_and_an_expired_code_are_refused(oauth_server, mint, grant_store):
    _, token = mint("write")
    async with oauth_server() as served:
        client = await registered(served)
        verifier, challenge = pkce()
        code = query(await served.browser().authorize(client.authorize_url(challenge), token))["code"]
        wrong = await client.exchange(code, pkce()[0])
        assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_grant",
                                                             "error_description": "incorrect code_verifier"}
        assert grant_store.grants_of() == []
        first = await client.exchange(code, verifier)
        assert first.status_code == 200 and await mcp_status(served, first.json()["access_token"]) == 200
        again = await client.exchange(code, verifier)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        assert "already used" in again.json()["error_description"]
        # the code's reuse revoked what its first use gave (OAuth 2.1 §4.1.3)
        assert await mcp_status(served, first.json()["access_token"]) == 401
        assert (await client.refresh(first.json()["refresh_token"])).json()["error"] == "invalid_grant"
        assert [g.revoked_reason for g in grant_store.grants_of()] == ["authorization code reused"]
    async with oauth_server(code_seconds=0) as served:
        client = await registered(served)
        verifier, challenge = pkce()
        code = query(await served.browser().authorize(client.authorize_url(challenge), token))["code"]
        expired = await client.exchange(code, verifier)
        assert expired.status_code == 400 and expired.json() == {"error": "invalid_grant",
                                                                 "error_description": "authorization code has expired"}
    assert len(grant_store.grants_of()) == 1


async def test_a_reused_refresh_token_revokes_its_whole_family(oauth_server, mint, grant_store, audit_lines):
    _, token = mint("write")
    async with oauth_server() as served:
        client = await registered(served)
        verifier, challenge = pkce()
        code = query(await served.browser().authorize(client.authorize_url(challenge), token))["code"]
        first = (await client.exchange(code, verifier)).json()
        second = (await client.refresh(first["refresh_token"])).json()
        assert await mcp_status(served, second["access_token"]) == 200
        stolen = await client.refresh(first["refresh_token"])  # the rotated-out one, presented again
        assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
        assert "already used" in stolen.json()["error_description"]
        assert await mcp_status(served, second["access_token"]) == 401
        assert await mcp_status(served, first["access_token"]) == 401
        latest = await client.refresh(second["refresh_token"])
        assert latest.status_code == 400 and "revoked" in latest.json()["error_description"]
    assert [g.revoked_reason for g in grant_store.grants_of()] == ["refresh token reused"]
    assert any("action=refresh" in line and "outcome=reused" in line for line in audit_lines())


async def test_a_token_for_another_resource_is_refused(oauth_server, mint, store):
    _, token = mint("write")
    async with oauth_server() as a, oauth_server() as b:  # one token store, two resources
        assert a.url != b.url
        client = await registered(a)
        verifier, challenge = pkce()
        other = await a.http.get(client.authorize_url(challenge, resource=b.url))
        assert query(other.headers["location"])["error"] == "invalid_target"
        code = query(await a.browser().authorize(client.authorize_url(challenge), token))["code"]
        refused = await client.exchange(code, verifier, resource=b.url)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_target"
        tokens = (await client.exchange(code, verifier)).json()
        assert await mcp_status(a, tokens["access_token"]) == 200
        response = await b.http.post(b.url, json=INIT, headers={**ACCEPT,
                                                                "Authorization": f"Bearer {tokens['access_token']}"})
        assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_the_consent_form_without_its_csrf_token_or_cookie_is_refused(oauth_server, mint, grant_store):
    _, token = mint("write")
    async with oauth_server() as served:
        client = await registered(served)
        _, challenge = pkce()
        browser = served.browser()
        page = await browser.open(client.authorize_url(challenge))
        assert isinstance(page, Page)
        for forged in ({"drop": ("csrf",)}, {"csrf": "0" * 64}):
            refused = await browser.submit(page, "continue", credential=token, **forged)
            assert isinstance(refused, Page) and refused.status == 403 and "CSRF" in refused.text
        browser.http.cookies.clear()  # a cross-site POST carries no SameSite=Strict cookie
        refused = await browser.submit(page, "continue", credential=token)
        assert isinstance(refused, Page) and refused.status == 403
        elsewhere = await browser.http.post(served.issuer + "/authorize/consent", data={**page.form()["fields"],
                                            "credential": token, "action": "continue"},
                                            headers={"Origin": "https://evil.example"})
        assert elsewhere.status_code == 403
    assert grant_store.grants_of() == []


async def test_a_read_token_cannot_grant_write_and_a_revoked_token_cannot_sign_in(oauth_server, mint, store,
                                                                                  grant_store, audit_lines):
    _, read = mint("read")
    revoked_id, revoked = mint("admin")
    store.revoke(revoked_id)
    async with oauth_server() as served:
        client = await registered(served)
        _, challenge = pkce()
        browser = served.browser()
        page = await browser.open(client.authorize_url(challenge, scope="write"))
        assert isinstance(page, Page)
        refused = await browser.submit(page, "continue", credential=read)
        assert isinstance(refused, Page) and refused.status == 403
        assert refused.errors and "scope is read" in refused.errors[0] and "asks for write" in refused.errors[0]
        denied = await browser.submit(refused, "continue", credential=revoked)
        assert isinstance(denied, Page) and denied.status == 401 and denied.errors == ["This token is revoked."]
        # approving without having signed in is refused too
        forged = await browser.http.post(served.issuer + "/authorize/consent", data={
            **denied.form()["fields"], "approval": "x", "action": "approve"}, headers={"Origin": served.issuer})
        assert forged.status_code == 403 and "Sign in first" in forged.text
        # a read token for a client asking for everything gets read
        page = await browser.open(client.authorize_url(challenge, scope="read write admin"))
        assert isinstance(page, Page)
        confirm = await browser.submit(page, "continue", credential=read)
        assert isinstance(confirm, Page) and confirm.status == 200 and "read: list and look" in confirm.text
    assert grant_store.grants_of() == []
    assert not any("action=approve" in line for line in audit_lines())


async def test_failed_sign_ins_are_limited_per_credential(oauth_server, mint):
    _, token = mint("write")
    async with oauth_server(limiter=FailureLimiter(max_failures=3, window=60, block=60)) as served:
        client = await registered(served)
        _, challenge = pkce()
        browser = served.browser()
        page = await browser.open(client.authorize_url(challenge))
        assert isinstance(page, Page)
        guess = token[:-5] + "AAAAA"  # someone guessing at this token id's secret
        statuses = []
        for _ in range(4):
            answer = await browser.submit(page, "continue", credential=guess)
            assert isinstance(answer, Page)
            statuses.append(answer.status)
        assert statuses[:2] == [401, 401] and statuses[-1] == 429
        assert "try again" in answer.errors[0] and int(answer.response.headers["retry-after"]) > 0
        ok = await browser.submit(page, "continue", credential=token)  # the genuine one is not locked out
        assert isinstance(ok, Page) and ok.status == 200


async def test_oversized_and_flooding_registrations_are_refused(oauth_server, grant_store):
    async with oauth_server(registrations_per_minute_total=5) as served:
        huge = await served.http.post(served.issuer + "/register", content=json.dumps({
            "redirect_uris": ["http://127.0.0.1/cb"], "client_name": "x" * 20000}),
            headers={"Content-Type": "application/json"})
        assert huge.status_code == 413
        many = await served.http.post(served.issuer + "/register", json={
            "redirect_uris": [f"http://127.0.0.1:{1000 + i}/cb" for i in range(11)]})
        assert many.status_code == 400 and "at most 10" in many.json()["error_description"]
        bad = await served.http.post(served.issuer + "/register", json={"redirect_uris": ["javascript:alert(1)"]})
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_redirect_uri"
        statuses = [(await served.client().register()).status_code for _ in range(6)]
        assert statuses[:2] == [201, 201] and statuses[-1] == 429
        flood = await served.client().register()
        assert flood.status_code == 429 and int(flood.headers["retry-after"]) > 0
    assert grant_store.grants_of() == []


async def test_registered_clients_are_bounded_oldest_unapproved_first(oauth_server, grant_store):
    async with oauth_server(max_clients=3) as served:
        ids = []
        for _ in range(5):
            client = await registered(served)
            ids.append(client.client_id)
    assert set(grant_store.load().clients) == set(ids[-3:])


async def test_a_client_metadata_url_at_a_private_address_is_refused(oauth_server, grant_store):
    async with oauth_server() as served:
        _, challenge = pkce()
        for client_id in ("https://127.0.0.1:9/client.json", "https://localhost/oauth/client.json",
                          "https://10.199.85.1/client.json", "https://[::1]/c.json", "https://169.254.169.254/latest"):
            params = {"response_type": "code", "client_id": client_id, "redirect_uri": "http://127.0.0.1:5/cb",
                      "code_challenge": challenge, "code_challenge_method": "S256"}
            response = await served.http.get(f"{served.issuer}/authorize?{urlencode(params)}")
            assert response.status_code == 400, client_id
            assert "private, loopback or reserved" in response.json()["error_description"], response.json()
    assert grant_store.grants_of() == []


async def test_a_confidential_client_must_present_its_secret_by_post_or_basic(oauth_server, mint, grant_store):
    _, token = mint("write")
    async with oauth_server() as served:
        client = await registered(served, redirect_uri="http://127.0.0.1:33418/callback")
        assert client.client_secret is None  # public clients get no secret
        confidential = served.client()
        assert (await confidential.register(token_endpoint_auth_method="client_secret_basic")).status_code == 201
        secret = confidential.client_secret
        assert secret
        verifier, challenge = pkce()
        code = query(await served.browser().authorize(confidential.authorize_url(challenge), token))["code"]
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                "redirect_uri": confidential.redirect_uri, "client_id": confidential.client_id}
        wrong = await served.http.post(served.issuer + "/token", data=form, auth=(confidential.client_id, "nope"))
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        missing = await served.http.post(served.issuer + "/token", data=form)
        assert missing.status_code == 401 and "secret is required" in missing.json()["error_description"]
        assert grant_store.grants_of() == []
        right = await served.http.post(served.issuer + "/token", data=form, auth=(confidential.client_id, secret))
        assert right.status_code == 200 and right.json()["access_token"].startswith("alecs_at_")


async def test_failing_token_requests_are_slowed_down_but_never_a_good_one(oauth_server, mint):
    _, token = mint("write")
    async with oauth_server(limiter=FailureLimiter(max_failures=3, window=60, block=60)) as served:
        client = await registered(served)
        verifier, challenge = pkce()
        code = query(await served.browser().authorize(client.authorize_url(challenge), token))["code"]
        statuses = [(await client.exchange("not-a-code", verifier)).status_code for _ in range(4)]
        assert statuses[:2] == [400, 400] and statuses[-1] == 429
        good = await client.exchange(code, verifier)  # the same (public) client id, a genuine code
        assert good.status_code == 200
