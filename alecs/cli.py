"""`alecs`: serve MCP (stdio, WebSocket, Streamable HTTP), run the sandbox, print the catalogue, manage tokens."""

from __future__ import annotations

import argparse
import os
import sys
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


def _parser(serving: bool = False) -> argparse.ArgumentParser:
    """The command line; `serving`: only the `serve` command (what `alecs serve` needs, without loading the rest)."""
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
    if serving:
        return parser

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
    if args.transport == "stdio":
        from alecs.launch.stdio import serve  # the front answers while the server loads (alecs.launch)

        return serve(args)
    _setup_logging(args.log_level)
    from alecs.transports.remote import serve_remote  # listens first; the server is built meanwhile

    return serve_remote(args)


def _sandbox(args: argparse.Namespace) -> int:
    import signal
    import threading

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
    argv = sys.argv[1:] if argv is None else list(argv)
    serving = bool(argv) and argv[0] == "serve"
    args = _parser(serving).parse_args(argv)
    if args.command != "serve":
        _setup_logging("warning")  # `serve` sets up its own logging, over stdio on the loader's thread
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
