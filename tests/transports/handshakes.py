"""Raw opening requests to a remote alecs (WebSocket upgrade or Streamable HTTP initialize), from a chosen address.

Used in process and, as `python -m tests.transports.handshakes`, inside a test network namespace. Each attempt
is one TCP connection that sends one request and reads the status line: 101/200 admitted, 401 refused, 429 blocked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
from urllib.parse import urlsplit

INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                   "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                              "clientInfo": {"name": "handshakes", "version": "1"}}})


def request(url: str, transport: str, authorization: str | None, headers: dict[str, str] | None = None,
            hosts: list[str] | None = None) -> bytes:
    """The bytes of one opening request (`hosts`: the Host header lines, default the URL's host and port)."""
    parts = urlsplit(url)
    lines = [f"{'GET' if transport == 'websocket' else 'POST'} {parts.path} HTTP/1.1"]
    lines += [f"Host: {host}" for host in (parts.netloc,) if hosts is None] + [f"Host: {h}" for h in hosts or ()]
    if transport == "websocket":
        lines += ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol: mcp"]
    else:
        lines += ["Content-Type: application/json", "Accept: application/json, text/event-stream",
                  f"Content-Length: {len(INIT)}", "Connection: close"]
    if authorization is not None:
        lines.append(f"Authorization: {authorization}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    body = INIT if transport == "http" else ""
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


async def attempt(url: str, transport: str, authorization: str | None, headers: dict[str, str] | None = None,
                  source: str | None = None, hosts: list[str] | None = None) -> int:
    """One request; its HTTP status."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port,
                                                   local_addr=(source, 0) if source else None)
    try:
        writer.write(request(url, transport, authorization, headers, hosts))
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 30)
        return int(status_line.split()[1])
    finally:
        writer.close()
        await writer.wait_closed()


async def attempts(url: str, transport: str, count: int, *, token: str | None = None, garbage: bool = False,
                   source: str | None = None, xff: str | None = None, rotate_xff: bool = False) -> list[int]:
    """`count` requests one after the other: with `token`, with distinct garbage, and/or forwarding headers."""
    statuses = []
    for i in range(count):
        authorization = f"Bearer {secrets.token_urlsafe(12)}" if garbage else f"Bearer {token}" if token else None
        forwarded = f"198.18.{i // 250}.{i % 250 + 1}" if rotate_xff else xff
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        statuses.append(await attempt(url, transport, authorization, headers, source))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--transport", choices=("websocket", "http"), default="websocket")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--token")
    parser.add_argument("--garbage", action="store_true", help="a different garbage bearer value each time")
    parser.add_argument("--source", help="local address to send from")
    parser.add_argument("--xff", help="X-Forwarded-For value")
    parser.add_argument("--rotate-xff", action="store_true", help="a different X-Forwarded-For each time")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(attempts(args.url, args.transport, args.count, token=args.token,
                                          garbage=args.garbage, source=args.source, xff=args.xff,
                                          rotate_xff=args.rotate_xff))))


if __name__ == "__main__":
    main()
