"""`alecs token ...` and the token tools (generate-api-token and friends)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from alecs.auth.tokens import TokenStore
from alecs.principal import Principal
from tests.support.mcp import connect, make_server

KEY = "commands-tests-master-key"


@pytest.fixture
def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")}
    e.update(TOKEN_MASTER_KEY=KEY, ALECS_TOKEN_STORE=str(tmp_path / "tokens.json"),
             PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return e


def alecs(env, *args, check=True):
    out = subprocess.run([sys.executable, "-m", "alecs", "token", *args], env=env, capture_output=True, text=True,
                         timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def test_generate_json_prints_exactly_id_and_token_and_list_revoke_rotate_work(env):
    gen = alecs(env, "generate", "--scope", "write", "--description", "laptop", "--customers", "a,b",
                "--expires-in-days", "30", "--json")
    data = json.loads(gen.stdout)
    assert set(data) == {"id", "token"} and data["id"].startswith("tok_") and data["token"].startswith("alecs_")
    assert "will not be shown again" in gen.stderr
    human = alecs(env, "generate")
    assert "will not be shown again" in human.stderr and "token:" in human.stdout
    listed = alecs(env, "list").stdout
    assert data["id"] in listed and "laptop" in listed and "a,b" in listed and "active" in listed
    assert data["token"] not in listed
    rotated = json.loads(alecs(env, "rotate", data["id"], "--json").stdout)
    assert set(rotated) == {"id", "token"}
    alecs(env, "revoke", rotated["id"])
    states = {t["id"]: t["state"] for t in json.loads(alecs(env, "list", "--json").stdout)}
    assert states[data["id"]] == "revoked" and states[rotated["id"]] == "revoked"


def test_token_commands_without_a_master_key_or_for_an_unknown_id_fail_with_one_sentence(env):
    missing = alecs({**env, "TOKEN_MASTER_KEY": ""}, "list", check=False)
    assert missing.returncode == 2 and "TOKEN_MASTER_KEY is not set" in missing.stderr
    unknown = alecs(env, "revoke", "tok_0000000000000000", check=False)
    assert unknown.returncode == 2 and "No token with id" in unknown.stderr and "Traceback" not in unknown.stderr


async def test_token_tools_generate_list_rotate_and_revoke_for_the_local_operator(fresh_sandbox, registry, tmp_path):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    server = make_server(fresh_sandbox, registry, services={"tokens": store})
    try:
        async with connect(server) as client:
            made = await client.call_tool("generate-api-token", {"description": "bot", "scope": "read",
                                                                 "expiresInDays": 7, "customers": ["default"]})
            assert not made.is_error
            new = made.structured_content
            assert new["token"].startswith("alecs_") and "not be shown again" in new["warning"]
            listed = (await client.call_tool("list-api-tokens", {})).structured_content["tokens"]
            assert [t["id"] for t in listed] == [new["id"]] and "token" not in listed[0]
            rotated = (await client.call_tool("rotate-api-token", {"tokenId": new["id"]})).structured_content
            assert rotated["replaced"] == new["id"] and rotated["replacedState"] == "revoked"
            revoked = await client.call_tool("revoke-api-token", {"tokenId": rotated["id"]})
            assert revoked.structured_content["state"] == "revoked"
    finally:
        server.client.close()


async def test_token_tools_without_a_store_return_one_clear_sentence(server):
    async with connect(server) as client:
        result = await client.call_tool("list-api-tokens", {})
    assert result.is_error and result.content[0].text.startswith("No token store is configured")


def test_token_tools_are_hidden_from_non_admin_principals(server):
    specs = [s for s in server.registry if s.toolset.name == "tokens"]
    assert {s.name for s in specs} == {"generate-api-token", "list-api-tokens", "revoke-api-token",
                                       "rotate-api-token"}
    assert all(s.local and s.handler for s in specs)
    for scope in ("read", "write"):
        assert not any(server.allowed(Principal("tok_x", scope), s) for s in specs)
    assert all(server.allowed(Principal("tok_x", "admin"), s) for s in specs)
