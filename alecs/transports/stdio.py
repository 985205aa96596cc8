"""MCP over stdin/stdout for a local client such as Claude Desktop: the operator is the principal."""

from __future__ import annotations

from mcp.server.stdio import stdio_server

from alecs.principal import LOCAL
from alecs.transports import SessionRunner


async def serve_stdio(server: SessionRunner) -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, LOCAL)
