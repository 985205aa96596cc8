"""Helpers the per-toolset workflow tests share: call a tool expecting success or an error, check requests."""

from __future__ import annotations

from typing import Any

from mcp import Client

from alecs.sandbox.server import Sandbox
from tests import openapi_defs


async def ok(client: Client, name: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """The structured result of a call that must succeed."""
    result = await client.call_tool(name, args, **kw)
    assert not result.is_error, result.content[0].text
    return result.structured_content or {}


async def error_text(client: Client, name: str, args: dict[str, Any]) -> str:
    """The text of a call that must fail as a tool error."""
    result = await client.call_tool(name, args)
    assert result.is_error, f"{name} unexpectedly succeeded"
    return result.content[0].text


def assert_requests_match(sandbox: Sandbox, api: str, prefix: str | None = None) -> None:
    """Every request of a workflow (handlers' extra reads included) validates against Akamai's definitions."""
    if not openapi_defs.available():
        return
    sent = [r for r in sandbox.requests if r.path.startswith(prefix or f"/{api}")]
    assert sent
    for req in sent:
        openapi_defs.validate_request(api, req.method, req.path, req.query, req.headers, req.body)
