"""Dynamic mode that stays small (issue 17): enable-toolset with `tools` adds only the tools a job needs (found
with search-tools), so five toolsets' worth of jobs stays within the default list's byte budget, where enabling
the five whole toolsets would not."""

from __future__ import annotations

import json

from alecs.sandbox.server import Sandbox
from alecs.tool_listing import list_bytes
from alecs.tools.registry import Registry
from tests.support.mcp import connect, make_server
from tests.tools.test_catalog import DEFAULT_LIST_BUDGET
from tests.tools.workflow import error_text, ok

REGISTRY = Registry.load()
PICKED = {"appsec": ["list-appsec-configs", "activate-appsec-config"],
          "netlists": ["append-network-list-elements", "activate-network-list"],
          "reporting": ["run-report", "get-server-time"],
          "edgeworkers": ["list-edgeworkers", "list-edgeworker-activations"],
          "gtm": ["list-gtm-properties"]}


async def test_enabling_single_tools_of_a_toolset_lists_only_those(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False), dynamic=True)
    try:
        async with connect(server) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            done = await client.call_tool("enable-toolset", {"toolset": "netlists",
                                                             "tools": ["append-network-list-elements"]})
            assert not done.is_error and done.content[0].text == (  # type: ignore[union-attr]
                "Enabled netlists: 1 tools (append-network-list-elements).")
            after = {t.name for t in (await client.list_tools()).tools}
            assert after - before == {"append-network-list-elements"}
            found = await client.call_tool("search-tools", {"query": "block an IP range"})
            assert "- append-network-list-elements [netlists]:" in found.content[0].text  # type: ignore[union-attr]
            await ok(client, "append-network-list-elements", {"networkListId": "1024_BLOCKEDIPS",
                                                              "list": ["203.0.113.0/24"]})
            assert "not available" in await error_text(client, "delete-network-list",
                                                       {"networkListId": "1024_BLOCKEDIPS"})
            text = await error_text(client, "enable-toolset", {"toolset": "netlists", "tools": ["run-report"]})
            assert text.startswith("Not tools of netlists: run-report. Its tools: list-network-lists")
            await ok(client, "disable-toolset", {"toolset": "netlists"})
            assert {t.name for t in (await client.list_tools()).tools} == before
    finally:
        server.client.close()


async def test_five_toolsets_of_picked_tools_stay_within_the_default_budget(fresh_sandbox: Sandbox) -> None:
    whole = [s for s in REGISTRY if s.toolset.name in PICKED]
    assert list_bytes(whole) > DEFAULT_LIST_BUDGET  # the five whole toolsets would not fit
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False), dynamic=True)
    try:
        async with connect(server) as client:
            for toolset, tools in PICKED.items():
                await ok(client, "enable-toolset", {"toolset": toolset, "tools": tools})
            listed = (await client.list_tools()).tools
    finally:
        server.client.close()
    assert {t.name for t in listed} >= {t for tools in PICKED.values() for t in tools}
    size = len(json.dumps({"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed]}))
    assert size <= DEFAULT_LIST_BUDGET, size
