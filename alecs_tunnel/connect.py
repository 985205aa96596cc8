"""Opening one WebSocket to the alecs server, directly or through SSH, with a diagnosis on failure."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import paramiko
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidHandshake, InvalidMessage, InvalidStatus, InvalidURI

from . import __version__, chan_transport
from .errors import AuthError, ConfigError, TLSError, TunnelError
from .settings import DEFAULT_URL, Settings, check_url, load_token, route
from .ssh import SshConnection

log = logging.getLogger("alecs-tunnel")
T = TypeVar("T")
__all__ = ["DEFAULT_URL", "Connector", "Opened", "Settings", "check_url", "load_token", "ssl_context"]

SUBPROTOCOL = "mcp"
OPEN_TIMEOUT = 15.0
MAX_MESSAGE = 64 * 1024 * 1024
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0
# Forwarded WebSockets are read and written by the event loop, over the paramiko channel
# itself (websockets 15+ builds its connection in open_tcp_connection); else a socketpair.
CHANNEL_TRANSPORT = chan_transport.supported() and hasattr(ws_connect, "open_tcp_connection")


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    if ca_file:
        path = Path(ca_file).expanduser()
        try:
            return ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as e:
            raise ConfigError(f"cannot load CA file {path}: {e}") from None
    try:  # the OS trust store on macOS and Windows, when available
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except ImportError:
        return ssl.create_default_context()


@dataclass
class Opened:
    ws: ClientConnection
    token_id: str | None
    scope: str | None
    route: str


class Connector:
    """Opens WebSockets to the server; keeps the SSH connection between them."""

    def __init__(self, settings: Settings, ssh: SshConnection | None = None) -> None:
        """``ssh``: a connection to reuse (possibly already connecting, see ``SshConnection.start``)."""
        self.settings = settings
        self.ssh = ssh or (SshConnection(settings.ssh) if settings.ssh else None)
        self._ssl = ssl_context(settings.ca_file) if settings.secure else None

    def describe(self) -> str:
        return route(self.settings, self.ssh.describe() if self.ssh else None)

    def ssh_lost(self) -> bool:
        return self.ssh is not None and self.ssh.spec is not None and not self.ssh.is_active()

    async def open(self) -> Opened:
        s = self.settings
        if self.ssh is None:
            sock: socket.socket | paramiko.Channel = await _tcp_connect(s.host, s.port)
        elif CHANNEL_TRANSPORT and not s.secure:
            sock = await self._forward(self.ssh.open_channel)
        else:
            sock = await self._forward(self.ssh.open_socket)
        return await self._handshake(sock)

    async def _forward(self, open_fn: Callable[[str, int], T]) -> T:
        """Open a forwarded connection to the server through SSH, connecting SSH first if needed."""
        s, ssh = self.settings, self.ssh
        assert ssh is not None
        if ssh.starting:
            await asyncio.to_thread(ssh.join_start)
        if not ssh.is_active():
            await asyncio.to_thread(ssh.connect)
        try:
            return await asyncio.to_thread(open_fn, s.host, s.port)
        except TunnelError as e:
            if e.kind != "ssh":
                raise
        # The transport looked alive but is not: reconnect once.
        await asyncio.to_thread(ssh.connect)
        return await asyncio.to_thread(open_fn, s.host, s.port)

    async def _handshake(self, sock: socket.socket | paramiko.Channel) -> Opened:
        s = self.settings
        kwargs: dict[str, object] = {}
        if self._ssl is not None:
            kwargs["ssl"] = self._ssl
        opener = ws_connect if isinstance(sock, socket.socket) else _ChannelConnect
        try:
            ws = await opener(
                s.url,
                sock=sock,
                additional_headers={"Authorization": f"Bearer {s.token}"},
                subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
                open_timeout=OPEN_TIMEOUT,
                max_size=MAX_MESSAGE,
                ping_interval=PING_INTERVAL,
                ping_timeout=PING_TIMEOUT,
                user_agent_header=f"alecs-tunnel/{__version__}",
                **kwargs,  # type: ignore[arg-type]
            )
        except BaseException as e:
            with contextlib.suppress(Exception):  # a channel's SSH transport may be gone
                sock.close()
            if isinstance(e, Exception):
                raise self._diagnose(e) from None
            raise
        if ws.subprotocol != SUBPROTOCOL:
            log.warning("the server did not select the %r subprotocol; continuing", SUBPROTOCOL)
        headers = ws.response.headers if ws.response is not None else {}
        return Opened(ws, headers.get("X-Alecs-Token-Id"), headers.get("X-Alecs-Token-Scope"), self.describe())

    def _diagnose(self, e: Exception) -> TunnelError:
        s = self.settings
        if isinstance(e, InvalidStatus):
            status = e.response.status_code
            detail = _body_error(e.response.body, s.token)
            if status == 401:
                return AuthError(
                    "http-401",
                    f"the server rejected the token (HTTP 401{': ' + detail if detail else ''}). "
                    "Check ALECS_TOKEN / ALECS_TOKEN_FILE; the token may be wrong, revoked or expired "
                    "(create a new one on the server with `alecs token generate`).",
                )
            if status == 403:
                return AuthError(
                    "http-403",
                    f"the server refused the connection (HTTP 403{': ' + detail if detail else ''}). "
                    "alecs answers 403 when the Origin header is not in its allow-list; alecs-tunnel "
                    "sends none, so a proxy in between may be adding one.",
                )
            if status == 404:
                return TunnelError(
                    "http", f"no WebSocket endpoint at {s.url} (HTTP 404): check the path (usually /mcp)"
                )
            return TunnelError("http", f"the server answered HTTP {status} instead of a WebSocket upgrade")
        if isinstance(e, ssl.SSLCertVerificationError):
            return TLSError(
                f"the TLS certificate of {s.host} was not accepted: {e.verify_message or e}. "
                "If the server uses a private CA, pass --ca-file PATH (or ALECS_CA_FILE)."
            )
        if isinstance(e, ssl.SSLError):
            return TLSError(
                f"TLS handshake with {s.host}:{s.port} failed: {e.reason or e}. "
                "Does the server speak TLS on that port (wss:// vs ws://)?"
            )
        if isinstance(e, InvalidMessage):
            return TunnelError(
                "protocol",
                f"{s.host}:{s.port} did not answer with HTTP (is it the alecs WebSocket port, "
                f"and {'TLS' if s.secure else 'plain'} as the URL says?)",
            )
        if isinstance(e, InvalidURI):
            return ConfigError(f"invalid URL {s.url!r}")
        if isinstance(e, InvalidHandshake):
            return TunnelError("protocol", f"WebSocket handshake with {s.url} failed: {e}")
        if isinstance(e, TimeoutError):
            return TunnelError("tcp", f"timed out waiting for the WebSocket handshake with {s.url}")
        if isinstance(e, OSError | EOFError):
            return TunnelError("tcp", f"connection to {s.url} dropped during the handshake: {e}")
        return TunnelError("protocol", f"unexpected failure connecting to {s.url}: {type(e).__name__}: {e}")

    def close(self) -> None:
        if self.ssh:
            self.ssh.close()


class _ChannelConnect(ws_connect):
    """``websockets`` connect with ``sock`` a paramiko channel, read and written by the event loop.

    Everything else (handshake, timeout, redirects refused as with a preexisting socket) is
    websockets' own.
    """

    async def open_tcp_connection(self) -> ClientConnection:
        chan = self.create_connection_kwargs["sock"]
        assert isinstance(chan, paramiko.Channel)
        connection = self.factory(self.ws_uri)
        chan_transport.ChannelTransport(asyncio.get_running_loop(), chan, connection)
        return connection


def _body_error(body: bytes | None, token: str) -> str:
    if not body:
        return ""
    try:
        text = str(json.loads(body).get("error", ""))
    except (ValueError, AttributeError):
        text = body.decode("utf-8", "replace")
    return text.replace(token, "***")[:200].strip()


async def _tcp_connect(host: str, port: int) -> socket.socket:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise TunnelError("dns", f"cannot resolve {host!r}: {e.strerror or e}") from None
    last: OSError | None = None
    for family, type_, proto, _, addr in infos:
        sock = socket.socket(family, type_, proto)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, addr), timeout=OPEN_TIMEOUT)
            return sock
        except TimeoutError:
            sock.close()
            last = TimeoutError(f"timed out after {OPEN_TIMEOUT:.0f} s")
        except OSError as e:
            sock.close()
            last = e
    if isinstance(last, ConnectionRefusedError):
        raise TunnelError("tcp", f"connection refused by {host}:{port}: is the alecs server running?")
    detail = (last.strerror if last and last.strerror else str(last)) if last else "no address"
    raise TunnelError("tcp", f"cannot connect to {host}:{port}: {detail}")
