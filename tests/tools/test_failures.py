"""Whatever goes wrong inside a tool reaches the assistant as a clean tool error and leaves an audit line."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from alecs.sandbox.server import Sandbox
from alecs.tools.declare import Toolset, custom_tool
from alecs.tools.registry import Registry
from tests.support.mcp import connect, make_server

SECRET = "s3cr3t-client-secret-in-an-exception"
BROKEN = Toolset("broken", "Tools that fail on purpose (tests only)")


async def _explode(call: Any, args: dict[str, Any]) -> Any:
    raise RuntimeError(f"unexpected failure carrying {SECRET}")


async def _bad_result(call: Any, args: dict[str, Any]) -> Any:
    return {(1, 2): "a key JSON cannot hold"}  # a handler bug that only shows while the result is rendered


EXPLODING = [
    custom_tool(BROKEN, "explode", title="Explode", doc="Raises an unexpected exception.", handler=_explode,
                calls_akamai=False, read_only=True),
    custom_tool(BROKEN, "return-garbage", title="Return garbage", doc="Returns what cannot be shaped.",
                handler=_bad_result, calls_akamai=False, read_only=True),
]


def _audit_lines(caplog: pytest.LogCaptureFixture, tool: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "alecs.audit" and f"tool={tool} " in r.getMessage()]


@pytest.mark.parametrize("etag", ["abc\r\nX-Injected: 1", "abc\ndef", "abc\rdef", "abc\x00", "abc\x7f"])
async def test_a_control_character_in_a_header_argument_is_refused_naming_the_field(
        server: Any, sandbox: Sandbox, caplog: pytest.LogCaptureFixture, etag: str) -> None:
    caplog.set_level(logging.INFO, logger="alecs.audit")
    async with connect(server) as client:
        sandbox.server.request_log.clear()
        result = await client.call_tool("update-property-rules", {
            "propertyId": "prp_100001", "propertyVersion": 1, "etag": etag, "rules": {"rules": {"name": "default"}}})
        assert result.is_error
        text = result.content[0].text
        assert text.startswith("Invalid arguments: etag:") and "control character" in text
        assert sandbox.requests == []
        listed = await client.call_tool("list-contracts", {})
        assert not listed.is_error
    assert [line for line in _audit_lines(caplog, "update-property-rules") if "outcome=error" in line]


async def test_an_exception_escaping_a_handler_is_a_clean_tool_error_logged_once_and_audited(
        fresh_sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    registry = Registry([*Registry.load(), *EXPLODING])
    server = make_server(fresh_sandbox, registry, registry.selection_from("broken,purge", None, False))
    try:
        async with connect(server) as client:
            result = await client.call_tool("explode", {})
            assert result.is_error
            text = result.content[0].text
            assert text.startswith("Internal error in explode") and "incident" in text
            assert SECRET not in text and "Traceback" not in text and "RuntimeError" not in text
            assert SECRET not in str(result.structured_content)
            again = await client.call_tool("purge-invalidate", {"by": "url", "objects": ["https://a.example/"]})
            assert not again.is_error, again.content[0].text
    finally:
        server.client.close()
    tracebacks = [r for r in caplog.records if r.exc_info and "explode" in r.getMessage()]
    assert len(tracebacks) == 1 and SECRET in str(tracebacks[0].exc_info[1])  # type: ignore[index]
    incident = result.structured_content["error"]["incident"]
    assert incident in tracebacks[0].getMessage()
    assert [line for line in _audit_lines(caplog, "explode") if "outcome=error" in line]


async def test_a_result_that_cannot_be_shaped_is_an_internal_error_not_a_protocol_error(
        fresh_sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    registry = Registry([*Registry.load(), *EXPLODING])
    server = make_server(fresh_sandbox, registry, registry.selection_from("broken", None, False))
    try:
        async with connect(server) as client:
            result = await client.call_tool("return-garbage", {})
            assert result.is_error and result.content[0].text.startswith("Internal error in return-garbage")
    finally:
        server.client.close()
    assert [line for line in _audit_lines(caplog, "return-garbage") if "outcome=error" in line]
