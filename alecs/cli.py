"""`alecs`: serve MCP (stdio, WebSocket, Streamable HTTP), run the sandbox, print the catalogue, manage tokens."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from collections.abc import Sequence

from alecs import __version__
from alecs.env import env_flag
from alecs.errors import AlecsError


def _setup_logging(level: str) -> None:
    from alecs.logs import setup_logging

    setup_logging(level)  # format from ALECS_LOG_FORMAT (text or json); secrets scrubbed at every level


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--read-only", action="store_true", default=env_flag("ALECS_READ_ONLY"),
                   help="only read-only tools are listed and callable (always wins)")
    p.add_argument("--toolsets", default=os.environ.get("ALECS_TOOLSETS"),
                   help="comma-separated toolsets, or 'all' (env ALECS_TOOLSETS; default: the everyday set)")
    p.add_argument("--tools", default=os.environ.get("ALECS_TOOLS"),
                   help="comma-separated tool names, added to the toolsets (env ALECS_TOOLS)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alecs", description=__doc__)
    parser.add_argument("--version", action="version", version=f"alecs {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve MCP")
    serve.add_argument("--transport", choices=("stdio", "websocket", "http"),
                       default=os.environ.get("ALECS_TRANSPORT", "stdio"))
    serve.add_argument("--sandbox", action="store_true", default=env_flag("ALECS_SANDBOX"),
                       help="use the built-in simulated Akamai account (env ALECS_SANDBOX=1)")
    serve.add_argument("--edgerc", help="path to .edgerc (else AKAMAI_EDGERC, else ~/.edgerc)")
    serve.add_argument("--dynamic-toolsets", action="store_true", default=env_flag("ALECS_DYNAMIC_TOOLSETS"),
                       help="start with catalogue tools only; the assistant enables toolsets as needed")
    _add_selection(serve)
    serve.add_argument("--log-level", default=os.environ.get("ALECS_LOG_LEVEL", "info"))
    remote = serve.add_argument_group("remote serving (websocket, http)")
    remote.add_argument("--host", help="listen address (env ALECS_WS_HOST, default 127.0.0.1)")
    remote.add_argument("--port", type=int, help="listen port (env ALECS_WS_PORT, default 8082)")
    remote.add_argument("--path", help="endpoint path (env ALECS_WS_PATH, default /mcp)")
    remote.add_argument("--insecure-bind", action="store_true", default=env_flag("ALECS_INSECURE_BIND"),
                        help="allow a non-loopback address without TLS (only behind a TLS proxy on this host)")
    remote.add_argument("--tls-cert", help="certificate chain (PEM) for wss:// / https:// (env ALECS_SSL_CERT)")
    remote.add_argument("--tls-key", help="private key (PEM) of --tls-cert (env ALECS_SSL_KEY)")
    remote.add_argument("--oauth", action="store_true", default=env_flag("ALECS_OAUTH"),
                        help="be an OAuth 2.1 authorization server for remote MCP clients (Claude connectors, "
                             "ChatGPT, Cursor, VS Code) on --transport http; set ALECS_PUBLIC_URL (env ALECS_OAUTH=1)")

    sandbox = sub.add_parser("sandbox", help="run the simulated Akamai account and print its .edgerc section")
    sandbox.add_argument("--port", type=int, default=0)
    sandbox.add_argument("--section", default="sandbox")

    tools = sub.add_parser("tools", help="print the tool catalogue")
    _add_selection(tools)
    tools.add_argument("--stats", action="store_true", help="tool counts and tools/list size per toolset")
    tools.add_argument("--markdown", action="store_true", help="the catalogue as Markdown (docs/tools.md)")

    from alecs.auth.cli import add_token_commands  # noqa: PLC0415 - keeps `alecs tools` fast to start

    add_token_commands(sub)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from alecs.app import AppConfig, build_app

    cfg = AppConfig(edgerc=args.edgerc, sandbox=args.sandbox, read_only=args.read_only, toolsets=args.toolsets,
                    tools=args.tools, dynamic=args.dynamic_toolsets)
    if args.transport == "stdio":
        from alecs.auth.tokens import TokenStore, default_store_path, master_key
        from alecs.services import Services
        from alecs.transports.stdio import serve_stdio

        key = master_key()  # the local operator manages tokens over stdio when the store's key is set
        store = TokenStore(default_store_path(), key) if key else None
        with build_app(cfg, Services(tokens=store)) as app:
            asyncio.run(serve_stdio(app.server))
        return 0
    from alecs.transports.remote import serve_remote

    return serve_remote(args, cfg)


def _sandbox(args: argparse.Namespace) -> int:
    from alecs.app import sandbox_settings
    from alecs.sandbox.server import Sandbox

    box = Sandbox(sandbox_settings(), port=args.port).start()
    print(box.edgerc_text(args.section) + f"ca_bundle = {box.ca_path}\n", flush=True)
    print(f"# sandbox listening on https://{box.host}; Ctrl-C to stop", file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    box.stop()
    return 0


def _tools(args: argparse.Namespace) -> int:
    from alecs.tool_listing import print_catalogue

    return print_catalogue(args)


def main(argv: Sequence[str] | None = None) -> int:
    """The `alecs` command; returns the process exit code."""
    args = _parser().parse_args(argv)
    _setup_logging(getattr(args, "log_level", "warning") if args.command == "serve" else "warning")
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "sandbox":
            return _sandbox(args)
        if args.command == "tools":
            return _tools(args)
        code: int = args.func(args)
        return code
    except AlecsError as exc:
        print(f"alecs: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
