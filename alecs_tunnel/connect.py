"""Opening one WebSocket to the alecs server, directly or through SSH, with a diagnosis on failure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import paramiko
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from . import __version__
from .chan_transport import ChannelTransport
from .diagnosis import Attempt, Stage, diagnose
from .errors import ConfigError, Kind, TunnelError
from .settings import Settings, route
from .ssh import SshConnection

log = logging.getLogger("alecs-tunnel")
T = TypeVar("T")

SUBPROTOCOL = "mcp"
OPEN_TIMEOUT = 15.0
MAX_MESSAGE = 64 * 1024 * 1024
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0


def run_loop(main: Coroutine[Any, Any, T], pool: ThreadPoolExecutor | None = None) -> T:
    """Run ``main`` on a selector event loop, with ``pool`` (if given) as the loop's thread pool.

    A selector loop on every platform: it can watch an SSH channel's pipe (a socket pair on
    Windows, where the default proactor loop cannot).
    """
    with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
        if pool is not None:
            runner.get_loop().set_default_executor(pool)
        return runner.run(main)


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """The TLS context for wss://: the CA file if given, else the OS trust store (truststore) or certifi's."""
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
    """An open WebSocket and what the server said about the token that opened it."""

    ws: ClientConnection
    token_id: str | None
    scope: str | None
    route: str


class Connector:
    """Opens WebSockets to the server; keeps the SSH connection between them."""

    def __init__(self, settings: Settings, ssh: SshConnection | None = None) -> None:
        """``ssh``: a connection to reuse (possibly already connecting, see ``SshConnection.connect_on``)."""
        self.settings = settings
        self.ssh = ssh or (SshConnection(settings.ssh) if settings.ssh else None)
        self._ssl = ssl_context(settings.ca_file) if settings.secure else None

    def describe(self) -> str:
        """The route to the server, for messages."""
        return route(self.settings, self.ssh.describe() if self.ssh else None)

    def ssh_lost(self) -> bool:
        """Whether an SSH connection was made and is now gone."""
        return self.ssh is not None and self.ssh.spec is not None and not self.ssh.is_active()

    async def open(self) -> Opened:
        """Connect and complete the WebSocket handshake. Raises TunnelError with a diagnosis."""
        s = self.settings
        if self.ssh is None:
            return await self._handshake(ws_connect, await _tcp_connect(s.host, s.port))
        return await self._handshake(_ChannelConnect, await self._forward(self.ssh))

    async def _forward(self, ssh: SshConnection) -> paramiko.Channel:
        """A channel to the server through SSH, connecting SSH first if needed (on the loop's thread pool)."""
        s = self.settings
        if ssh.connecting is not None:
            early, ssh.connecting = ssh.connecting, None
            await asyncio.wrap_future(early)  # raises its failure, as connect() would have
        if not ssh.is_active():
            await asyncio.to_thread(ssh.connect)
        try:
            return await asyncio.to_thread(ssh.open_channel, s.host, s.port)
        except TunnelError as e:
            if e.kind is not Kind.SSH:
                raise
        # The transport looked alive but is not: reconnect once.
        await asyncio.to_thread(ssh.connect)
        return await asyncio.to_thread(ssh.open_channel, s.host, s.port)

    async def _handshake(self, opener: type[ws_connect], sock: socket.socket | paramiko.Channel) -> Opened:
        s = self.settings
        kwargs: dict[str, Any] = {"ssl": self._ssl} if self._ssl is not None else {}
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
                **kwargs,
            )
        except BaseException as e:
            with contextlib.suppress(Exception):  # a channel's SSH transport may be gone
                sock.close()
            if isinstance(e, Exception):
                attempt = Attempt(Stage.HANDSHAKE, s.host, s.port, url=s.url, secure=s.secure, token=s.token)
                raise diagnose(e, attempt) from None
            raise
        if ws.subprotocol != SUBPROTOCOL:
            log.warning("the server did not select the %r subprotocol; continuing", SUBPROTOCOL)
        headers = ws.response.headers if ws.response is not None else {}
        return Opened(ws, headers.get("X-Alecs-Token-Id"), headers.get("X-Alecs-Token-Scope"), self.describe())

    def close(self) -> None:
        """Close the SSH connection, if any (blocking)."""
        if self.ssh:
            self.ssh.close()


class _ChannelConnect(ws_connect):
    """``websockets`` connect with ``sock`` a paramiko channel, read and written by the event loop.

    TLS (wss:// through SSH) is ``loop.start_tls`` over the channel, as websockets itself does
    through an HTTP proxy. Everything else (handshake, timeout, redirects refused as with a
    preexisting socket) is websockets' own.
    """

    async def open_tcp_connection(self) -> ClientConnection:
        loop = asyncio.get_running_loop()
        chan = self.create_connection_kwargs["sock"]
        assert isinstance(chan, paramiko.Channel)
        connection = self.factory(self.ws_uri)
        transport: asyncio.Transport = ChannelTransport(loop, chan, connection)
        context = self.create_connection_kwargs.get("ssl")
        if context is not None:
            tls = await loop.start_tls(transport, connection, context, server_hostname=self.ws_uri.host)
            assert tls is not None
            transport = tls
        connection.connection_made(transport)
        return connection


async def _tcp_connect(host: str, port: int) -> socket.socket:
    loop = asyncio.get_running_loop()
    attempt = Attempt(Stage.TCP, host, port)
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as e:
        raise diagnose(e, attempt) from None
    last: OSError = OSError("no address")
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
    raise diagnose(last, attempt)
