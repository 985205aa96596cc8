"""The server's instructions teach Akamai's workflow once: versions, activation, accounts, paging, what the text
of a result is, the clock, and, when it is on, dynamic mode; a tool is named only when the server offers it."""

from __future__ import annotations

from alecs.instructions import instructions
from alecs.sandbox.server import Sandbox
from alecs.tools.registry import Registry
from tests.support.mcp import connect, make_server

REGISTRY = Registry.load()


async def _initialize(sandbox: Sandbox, toolsets: str | None, dynamic: bool) -> str:
    server = make_server(sandbox, REGISTRY, REGISTRY.selection_from(toolsets, None, False), dynamic=dynamic)
    try:
        async with connect(server) as client:
            return client.instructions or ""
    finally:
        server.client.close()


async def test_the_default_instructions_teach_the_workflow_and_name_only_offered_tools(
        fresh_sandbox: Sandbox) -> None:
    text = await _initialize(fresh_sandbox, None, False)
    assert "a version that was ever activated is locked" in text and "create-property-version" in text
    assert "activate it on STAGING, check it, then on PRODUCTION (activate-property)" in text
    assert "wait=true" in text and "'customer'" in text and "nextCursor" in text and "limit" in text
    assert "the text is a compact rendering of the data" in text and "full=true" in text
    assert "get-server-time" in text
    # Workflow tools outside the default selection, and dynamic mode, are not mentioned.
    assert "rollback-property" not in text and "patch-property-rules" not in text
    assert "Dynamic toolsets" not in text and "enable-toolset" not in text


async def test_dynamic_mode_is_described_when_it_is_on(fresh_sandbox: Sandbox) -> None:
    text = await _initialize(fresh_sandbox, None, True)
    assert "Dynamic toolsets: few tools are listed at first" in text
    assert "search-tools" in text and "enable-toolset" in text and "list-toolsets" in text
    # Whatever a session may enable can be named: the workflow tools too.
    assert "rollback-property" in text and "patch-property-rules" in text


def test_a_server_without_property_tools_names_none_of_them() -> None:
    text = instructions({"list-zones", "create-record-set"}, False)
    versions = text.splitlines()[2]
    assert "activate-property" not in text and "get-server-time" not in text and "(" not in versions
