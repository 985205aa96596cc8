"""``alecs-tunnel check``: connect the same way as ``run``, initialize, list the tools, report."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from . import __version__
from .connect import Connector
from .errors import EXIT_OK, Kind, TunnelError
from .output import say

PROTOCOL = "2025-11-25"
STEP_TIMEOUT = 15.0


@dataclass
class Report:
    route: str = ""
    server: str = ""
    protocol: str = ""
    tools: int = 0
    connect_ms: float = 0.0
    initialize_ms: float = 0.0
    list_ms: float = 0.0
    ping_ms: float = 0.0
    token_id: str | None = None
    scope: str | None = None
    host_key: str = ""
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [
            "alecs-tunnel check: OK",
            f"  route:      {self.route}",
        ]
        if self.host_key:
            lines.append(f"  host key:   {self.host_key} (matches known_hosts)")
        lines += [
            f"  server:     {self.server}",
            f"  protocol:   {self.protocol}",
            f"  tools:      {self.tools}",
            f"  round trip: {self.ping_ms:.1f} ms (ping); connect {self.connect_ms:.0f} ms, "
            f"initialize {self.initialize_ms:.1f} ms, tools/list {self.list_ms:.1f} ms",
            f"  token:      {self.token_id or '(id not reported)'} scope {self.scope or '(not reported)'}",
        ]
        lines += [f"  note:       {n}" for n in self.notes]
        return "\n".join(lines)


async def _call(ws: ClientConnection, msg_id: int, method: str, params: dict[str, Any] | None = None) -> Any:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        msg["params"] = params
    await ws.send(json.dumps(msg))
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TunnelError(Kind.PROTOCOL, f"the server did not answer {method} within {STEP_TIMEOUT:g} s")
        try:
            frame = await _recv(ws, left)
        except ConnectionClosed as e:
            rcvd = e.rcvd
            why = f"code {rcvd.code} {rcvd.reason}".strip() if rcvd else "no close frame"
            raise TunnelError(Kind.PROTOCOL, f"the server closed the connection during {method} ({why})") from None
        try:
            answer = json.loads(frame)
        except ValueError:
            raise TunnelError(Kind.PROTOCOL, f"the server sent a frame that is not JSON during {method}") from None
        if isinstance(answer, dict) and answer.get("id") == msg_id and "method" not in answer:
            if "error" in answer:
                err = answer["error"]
                raise TunnelError(
                    Kind.PROTOCOL, f"{method} failed: {err.get('message')} (JSON-RPC error {err.get('code')})"
                )
            return answer.get("result")


async def _recv(ws: ClientConnection, timeout: float) -> str:
    try:
        frame = await asyncio.wait_for(ws.recv(), timeout)
    except TimeoutError:
        raise TunnelError(Kind.PROTOCOL, "timed out waiting for the server's answer") from None
    return frame if isinstance(frame, str) else frame.decode("utf-8", "replace")


async def run_check(connector: Connector, out: TextIO, err: TextIO) -> int:
    report = Report(route=connector.describe())
    t0 = time.perf_counter()
    try:
        opened = await connector.open()
    except TunnelError as e:
        say(f"alecs-tunnel check: FAILED ({e.kind})\n  route: {report.route}\n  {e.message}", err)
        connector.close()
        return e.exit_code
    report.connect_ms = (time.perf_counter() - t0) * 1000
    report.route = connector.describe()  # now with the resolved SSH user, host, port and jumps
    report.token_id, report.scope = opened.token_id, opened.scope
    if connector.ssh is not None:
        report.host_key = connector.ssh.host_key
    ws = opened.ws
    try:
        t = time.perf_counter()
        init = await _call(
            ws,
            1,
            "initialize",
            {
                "protocolVersion": PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "alecs-tunnel-check", "version": __version__},
            },
        )
        report.initialize_ms = (time.perf_counter() - t) * 1000
        info = init.get("serverInfo", {}) if isinstance(init, dict) else {}
        report.server = f"{info.get('name', '?')} {info.get('version', '')}".strip()
        report.protocol = str(init.get("protocolVersion", "?"))
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        t = time.perf_counter()
        cursor: str | None = None
        msg_id = 2
        while True:
            result = await _call(ws, msg_id, "tools/list", {"cursor": cursor} if cursor else {})
            report.tools += len(result.get("tools", []))
            cursor = result.get("nextCursor")
            msg_id += 1
            if not cursor or msg_id > 1000:
                break
        report.list_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        await _call(ws, msg_id, "ping")
        report.ping_ms = (time.perf_counter() - t) * 1000
    except TunnelError as e:
        say(f"alecs-tunnel check: FAILED ({e.kind})\n  route: {report.route}\n  {e.message}", err)
        return e.exit_code
    finally:
        await ws.close()
        connector.close()
    if not report.scope:
        report.notes.append("the server did not send X-Alecs-Token-Scope")
    say(report.render(), out)
    return EXIT_OK
