"""The MCP server through the SDK's own client: bad input is refused clearly and the server keeps serving."""

from __future__ import annotations

from mcp_types import CallToolResult

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.support.waiting import poll


def _text(result: CallToolResult) -> str:
    return result.content[0].text  # type: ignore[union-attr]


async def _still_serving(client: object) -> None:
    result = await client.call_tool("list-contracts", {})  # type: ignore[attr-defined]
    assert not result.is_error and "ctr_C-0SANDBOX" in _text(result)


async def test_wrong_type_is_refused_naming_the_field(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("get-property-version", {"propertyId": "prp_100001", "propertyVersion": "x"})
        assert result.is_error and "propertyVersion" in _text(result)
        await _still_serving(client)


async def test_unknown_field_is_refused(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("list-contracts", {"contractid": "ctr_1"})
        assert result.is_error and "contractid: unknown field" in _text(result)
        await _still_serving(client)


async def test_missing_required_field_is_refused_before_any_request(server: AlecsServer, sandbox: Sandbox) -> None:
    async with connect(server) as client:
        before = len(sandbox.requests)
        result = await client.call_tool("list-properties", {"contractId": "ctr_C-0SANDBOX"})
        assert result.is_error and "groupId: Field required" in _text(result)
        assert len(sandbox.requests) == before
        await _still_serving(client)


async def test_path_values_cannot_escape_their_segment(server: AlecsServer, sandbox: Sandbox) -> None:
    async with connect(server) as client:
        result = await client.call_tool("get-property", {"propertyId": ".."})
        assert result.is_error and "propertyId" in _text(result)
        slashed = await client.call_tool("get-property", {"propertyId": "../contracts"})
        assert slashed.is_error and slashed.structured_content["error"]["status"] == 404
        assert sandbox.requests[-1].path == "/papi/v1/properties/..%2Fcontracts"


async def test_unknown_customer_is_one_clear_sentence(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("list-contracts", {"customer": "acme"})
        assert result.is_error
        assert _text(result) == "Section [acme] does not exist in the sandbox account (sections: default)."
        await _still_serving(client)


async def test_akamai_error_reaches_the_assistant_with_title_detail_and_instance(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("get-property", {"propertyId": "prp_424242"})
        assert result.is_error
        error = result.structured_content["error"]
        assert error["status"] == 404 and error["title"] == "Property not found"
        assert "prp_424242" in error["detail"] and error["instance"]
        assert "Property not found" in _text(result)


async def test_unknown_tool_is_refused(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("make-coffee", {})
        assert result.is_error and "does not exist" in _text(result)
        await _still_serving(client)


async def test_lists_are_paginated_with_a_cursor(server: AlecsServer) -> None:
    async with connect(server) as client:
        for i in range(3):
            await client.call_tool("create-property", {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001",
                                                       "propertyName": f"p{i}.example.com", "productId": "prd_SPM"})
        args = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001", "limit": 2}
        first = (await client.call_tool("list-properties", args)).structured_content
        assert len(first["items"]) == 2 and first["total"] == 4 and first["nextCursor"] == "2"
        second = (await client.call_tool("list-properties", args | {"cursor": "2"})).structured_content
        assert len(second["items"]) == 2 and "nextCursor" not in second
        names = {p["propertyName"] for p in first["items"] + second["items"]}
        assert names == {"www.example.com", "p0.example.com", "p1.example.com", "p2.example.com"}


async def test_every_tool_has_explicit_annotations(server: AlecsServer) -> None:
    async with connect(server) as client:
        tools = (await client.list_tools()).tools
        assert len(tools) == len(server.registry.selected(server.options.selection))
        for tool in tools:
            ann = tool.annotations
            assert ann is not None
            assert ann.read_only_hint is not None and ann.destructive_hint is not None
            assert ann.idempotent_hint is not None


async def test_activation_wait_reports_progress_and_final_state(server: AlecsServer) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async with connect(server) as client:
        # version 1 is active already (activating it again is PAPI's 422): activate a new version 2
        assert not (await client.call_tool("create-property-version", {"propertyId": "prp_100001",
                                                                       "createFromVersion": 1})).is_error
        result = await client.call_tool("activate-property", {
            "propertyId": "prp_100001", "propertyVersion": 2, "network": "STAGING",
            "notifyEmails": ["noc@example.com"], "wait": True, "timeoutSeconds": 30}, progress_callback=progress)
        assert not result.is_error, _text(result)
        assert result.structured_content["status"] == "ACTIVE" and result.structured_content["finished"]
        # The client runs progress callbacks as tasks of their own: the last may land just after the answer.
        await poll(lambda: seen and seen[-1][0] == seen[-1][1], what="the final progress notification")
