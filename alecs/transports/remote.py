"""`alecs serve --transport websocket|http`: settings, TLS, the token store watch, signals, graceful shutdown."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import ipaddress
import logging
import signal
import ssl
import sys
import time
from typing import TYPE_CHECKING, Protocol

import anyio

from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore, default_store_path, require_master_key
from alecs.errors import ConfigError
from alecs.oauth.settings import OAuthSettings, oauth_settings
from alecs.sdnotify import SystemdNotifier
from alecs.services import Services
from alecs.transports import SessionRunner
from alecs.transports.guard import Guard
from alecs.transports.late import LateServer
from alecs.transports.scrape import METRICS_PATH
from alecs.transports.settings import RemoteSettings, resolve_settings
from alecs.transports.websocket import WebSocketTransport

if TYPE_CHECKING:  # the SDK (which these need) loads after the WebSocket transport listens
    from alecs.app import AppConfig

log = logging.getLogger(__name__)
LOADING_SWITCH_INTERVAL = 0.0005  # seconds (Python's default is 0.005)


class Transport(Protocol):
    """What `Remote` needs of a transport (WebSocket or Streamable HTTP)."""

    port: int

    async def start(self) -> None: ...
    def token_ids(self) -> set[str]: ...
    async def close_tokens(self, token_ids: set[str], reason: str = ...) -> None: ...
    async def shutdown(self, grace: float) -> None: ...


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_settings(s: RemoteSettings) -> ssl.SSLContext | None:
    """Refuses unsafe or broken settings with an explanation; returns the TLS context, if any."""
    if bool(s.cert) != bool(s.key):
        raise ConfigError("TLS needs both ALECS_SSL_CERT and ALECS_SSL_KEY (certificate chain and private key).")
    if not s.tls and not is_loopback(s.host) and not s.insecure_bind:
        raise ConfigError(
            f"Refusing to listen on {s.host} without TLS: bearer tokens and Akamai data would cross the network in "
            f"clear text. Set ALECS_SSL_CERT and ALECS_SSL_KEY to serve wss:// (https://), or listen on 127.0.0.1 "
            f"and reach alecs through an SSH tunnel. Only if a TLS-terminating proxy on this same host forwards to "
            f"alecs, pass --insecure-bind (ALECS_INSECURE_BIND=1).")
    if not s.path or "?" in s.path or s.path in ("/healthz", METRICS_PATH):
        raise ConfigError(f"Invalid endpoint path '{s.path}'.")
    return load_tls(s.tls) if s.tls else None


def load_tls(tls: tuple[str, str], context: ssl.SSLContext | None = None) -> ssl.SSLContext:
    ctx = context or ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    if context is None:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(*tls)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Cannot load the TLS certificate {tls[0]} and key {tls[1]}: {exc}.") from None
    return ctx


class Remote:
    """A running remote server: a transport, the token watch, TLS reload and shutdown."""

    def __init__(self, server: SessionRunner, settings: RemoteSettings, tokens: LiveTokens,
                 ssl_context: ssl.SSLContext | None = None, oauth: OAuthSettings | None = None) -> None:
        self.settings, self.tokens = settings, tokens
        guard = Guard(tokens, settings.allowed_origins, settings.limiter, allowed_hosts=settings.allowed_hosts,
                      trusted_proxies=settings.trusted_proxies)
        s = settings
        if oauth is not None and oauth.enabled:
            from alecs.oauth.app import OAuthApp
        self.oauth = OAuthApp(oauth, tokens, limiter=guard.limiter, proxies=guard.trusted_proxies,
                              allowed_hosts=guard.allowed_hosts) if oauth is not None and oauth.enabled else None
        self.transport: Transport
        if s.transport == "http":
            from alecs.transports.http import HttpTransport

            self.transport = HttpTransport(server, guard, host=s.host, port=s.port, path=s.path, tls=s.tls,
                                           limits=s.limits, oauth=self.oauth)
        else:
            self.transport = WebSocketTransport(server, guard, host=s.host, port=s.port, path=s.path,
                                                ssl_context=ssl_context, limits=s.limits)
        self._ssl_context = ssl_context
        self._watch: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return self.settings.url(self.transport.port)

    async def start(self) -> None:
        # Read the store unless it was just read unchanged (serve_remote reads it first to stop on a wrong key):
        # each read derives the store's key with scrypt.
        await anyio.to_thread.run_sync(self.tokens.refresh)
        if self.oauth is not None:
            await anyio.to_thread.run_sync(self.oauth.prune)
        await self.transport.start()
        if self.oauth is not None:
            self.oauth.start(self.url)
        self._watch = asyncio.create_task(self._watch_tokens())

    async def _watch_tokens(self) -> None:
        """Re-read the store when it changes (off the loop); end sessions of revoked or expired tokens."""
        last_flush = time.monotonic()
        while True:
            await asyncio.sleep(self.settings.reload_seconds)
            try:
                if await anyio.to_thread.run_sync(self.tokens.refresh):
                    log.info("token store reloaded")
            except Exception as exc:
                log.error("token store not reloaded (still using the previous one): %s", exc)
            dead = {t for t in self.transport.token_ids() if not self.tokens.valid(t)}
            if dead:
                log.info("closing sessions of revoked or expired tokens: %s", ", ".join(sorted(dead)))
                await self.transport.close_tokens(dead, "token revoked or expired")
            if time.monotonic() - last_flush >= self.settings.flush_seconds:
                last_flush = time.monotonic()
                await anyio.to_thread.run_sync(self.tokens.flush)

    def reload_tls(self) -> None:
        """SIGHUP: load the (renewed) certificate and key into the live context; open sessions are kept."""
        tls = self.settings.tls
        ctx = self._ssl_context or getattr(self.transport, "ssl_context", None)
        if not tls or ctx is None:
            log.info("SIGHUP: no TLS certificate to reload")
            return
        try:
            load_tls(tls, ctx)
            log.info("SIGHUP: TLS certificate reloaded from %s", tls[0])
        except ConfigError as exc:
            log.error("SIGHUP: keeping the previous certificate: %s", exc)

    async def shutdown(self, grace: float | None = None) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self.transport.shutdown(self.settings.grace if grace is None else grace)
        if self.oauth is not None:
            await self.oauth.aclose()
        await anyio.to_thread.run_sync(self.tokens.flush)


def raise_file_limit(ceiling: int = 65536) -> None:
    """Lift the soft limit on open files towards the hard one: every connection, pending or served, is a descriptor,
    and a server out of descriptors can accept nobody (systemd's default soft limit is 1024)."""
    try:
        import resource
    except ImportError:  # not on this platform
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = ceiling if hard == resource.RLIM_INFINITY else min(hard, ceiling)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def announce_listening(remote: Remote) -> None:
    """The server is listening: everything that must follow readiness goes here (the line tests and bench wait for)."""
    print(f"alecs: listening on {remote.url}", file=sys.stderr, flush=True)


async def run_remote(server: SessionRunner, settings: RemoteSettings, tokens: LiveTokens,
                     ssl_context: ssl.SSLContext | None = None, oauth: OAuthSettings | None = None) -> int:
    """Serve until SIGTERM or SIGINT. A `LateServer` is built while the WebSocket transport already listens (its
    `/healthz` answers at once; sessions wait for the server); Streamable HTTP needs the built server to start."""
    raise_file_limit()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    late = server if isinstance(server, LateServer) else None
    if late is not None and (settings.transport == "http" or (oauth is not None and oauth.enabled)):
        server = await late.load()
    remote = Remote(server, settings, tokens, ssl_context, oauth)
    await remote.start()
    loop.add_signal_handler(signal.SIGHUP, remote.reload_tls)
    announce_listening(remote)
    if late is not None:
        interval = sys.getswitchinterval()
        sys.setswitchinterval(LOADING_SWITCH_INTERVAL)  # while the loader imports, the loop gets the GIL back fast
        try:
            loaded = await _loaded(late, stop)
        except BaseException:  # e.g. an unknown toolset: stop listening, then report it
            await remote.shutdown(0)
            raise
        finally:
            sys.setswitchinterval(interval)
        if not loaded:
            await remote.shutdown()
            return 0
    # Everything loaded so far (registry, schemas, the sandbox) lives as long as the process: keep it out of the
    # garbage collector's full passes, which otherwise stall every session for ~100 ms when a burst of traffic
    # triggers one.
    gc.freeze()
    notifier = SystemdNotifier()  # under systemd (Type=notify): READY=1 now, then WATCHDOG=1 pings from this loop
    notifier.ready(f"serving {remote.url}")
    await stop.wait()
    notifier.stopping()
    log.info("shutting down: finishing in-flight calls (up to %.0fs)", settings.grace)
    await remote.shutdown()
    return 0


async def _loaded(late: LateServer, stop: asyncio.Event) -> bool:
    """Wait for the server to be built; False if asked to stop first. A failure to build is raised."""
    loading = asyncio.ensure_future(late.load())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait((loading, stopping), return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if loading.done():
        loading.result()  # raises the build's error
        return True
    return False


def serve_remote(args: argparse.Namespace, cfg: AppConfig | None = None) -> int:
    """`alecs serve --transport websocket|http`: settings and the token store are checked first (a mistake stops
    here, with its explanation); the server (the SDK, the registry, the sandbox) is built on a worker thread."""
    settings = resolve_settings(args)
    ssl_context = check_settings(settings)
    oauth = oauth_settings(bool(getattr(args, "oauth", False)))
    oauth.check(transport=settings.transport, listen_url=settings.url(), listen_loopback=is_loopback(settings.host))
    store = TokenStore(default_store_path(), require_master_key())
    tokens = LiveTokens(store)
    tokens.refresh(force=True)  # a wrong key or unreadable store stops here, with its explanation
    with contextlib.ExitStack() as stack:
        def build() -> SessionRunner:
            from alecs.app import AppConfig, build_app

            app = stack.enter_context(build_app(cfg or AppConfig.from_args(args), Services(tokens=store)))
            app.server.prepare()  # every schema and argument model, before gc.freeze() and the first session
            return app.server

        return asyncio.run(run_remote(LateServer(build), settings, tokens, ssl_context, oauth))
