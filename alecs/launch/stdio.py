"""`alecs serve` over stdio: the front answers from the start-up snapshot while a thread loads the server.

Standard library only until the loader is done (the loader thread imports the rest). Order of events:

1. the wire claims stdin/stdout and a reader thread starts reading lines;
2. a loader thread sets up logging, imports the SDK, builds the server and starts the sandbox (`--sandbox`);
3. meanwhile the front answers what the snapshot holds and keeps everything else;
4. if the front has listed the tools by the time the server is built, the loader also loads the request checker
   (`alecs.tools.presend`), so the first tool call is a warm one;
5. when the loader is done, the SDK serves the session (`alecs.launch.handover`): no tool call ever reaches a
   server, or a sandbox, that is not ready.

`ALECS_STARTUP_SNAPSHOT=0` turns the front off: the server is built first and the SDK answers everything.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from alecs.launch.front import Front
from alecs.launch.snapshot import SnapshotStore
from alecs.launch.wire import Inbox, Loaded, Wire

if TYPE_CHECKING:
    from alecs.app import App

# The `serve` options that shape what the server answers (with the environment, see `snapshot.server_key`).
OPTIONS = ("sandbox", "edgerc", "toolsets", "tools", "read_only", "dynamic_toolsets")
FRONT_SWITCH_INTERVAL = 0.0005  # seconds: while loading, the front gets the interpreter back quickly


@contextlib.contextmanager
def stdio_app(args: argparse.Namespace) -> Iterator[App]:
    """The server for a stdio session: the local operator manages tokens when the store's key is set."""
    from alecs.app import AppConfig, build_app  # the SDK loads behind the front
    from alecs.auth.tokens import TokenStore, default_store_path, master_key
    from alecs.services import Services

    key = master_key()
    store = TokenStore(default_store_path(), key) if key else None
    with build_app(AppConfig.from_args(args), Services(tokens=store)) as app:
        yield app


def _setup_logging(args: argparse.Namespace) -> None:
    from alecs.logs import setup_logging

    setup_logging(args.log_level)


class Loader(threading.Thread):
    """Builds the server on its own thread and reports to the inbox when it is ready (or failed)."""

    def __init__(self, args: argparse.Namespace, inbox: Inbox, stack: contextlib.ExitStack,
                 listed: list[str]) -> None:
        super().__init__(name="alecs-loader", daemon=True)
        self.args, self.inbox, self.stack = args, inbox, stack
        self.listed = listed  # what the front has answered so far (`Front.answered`, appended on the main thread)
        self.app: App | None = None

    def run(self) -> None:
        error: BaseException | None = None
        try:
            _setup_logging(self.args)
            self.app = self.stack.enter_context(stdio_app(self.args))
            import alecs.launch.handover  # noqa: F401 - ready before the hand-over needs it

            if "tools/list" in self.listed:
                # The front listed the tools long ago: load the request checker now, while the front still answers,
                # so the first tool call after the hand-over is as fast as a warm one (otherwise the hand-over
                # starts the warm-up, as the server does after its own first listing).
                from alecs.tools import presend

                with contextlib.suppress(Exception):  # a checker that cannot load fails the calls needing it
                    presend.warm().result()
        except BaseException as exc:  # reported to the main thread, which raises it
            error = exc
        self.inbox.report(Loaded(error))


def serve(args: argparse.Namespace) -> int:
    """Serve MCP on stdin/stdout until the client closes stdin; returns the exit code."""
    started = time.monotonic()
    store = SnapshotStore.for_launch(options_of(args))
    if store is None:
        return serve_plain(args)
    wire = Wire()
    try:
        with contextlib.ExitStack() as stack:
            inbox = Inbox(wire.stdin)
            front = Front(store, wire.write)
            loader = Loader(args, inbox, stack, front.answered)
            interval = sys.getswitchinterval()
            sys.setswitchinterval(FRONT_SWITCH_INTERVAL)
            try:
                loader.start()
                ended = _front(front, inbox)
            finally:
                sys.setswitchinterval(interval)
            loader.join()
            assert loader.app is not None
            _log_handover(front, time.monotonic() - started)
            import asyncio

            from alecs.launch import handover

            asyncio.run(handover.serve(loader.app.server, front, inbox, wire, store, ended))
    finally:
        wire.restore()
    return 0


def _front(front: Front, inbox: Inbox) -> bool:
    """Answers from the snapshot until the loader reports; raises its error. True if stdin ended meanwhile."""
    ended = False
    while True:
        item = inbox.take()
        if isinstance(item, Loaded):
            if item.error is not None:
                raise item.error
            return ended
        if not item:
            ended = True
        elif not ended:
            front.take(item)


def _log_handover(front: Front, seconds: float) -> None:
    import logging

    log = logging.getLogger(__name__)
    if front.answered:
        log.info("answered %s from the start-up snapshot; the server was ready after %.2f s",
                 ", ".join(front.answered), seconds)
    else:
        log.info("the server was ready after %.2f s (no start-up snapshot for this client and configuration yet)",
                 seconds)


def serve_plain(args: argparse.Namespace) -> int:
    """Without the front: build the server, then serve (what `ALECS_STARTUP_SNAPSHOT=0` asks for)."""
    import asyncio

    from alecs.transports.stdio import serve_stdio

    _setup_logging(args)
    with stdio_app(args) as app:
        asyncio.run(serve_stdio(app.server))
    return 0


def options_of(args: argparse.Namespace) -> dict[str, Any]:
    """The `serve` options that key the snapshot."""
    return {name: getattr(args, name) for name in OPTIONS}
