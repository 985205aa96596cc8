"""MCP over stdin/stdout for a local client such as Claude Desktop: the operator is the principal."""

from __future__ import annotations

from typing import Any

from mcp.server.stdio import stdio_server

from alecs.principal import LOCAL
from alecs.transports import SessionRunner


async def serve_stdio(server: SessionRunner, stdin: Any = None, stdout: Any = None) -> None:
    """Serve one session on the process's stdin and stdout, or on `stdin` (async iteration over text lines) and
    `stdout` (async `write` of text lines and `flush`) when given: the SDK's stdio transport parses and writes."""
    async with stdio_server(stdin, stdout) as (read_stream, write_stream):
        await server.run(read_stream, write_stream, LOCAL)
