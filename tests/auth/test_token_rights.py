"""Token fields and their checks: every way of making a token goes through TokenStore.generate, which refuses
what would silently widen a token (empty lists, NaN or huge expiry, absurd caps) and keeps older stores working."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from alecs.auth.rights import InvalidTokenSetting, parse_rate
from alecs.auth.tokens import FORMAT, SCRYPT, Snapshot, TokenStore, TokenStoreError, derive_keys
from alecs.principal import Principal
from tests.support.mcp import connect, make_server
from tests.support.tokens import KNOWN_TOOLSETS

KEY = "rights-tests-master-key"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")}
    e.update(TOKEN_MASTER_KEY=KEY, ALECS_TOKEN_STORE=str(tmp_path / "tokens.json"),
             PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return e


def alecs_token(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "alecs", "token", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_generate_stores_the_limits_list_shows_them_and_rotate_keeps_them(env):
    made = alecs_token(env, "generate", "--scope", "write", "--max-sessions", "5", "--rate", "120/min",
                       "--networks", "staging", "--confirm", "require", "--toolsets", "dns,purge", "--json")
    assert made.returncode == 0, made.stderr
    token_id = json.loads(made.stdout)["id"]
    listed = alecs_token(env, "list")
    assert "sessions=5 rate=120/min networks=staging confirm=require" in listed.stdout and "dns,purge" in listed.stdout
    rotated = json.loads(alecs_token(env, "rotate", token_id, "--json").stdout)["id"]
    records = {r["id"]: r for r in json.loads(alecs_token(env, "list", "--json").stdout)}
    for rid in (token_id, rotated):
        assert (records[rid]["max_sessions"], records[rid]["rate_per_minute"], records[rid]["networks"],
                records[rid]["confirm"], records[rid]["toolsets"]) == (5, 120, ["staging"], "require", ["dns", "purge"])
    principal = TokenStore(env["ALECS_TOKEN_STORE"], KEY).load().records[rotated].principal()
    assert principal == Principal(rotated, "write", None, frozenset({"dns", "purge"}), 5, 120,
                                  frozenset({"staging"}), "require")


@pytest.mark.parametrize("args, says", [
    (["--customers", ""], "customers is empty"),
    (["--customers", " , "], "customers is empty"),
    (["--toolsets", ","], "toolsets is empty"),
    (["--expires-in-days", "nan"], "expires-in-days must be a number of days above 0"),
    (["--expires-in-days", "1e300"], "at most 3650"),
    (["--max-sessions", "0"], "max-sessions must be a whole number from 1 to 10000"),
    (["--rate", "0/min"], "rate must be between 1/min"),
    (["--toolsets", "dns,dsn"], "Unknown toolset dsn: use api, appsec, billing, certs"),
])
def test_generate_refuses_what_would_widen_or_break_a_token_and_writes_nothing(env, args, says):
    first = alecs_token(env, "generate", "--json")
    assert first.returncode == 0, first.stderr
    refused = alecs_token(env, "generate", *args)
    assert refused.returncode == 2 and says in refused.stderr and "Traceback" not in refused.stderr, refused.stderr
    assert "token:" not in refused.stdout and "alecs_" not in refused.stdout
    listed = alecs_token(env, "list", "--json")
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1  # nothing written, the store still lists


@pytest.mark.parametrize("settings", [
    {"customers": []}, {"customers": ["", "  "]}, {"customers": "  ,"}, {"customers": ["a]b"]},
    {"toolsets": []}, {"toolsets": ["tokens"]}, {"toolsets": ["nope"]},
    {"expires_in_days": float("nan")}, {"expires_in_days": float("inf")}, {"expires_in_days": 1e300},
    {"expires_in_days": 0}, {"expires_in_days": -1}, {"expires_in_days": 3651}, {"expires_in_days": True},
    {"max_sessions": 0}, {"max_sessions": -3}, {"max_sessions": 10_001}, {"max_sessions": True}, {"max_sessions": 2.5},
    {"rate_per_minute": 0}, {"rate_per_minute": "1000001/min"}, {"rate_per_minute": "fast"},
    {"rate_per_minute": "90/h"}, {"rate_per_minute": -5}, {"rate_per_minute": True},
    {"networks": []}, {"networks": ["prod"]}, {"confirm": "maybe"}, {"scope": "root"},
    {"description": "two\nlines"}, {"description": "x" * 201},
])
def test_the_store_refuses_each_bad_setting_before_writing(tmp_path, settings):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    with pytest.raises(InvalidTokenSetting):
        store.generate(**settings, known_toolsets=KNOWN_TOOLSETS)
    assert not store.path.exists()


def test_restricting_toolsets_needs_the_known_names_from_the_caller(tmp_path):
    """The store does not import the tools: `alecs token` and the MCP tools give it the registry's names."""
    store = TokenStore(tmp_path / "tokens.json", KEY)
    with pytest.raises(ValueError, match="known_toolsets"):
        store.generate(toolsets=["dns"])
    assert not store.path.exists()
    record, _ = store.generate(toolsets=["dns"], known_toolsets={"dns", "purge"})
    assert record.toolsets == ("dns",)


