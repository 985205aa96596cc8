"""MCP over stdin/stdout for a local client such as Claude Desktop: the operator is the principal."""

from __future__ import annotations

from typing import Any, Protocol

from mcp.server.stdio import stdio_server

from alecs.principal import LOCAL, Principal


class SessionRunner(Protocol):
    async def run(self, read_stream: Any, write_stream: Any, principal: Principal) -> None: ...


async def serve_stdio(server: SessionRunner) -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, LOCAL)
