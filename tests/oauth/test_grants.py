"""A grant is bound to the alecs token that approved it: exactly its rights, and it ends with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.oauth.browser import Page, pkce
from tests.oauth.conftest import MASTER_KEY
from tests.support.waiting import poll

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def mcp_client(url: str, access_token: str) -> tuple[httpx2.AsyncClient, Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {access_token}"}, timeout=30)
    return http, Client(streamable_http_client(url, http_client=http), mode="legacy")


async def status_of(served, access_token: str) -> int:
    response = await served.http.post(served.url, json=INIT, headers={**ACCEPT,
                                                                     "Authorization": f"Bearer {access_token}"})
    return response.status_code


def alecs_token(store, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")}
    env.update(TOKEN_MASTER_KEY=MASTER_KEY, ALECS_TOKEN_STORE=str(store.path),
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-m", "alecs", "token", *args], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out


async def test_a_revoked_alecs_tokens_oauth_sessions_close_within_5_s_and_its_refresh_tokens_die(
        oauth_server, mint, store):
    token_id, token = mint("write")
    async with oauth_server() as served:
        oauth, tokens = await served.authorize(token)
        grant = next(iter(served.remote.tokens.grants.snapshot.grants))  # type: ignore[union-attr]
        http, client = mcp_client(served.url, tokens["access_token"])
        async with http, client:
            assert (await client.call_tool("list-contracts", {})).is_error is False
            await poll(lambda: grant in served.remote.transport.token_ids(), 10, "the session's listen stream")
            revoked_at = time.monotonic()
            store.revoke(token_id)  # as `alecs token revoke` does, from another process's point of view
            await poll(lambda: grant not in served.remote.transport.token_ids(), 5, "the OAuth session to close")
            assert await status_of(served, tokens["access_token"]) == 401
            closed_in = time.monotonic() - revoked_at
        assert closed_in < 5
        refresh = await oauth.refresh(tokens["refresh_token"])
        assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
        assert "revoked" in refresh.json()["error_description"]


async def test_revoke_grant_ends_one_grant_and_token_list_shows_each_tokens_grants(oauth_server, mint, store):
    token_id, token = mint("write", description="alice")
    async with oauth_server() as served:
        _, first = await served.authorize(token)
        _, second = await served.authorize(token)
        listed = alecs_token(store, "list").stdout
        assert "OAuth grants" in listed and listed.count("Test Client") == 2 and token not in listed
        assert first["access_token"] not in listed and first["refresh_token"] not in listed
        grants = json.loads(alecs_token(store, "list", "--json").stdout)[0]["grants"]
        assert len(grants) == 2 and {g["state"] for g in grants} == {"active"}
        assert all(g["last_used"] and g["client"] == "Test Client" and g["scope"] == "write" for g in grants)
        http, client = mcp_client(served.url, first["access_token"])
        async with http, client:
            await client.list_tools()
            out = alecs_token(store, "revoke-grant", grants[0]["id"]).stdout
            assert grants[0]["id"] in out
            await poll(lambda: grants[0]["id"] not in served.remote.transport.token_ids(), 5, "the grant's session")
        statuses = {await status_of(served, first["access_token"]), await status_of(served, second["access_token"])}
        assert statuses == {200, 401}  # one grant ended; the other and the token itself go on
        states = {g["id"]: g["state"] for g in json.loads(alecs_token(store, "list", "--json").stdout)[0]["grants"]}
        assert states[grants[0]["id"]] == "revoked" and states[grants[1]["id"]] == "active"
        alecs_token(store, "rotate", token_id)  # rotating the token ends every grant it approved

        async def all_refused() -> bool:
            try:
                return await status_of(served, second["access_token"]) == 401
            except httpx2.RemoteProtocolError:  # admitted just before the reload, then cut off by it
                return False
        await poll(all_refused, 5, "the rotated token's grants to end")
        states = {g["state"] for g in json.loads(alecs_token(store, "list", "--json").stdout)[0]["grants"]}
        assert states == {"ended (token revoked)"}


async def test_an_oauth_session_has_exactly_its_tokens_rights(oauth_server, mint):
    _, token = mint("write", customers=["acme"], toolsets=["dns"], max_sessions=3, networks="staging")
    async with oauth_server() as served:
        _, tokens = await served.authorize(token, scope="read")
        http, client = mcp_client(served.url, tokens["access_token"])
        async with http, client:
            names = {t.name for t in (await client.list_tools()).tools}
            section = await client.call_tool("list-zones", {"customer": "default"})
        assert tokens["scope"] == "read"
        assert names and all("zone" in n or "record" in n or "dns" in n or n.startswith("list-") or
                             n.startswith("get-") or n.startswith("search-") for n in names)
        assert "purge-invalidate" not in names and "create-zone" not in names and "list-contracts" not in names
        assert section.is_error and "may not use customer" in section.content[0].text
        principal = next(iter(served.remote.tokens.grants.snapshot.grants.values()))  # type: ignore[union-attr]
        record = served.remote.tokens.verify(tokens["access_token"])
        assert record is not None and principal.id == record.principal().grant
        seen = record.principal()
        assert (seen.scope, seen.customers, seen.toolsets, seen.max_sessions, seen.networks) == (
            "read", frozenset({"acme"}), frozenset({"dns"}), 3, frozenset({"staging"}))
        assert seen.token_id == principal.token_id  # sessions and calls count against the token's own caps


async def test_a_one_time_sign_in_code_stands_for_its_token_once(oauth_server, store):
    made = json.loads(alecs_token(store, "generate", "--scope", "read", "--sign-in-code", "--json").stdout.split(
        "\n")[1])
    code = made["sign_in_code"]
    assert len(code) == 11 and code[5] == "-"
    async with oauth_server() as served:
        oauth, tokens = await served.authorize(code.lower().replace("-", " "))
        assert tokens["scope"] == "read"
        assert await status_of(served, tokens["access_token"]) == 200
        _, challenge = pkce()
        page = await served.browser().open(oauth.authorize_url(challenge))
        assert isinstance(page, Page)
        again = await served.browser().submit(page, "continue", credential=code)
        assert isinstance(again, Page)
        assert again.status in (401, 403)
    listed = json.loads(alecs_token(store, "list", "--json").stdout)
    assert listed[0]["id"] == made["id"] and listed[0]["grants"][0]["scope"] == "read"


async def test_the_sdk_token_verifier_sees_an_oauth_token_as_its_grant_on_its_resource(oauth_server, mint):
    from alecs.auth.verifier import principal_of, token_verifier  # noqa: PLC0415

    token_id, token = mint("admin", toolsets=["dns"])
    async with oauth_server() as served:
        _, tokens = await served.authorize(token, scope="write")
        access = await token_verifier(served.remote.tokens).verify_token(tokens["access_token"])
        principal = principal_of(access)
        assert access is not None and principal is not None and access.resource == served.url
        assert (principal.token_id, principal.scope, principal.toolsets) == (token_id, "write", frozenset({"dns"}))
        assert principal.grant and principal.grant.startswith("grt_") and access.scopes == ["read", "write"]
        assert tokens["access_token"] not in repr(access)


async def test_grants_that_ended_long_ago_are_forgotten_at_start(oauth_server, mint, store, grant_store):
    from dataclasses import replace as changed  # noqa: PLC0415

    _, token = mint("write")
    async with oauth_server() as served:
        await served.authorize(token)
        await served.authorize(token)
    old, recent = grant_store.grants_of()

    def age(snap) -> None:
        snap.grants[old.id] = changed(old, revoked=time.time() - 31 * 86400, revoked_reason="test")
        snap.grants[recent.id] = changed(recent, revoked=time.time() - 86400, revoked_reason="test")
    grant_store.update(age)
    async with oauth_server():
        pass
    assert [g.id for g in grant_store.grants_of()] == [recent.id]