def test_rates_read_as_calls_a_minute_and_both_networks_mean_no_restriction(tmp_path):
    assert [parse_rate(v) for v in (120, "120", "120/min", "2/s", "600/h", " 30 / minute ")] == [120, 120, 120, 120,
                                                                                                 10, 30]
    store = TokenStore(tmp_path / "tokens.json", KEY)
    both, _ = store.generate(networks="staging,production")
    staging, _ = store.generate(networks=["Staging"])
    assert both.networks is None and staging.networks == ("staging",)


async def test_the_mcp_token_tool_gets_the_same_checks(fresh_sandbox, registry, tmp_path):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    server = make_server(fresh_sandbox, registry, services={"tokens": store})
    try:
        async with connect(server) as client:
            empty = await client.call_tool("generate-api-token", {"customers": []})
            unknown = await client.call_tool("generate-api-token", {"toolsets": ["dsn"]})
    finally:
        server.client.close()
    assert empty.is_error and "customers is empty" in empty.content[0].text
    assert unknown.is_error and "Unknown toolset dsn" in unknown.content[0].text
    assert store.records() == []


def write_old_store(path: Path, records: list[dict[str, object]]) -> None:
    """A store as versions before the per-token limits wrote it: records without the new fields."""
    salt = secrets.token_bytes(16)
    enc_key, _ = derive_keys(KEY, salt)
    nonce = secrets.token_bytes(12)
    aad = f"{FORMAT}:1:{base64.b64encode(salt).decode()}".encode()
    data = AESGCM(enc_key).encrypt(nonce, json.dumps({"tokens": records}).encode(), aad)
    path.write_text(json.dumps({"format": FORMAT, "version": 1, "kdf": {"name": "scrypt", **SCRYPT,
                                                                          "salt": base64.b64encode(salt).decode()},
                                "nonce": base64.b64encode(nonce).decode(), "data": base64.b64encode(data).decode()}))


def test_an_existing_store_loads_unchanged_and_its_tokens_keep_todays_rights(env, tmp_path):
    path = Path(env["ALECS_TOKEN_STORE"])
    now = time.time()
    old = {"id": "tok_00000000000000aa", "scope": "write", "created": now, "description": "laptop",
           "customers": ["acme"], "toolsets": None, "expires": None, "revoked": None, "last_used": None}
    nan = {**old, "id": "tok_00000000000000bb", "expires": float("nan"), "description": "nan bug"}
    huge = {**old, "id": "tok_00000000000000cc", "expires": now + 1e300 * 86400, "description": "1e300 bug"}
    write_old_store(path, [{**r, "digest": "0" * 64} for r in (old, nan, huge)])
    snapshot: Snapshot = TokenStore(path, KEY).load()
    record = snapshot.records[old["id"]]  # type: ignore[index]
    assert record.principal() == Principal("tok_00000000000000aa", "write", frozenset({"acme"}))
    assert record.state() == "active"
    assert snapshot.records[nan["id"]].state() == "expired"  # type: ignore[index]  # fail closed, not never
    listed = alecs_token(env, "list")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert "invalid" in listed.stdout and "after 9999" in listed.stdout
    assert json.loads(alecs_token(env, "list", "--json").stdout)[0]["max_sessions"] is None


def test_a_store_written_by_a_newer_alecs_is_refused_rather_than_read_without_its_restrictions(tmp_path):
    path = tmp_path / "tokens.json"
    write_old_store(path, [{"id": "tok_00000000000000aa", "digest": "0" * 64, "scope": "read", "created": 1.0,
                            "ip_allow": ["10.0.0.0/8"]}])
    with pytest.raises(TokenStoreError, match="fields this alecs does not know \\(ip_allow\\)"):
        TokenStore(path, KEY).load()


async def test_the_mcp_token_tool_stores_networks_confirmation_sessions_and_rate(fresh_sandbox, registry, tmp_path):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    server = make_server(fresh_sandbox, registry, services={"tokens": store})
    try:
        async with connect(server) as client:
            made = await client.call_tool("generate-api-token", {
                "scope": "write", "networks": ["staging"], "confirm": "require", "maxSessions": 3, "rate": "2/s"})
            per_minute = await client.call_tool("generate-api-token", {"rate": 90})
            bad_rate = await client.call_tool("generate-api-token", {"rate": "fast"})
            bad_sessions = await client.call_tool("generate-api-token", {"maxSessions": 0})
            bad_network = await client.call_tool("generate-api-token", {"networks": ["edge"]})
            bad_confirm = await client.call_tool("generate-api-token", {"confirm": "always"})
            listed = await client.call_tool("list-api-tokens", {})
    finally:
        server.client.close()
    assert not made.is_error, made.content[0].text
    out = made.structured_content
    assert (out["networks"], out["confirm"], out["maxSessions"], out["rate"]) == (["staging"], "require", 3, 120)
    assert per_minute.structured_content["rate"] == 90
    assert bad_rate.is_error and "not a rate" in bad_rate.content[0].text
    assert bad_sessions.is_error and "max-sessions must be a whole number from 1" in bad_sessions.content[0].text
    assert bad_network.is_error and bad_confirm.is_error  # refused by the schema, before the store
    [record, other] = sorted(store.records(), key=lambda r: r.rate_per_minute or 0)
    assert (other.networks, other.confirm, other.max_sessions, other.rate_per_minute) == (("staging",), "require", 3,
                                                                                          120)
    principal = other.principal()
    assert principal.networks == frozenset({"staging"}) and principal.confirm == "require"
    assert any(t["networks"] == ["staging"] for t in listed.structured_content["tokens"])
