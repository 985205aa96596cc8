"""A small stand-in for `alecs serve --transport websocket`, for unit-level tunnel tests only.

It follows the server contract (Bearer auth with 401 + WWW-Authenticate, subprotocol mcp,
X-Alecs-Token-* headers, /healthz, one JSON-RPC message per text frame, close 1009 on
oversized frames, the "listening on" line) and adds test hooks the real server has no
reason to have: a `slow` tool that answers after `seconds`, counters of initialize
requests at GET /stats, and STANDIN_REFUSE=N: the first N authenticated upgrades are answered
429 with Retry-After: 1 (as a per-token session cap would), their times listed in /stats.

    python standin_server.py serve --host 127.0.0.1 --port N --path /mcp [--tls-cert C --tls-key K]
    python standin_server.py token generate --scope write --json     (env ALECS_TOKEN_STORE)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http
import json
import os
import secrets
import ssl
import sys
import time

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

STATS: dict = {"connections": 0, "initialize": 0, "refused_at": [], "upgrades_at": []}
REFUSE = int(os.environ.get("STANDIN_REFUSE", "0"))
REFUSAL = "This token already has 5 open sessions, its limit."
TOOLS = [
    {"name": "list-contracts", "description": "sandbox contracts", "inputSchema": {"type": "object"}},
    {"name": "list-groups", "description": "sandbox groups", "inputSchema": {"type": "object"}},
    {"name": "slow", "description": "answers after `seconds`", "inputSchema": {"type": "object"}},
]


def _store() -> dict:
    path = os.environ["ALECS_TOKEN_STORE"]
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_generate(scope: str) -> None:
    store = _store()
    token = secrets.token_urlsafe(24)
    tid = "tok_" + secrets.token_hex(6)
    store[_hash(token)] = {"id": tid, "scope": scope}
    with open(os.environ["ALECS_TOKEN_STORE"], "w") as f:
        json.dump(store, f)
    print(json.dumps({"id": tid, "token": token}))


def _response(status: int, body: dict, extra: dict | None = None) -> Response:
    headers = Headers({"Content-Type": "application/json", **(extra or {})})
    data = json.dumps(body).encode()
    headers["Content-Length"] = str(len(data))
    return Response(status, http.HTTPStatus(status).phrase, headers, data)


def make_process_request(path: str):
    def process_request(conn: ServerConnection, request: Request) -> Response | None:
        if request.path == "/healthz":
            return _response(200, {"status": "ok"})
        if request.path == "/stats":
            return _response(200, STATS)
        if request.path != path:
            return _response(404, {"error": "not found"})
        if request.headers.get("Origin"):
            return _response(403, {"error": "origin not allowed"})
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        entry = _store().get(_hash(token)) if token else None
        if entry is None:
            return _response(401, {"error": "invalid token"}, {"WWW-Authenticate": "Bearer"})
        if len(STATS["refused_at"]) < REFUSE:
            STATS["refused_at"].append(time.monotonic())
            return _response(429, {"error": REFUSAL}, {"Retry-After": "1"})
        STATS["upgrades_at"].append(time.monotonic())
        conn.token_entry = entry  # type: ignore[attr-defined]
        return None

    return process_request


def process_response(conn: ServerConnection, request: Request, response: Response) -> None:
    entry = getattr(conn, "token_entry", None)
    if entry and response.status_code == 101:
        response.headers["X-Alecs-Token-Id"] = entry["id"]
        response.headers["X-Alecs-Token-Scope"] = entry["scope"]


async def handler(ws: ServerConnection) -> None:
    STATS["connections"] += 1

    async def answer(msg: dict) -> None:
        method, mid = msg.get("method"), msg.get("id")
        if method == "initialize":
            STATS["initialize"] += 1
            result = {
                "protocolVersion": "2025-11-25",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "alecs-standin", "version": "0.0.1"},
            }
        elif method == "tools/list":
            result = {"tools": TOOLS}
        elif method == "ping":
            result = {}
        elif method == "tools/call":
            params = msg.get("params") or {}
            if params.get("name") == "slow":
                await asyncio.sleep(float((params.get("arguments") or {}).get("seconds", 1)))
            text = json.dumps({"tool": params.get("name"), "items": [{"id": "ctr_1"}]})
            result = {"content": [{"type": "text", "text": text}], "isError": False}
        else:
            if mid is None:
                return
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "nope"}}))
            return
        if mid is not None:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": mid, "result": result}))

    tasks = set()
    async for frame in ws:
        msg = json.loads(frame)
        t = asyncio.create_task(answer(msg))
        tasks.add(t)
        t.add_done_callback(tasks.discard)


async def main_serve(args: argparse.Namespace) -> None:
    ctx = None
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
    async with serve(
        handler,
        args.host,
        args.port,
        process_request=make_process_request(args.path),
        process_response=process_response,
        subprotocols=["mcp"],
        max_size=args.max_size,
        ssl=ctx,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        scheme = "wss" if ctx else "ws"
        print(f"alecs: listening on {scheme}://{args.host}:{port}{args.path}", file=sys.stderr, flush=True)
        await asyncio.get_running_loop().create_future()


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--transport", default="websocket")
    s.add_argument("--sandbox", action="store_true")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8082)
    s.add_argument("--path", default="/mcp")
    s.add_argument("--tls-cert")
    s.add_argument("--tls-key")
    s.add_argument("--max-size", type=int, default=1 << 20)
    t = sub.add_parser("token")
    t.add_argument("action", choices=["generate"])
    t.add_argument("--scope", default="write")
    t.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.cmd == "token":
        token_generate(args.scope)
    else:
        asyncio.run(main_serve(args))


if __name__ == "__main__":
    main()
