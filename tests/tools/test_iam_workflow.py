"""Identity and access through the SDK client against the simulator: read users, roles, groups, API clients;
credential writes are flagged destructive."""

from __future__ import annotations

from typing import Any

from mcp import Client

from alecs.server import AlecsServer
from tests.support.mcp import connect


async def call(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content[0].text
    return result.structured_content or {}


async def test_list_users_then_get_one_with_roles_per_group(server: AlecsServer) -> None:
    async with connect(server) as client:
        users = await call(client, "list-users", {})
        by_login = {u["uiUserName"]: u for u in users["items"]}
        assert set(by_login) == {"jsmith", "mrossi"}
        assert "authGrants" not in by_login["jsmith"]

        user = await call(client, "get-user", {"uiIdentityId": by_login["mrossi"]["uiIdentityId"]})
        assert user["email"] == "mrossi@example.com"
        assert [(g["groupId"], g["roleName"]) for g in user["authGrants"]] == [(10002, "Reporting")]

        groups = await call(client, "list-iam-groups", {})
        assert [(g["groupId"], g["parentGroupId"], g["depth"]) for g in groups["items"]] == [
            (10001, None, 0), (10002, 10001, 1)]
        role = await call(client, "get-role", {"roleId": 16, "users": True})
        assert role["roleName"] == "Reporting" and [u["uiIdentityId"] for u in role["users"]] == ["A-B-2SANDBX"]


async def test_credential_writes_are_destructive_and_the_secret_is_returned_once(server: AlecsServer) -> None:
    async with connect(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in ("create-api-credential", "deactivate-api-credential", "set-user-roles"):
            assert tools[name].annotations.destructive_hint is True, name
            assert tools[name].annotations.read_only_hint is False, name
        for name in ("list-users", "get-user", "list-api-clients", "list-api-credentials"):
            assert tools[name].annotations.read_only_hint is True, name

        clients = await call(client, "list-api-clients", {})
        client_id = clients["items"][0]["clientId"]
        assert clients["items"][0]["activeCredentialCount"] == 1

        created = await call(client, "create-api-credential", {"clientId": client_id})
        assert created["status"] == "ACTIVE" and len(created["clientSecret"]) >= 32
        listed = await call(client, "list-api-credentials", {"clientId": client_id})
        assert created["credentialId"] in {c["credentialId"] for c in listed["items"]}
        assert all("clientSecret" not in c for c in listed["items"])

        third = await client.call_tool("create-api-credential", {"clientId": client_id})
        assert third.is_error and "400" in third.content[0].text and "Credential limit" in third.content[0].text

        await call(client, "deactivate-api-credential", {"clientId": client_id,
                                                         "credentialId": created["credentialId"]})
        detail = await call(client, "get-api-client", {"clientId": "self"})
        statuses = {c["credentialId"]: c["status"] for c in detail["credentials"]}
        assert statuses[created["credentialId"]] == "INACTIVE"
        assert detail["activeCredentialCount"] == 1


async def test_unknown_user_and_unknown_role_get_akamais_errors(server: AlecsServer) -> None:
    async with connect(server) as client:
        missing = await client.call_tool("get-user", {"uiIdentityId": "A-B-NOPE"})
        assert missing.is_error and "404" in missing.content[0].text
        bad = await client.call_tool("set-user-roles", {"uiIdentityId": "A-B-1SANDBX",
                                                        "authGrants": [{"groupId": 10001, "roleId": 999}]})
        assert bad.is_error and "Invalid role" in bad.content[0].text
