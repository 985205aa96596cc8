"""Claude Desktop's path: the SDK's stdio client launches `alecs serve --sandbox` and works a real job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp_types import ToolListChangedNotification

from tests.support.waiting import poll

CATALOGUE_TOOLS = {"list-toolsets", "enable-toolset", "disable-toolset", "search-tools"}
TOKEN_TOOLS = {"generate-api-token", "list-api-tokens", "revoke-api-token", "rotate-api-token"}


def _params(*extra: str, env: dict[str, str] | None = None) -> StdioServerParameters:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    base["ALECS_SANDBOX_ACTIVATION_SECONDS"] = "0.3"
    return StdioServerParameters(command=sys.executable, args=["-m", "alecs", "serve", "--sandbox", *extra],
                                 env=base | (env or {}))


async def test_create_activate_and_list_over_stdio() -> None:
    async with Client(_params(), mode="legacy") as client:
        assert client.protocol_version == "2025-11-25"
        assert client.server_info is not None and client.server_info.name == "alecs"
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"create-property", "activate-property", "list-property-activations", "purge-invalidate"} <= names
        created = await client.call_tool("create-property", {
            "contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001", "propertyName": "stdio.example.com",
            "productId": "prd_SPM"})
        assert not created.is_error, created.content
        property_id = created.structured_content["propertyId"]
        activation = await client.call_tool("activate-property", {
            "propertyId": property_id, "propertyVersion": 1, "network": "STAGING",
            "notifyEmails": ["noc@example.com"], "wait": True, "timeoutSeconds": 60})
        assert not activation.is_error and activation.structured_content["status"] == "ACTIVE"
        listed = await client.call_tool("list-property-activations", {"propertyId": property_id})
        items = listed.structured_content["items"]
        assert [(a["network"], a["status"], a["propertyVersion"]) for a in items] == [("STAGING", "ACTIVE", 1)]


async def test_discovery_flow_of_2026_07_28_is_served() -> None:
    async with Client(_params(), mode="auto") as client:
        assert client.protocol_version == "2026-07-28"
        result = await client.call_tool("list-groups", {})
        assert not result.is_error and "grp_10001" in result.content[0].text


async def test_read_only_flag_hides_and_refuses_write_tools() -> None:
    async with Client(_params("--read-only"), mode="legacy") as client:
        tools = (await client.list_tools()).tools
        assert tools and all(t.annotations.read_only_hint for t in tools)
        refused = await client.call_tool("purge-delete", {"by": "url", "objects": ["https://www.example.com/"]})
        assert refused.is_error and "not available" in refused.content[0].text


def test_stdout_carries_only_protocol_and_the_server_exits_when_stdin_closes() -> None:
    params = _params()
    init = ('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
            '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n')
    proc = subprocess.run([params.command, *params.args], input=init.encode(), env=params.env,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1 and '"protocolVersion":"2025-11-25"' in lines[0]
    assert b"sandbox account" in proc.stderr


def test_missing_edgerc_is_a_clear_tool_error_not_a_crash(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "PYTHONPATH")} | {"HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "alecs", "serve"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None

    def exchange(*lines: str) -> dict:
        for line in lines:
            proc.stdin.write(line.encode() + b"\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        return json.loads(proc.stdout.readline())  # type: ignore[union-attr]

    try:
        exchange('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
                 '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}')
        call = '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list-groups","arguments":{}}}'
        first = exchange('{"jsonrpc":"2.0","method":"notifications/initialized"}', call % 2)
        second = exchange(call % 3)  # the server keeps serving after the error
        for answer, ident in ((first, 2), (second, 3)):
            assert answer["id"] == ident and answer["result"]["isError"] is True
            assert answer["result"]["content"][0]["text"].startswith(f"No .edgerc file at {tmp_path}/.edgerc")
        proc.stdin.close()
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert b"Traceback" not in proc.stderr.read()  # type: ignore[union-attr]


@pytest.mark.parametrize("flag", ["--toolsets", "--tools"])
def test_unknown_selection_names_fail_fast_with_a_sentence(flag: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "alecs", "serve", "--sandbox", flag, "nonsense"],
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and b"Unknown tool" in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("toolsets", [None, "dns,gtm", "all"])
async def test_dynamic_toolsets_list_only_the_catalogue_and_token_tools_with_a_token_store(
        tmp_path: Path, toolsets: str | None) -> None:
    env = {"TOKEN_MASTER_KEY": "stdio-dynamic-master-key", "ALECS_TOKEN_STORE": str(tmp_path / "tokens.json")}
    if toolsets:
        env["ALECS_TOOLSETS"] = toolsets
    changes: list[Any] = []

    async def on_message(message: Any) -> None:
        if isinstance(getattr(message, "root", message), ToolListChangedNotification):
            changes.append(message)

    async with Client(_params("--dynamic-toolsets", env=env), mode="legacy", message_handler=on_message) as client:
        assert client.server_capabilities.tools is not None and client.server_capabilities.tools.list_changed
        start = {t.name for t in (await client.list_tools()).tools}
        assert start == CATALOGUE_TOOLS | TOKEN_TOOLS  # the local operator is an admin and the store exists

        offered = (await client.call_tool("list-toolsets", {})).structured_content["items"]
        names = [row["toolset"] for row in offered]
        assert "tokens" not in names and "catalog" not in names
        if toolsets == "dns,gtm":
            assert names == ["dns", "gtm"]  # the selection bounds what the assistant may enable

        enabled = await client.call_tool("enable-toolset", {"toolset": "gtm"})
        assert not enabled.is_error, enabled.content[0].text
        await poll(lambda: changes, what="notifications/tools/list_changed")
        after = {t.name for t in (await client.list_tools()).tools}
        assert "list-gtm-domains" in after and start < after
        domains = await client.call_tool("list-gtm-domains", {})
        assert not domains.is_error, domains.content[0].text
        tokens = await client.call_tool("list-api-tokens", {})
        assert not tokens.is_error and tokens.structured_content == {"tokens": []}
