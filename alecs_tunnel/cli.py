"""Command line: ``alecs-tunnel [run]``, ``alecs-tunnel check``, ``alecs-tunnel config claude``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .claude_config import build_entry, default_config_path, merge, where_text
from .errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, ConfigError
from .output import flush, say
from .settings import DEFAULT_URL, Settings, check_url, load_token, route
from .ssh import SshConnection
from .ssh_config import DEFAULT_SSH_CONFIG, SshSettings, SshTarget

if TYPE_CHECKING:
    from .connect import Connector

log = logging.getLogger("alecs-tunnel")

EPILOG = """\
environment:
  ALECS_WS_URL        server URL as seen from the SSH server (default ws://127.0.0.1:8082/mcp)
  ALECS_TOKEN         bearer token, or
  ALECS_TOKEN_FILE    file holding the token (the token is never taken from the command line)
  ALECS_SSH           [user@]host[:port] to tunnel through (same as --ssh)
  ALECS_SSH_CONFIG, ALECS_KNOWN_HOSTS, ALECS_IDENTITY, ALECS_CA_FILE: as the options
  ALECS_TUNNEL_QUEUE_TIMEOUT  seconds a message waits for a reconnect (default 30)

exit codes: 0 ok (stdin closed), 1 failure, 2 usage/config, 3 server unreachable,
  4 authentication refused (HTTP 401/403, SSH), 5 host key unknown or changed, 6 TLS,
  7 rate-limited (HTTP 429: the server's reason and Retry-After are shown; run mode retries
  after Retry-After and exits 7 if stdin closes while the server still refuses)
"""

PATH_ENV = {
    "ssh_config": "ALECS_SSH_CONFIG",
    "known_hosts": "ALECS_KNOWN_HOSTS",
    "ca_file": "ALECS_CA_FILE",
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="WebSocket URL (overrides ALECS_WS_URL)")
    p.add_argument("--ssh", metavar="[USER@]HOST[:PORT]", help="tunnel through SSH (or ALECS_SSH)")
    p.add_argument("--ssh-config", metavar="PATH", help=f"OpenSSH client config (default {DEFAULT_SSH_CONFIG})")
    p.add_argument("--known-hosts", metavar="PATH", help="known_hosts file (default ~/.ssh/known_hosts)")
    p.add_argument("--identity", metavar="PATH", action="append", default=[], help="SSH key file (repeatable)")
    p.add_argument("--ca-file", metavar="PATH", help="CA bundle for wss:// with a private CA")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more diagnostics on stderr")


def build_parser(command: str) -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    if command == "check":
        p = argparse.ArgumentParser(
            prog="alecs-tunnel check",
            description="Connect as `run` would, run initialize and tools/list, and report.",
            epilog=EPILOG,
            formatter_class=fmt,
        )
        _common(p)
        return p
    if command == "config":
        p = argparse.ArgumentParser(
            prog="alecs-tunnel config",
            description="Print or write client configuration.",
            formatter_class=fmt,
        )
        sub = p.add_subparsers(dest="client", required=True)
        c = sub.add_parser(
            "claude",
            help="mcpServers entry for Claude Desktop",
            description="Print the mcpServers entry for Claude Desktop (token in env); --write merges it.",
            epilog=where_text(),
            formatter_class=fmt,
        )
        _common(c)
        c.add_argument("--name", default="alecs", help="server name in mcpServers (default alecs)")
        c.add_argument("--write", action="store_true", help="merge into Claude Desktop's config (keeps a backup)")
        c.add_argument("--config-file", metavar="PATH", help="config file to write (default: this OS's)")
        return p
    p = argparse.ArgumentParser(
        prog="alecs-tunnel",
        description=(
            "Relay MCP JSON-RPC between stdio (Claude Desktop) and the alecs WebSocket server, "
            "directly or through SSH.\nsubcommands: run (default), check, config claude"
        ),
        epilog=EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("--version", action="version", version=f"alecs-tunnel {__version__}")
    _common(p)
    p.add_argument("--queue-timeout", type=float, metavar="SECONDS", help="wait for a reconnect (default 30)")
    return p


def _opt(args: argparse.Namespace, name: str, env: str) -> str | None:
    value = getattr(args, name, None)
    return value or os.environ.get(env) or None


def settings_from(args: argparse.Namespace, *, need_token: bool = True) -> Settings:
    url = check_url(args.url or os.environ.get("ALECS_WS_URL") or DEFAULT_URL)
    ssh_spec = _opt(args, "ssh", "ALECS_SSH")
    ssh = None
    if ssh_spec:
        identities = list(args.identity or [])
        if not identities and os.environ.get("ALECS_IDENTITY"):
            identities = [os.environ["ALECS_IDENTITY"]]
        ssh = SshSettings(
            target=SshTarget.parse(ssh_spec),
            ssh_config=_opt(args, "ssh_config", "ALECS_SSH_CONFIG") or DEFAULT_SSH_CONFIG,
            known_hosts=_opt(args, "known_hosts", "ALECS_KNOWN_HOSTS"),
            identities=tuple(identities),
        )
    token = load_token() if need_token else ""
    return Settings(url=url, token=token, ssh=ssh, ca_file=_opt(args, "ca_file", "ALECS_CA_FILE"))


def _logging(verbose: int, default: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else default
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("alecs-tunnel: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    paramiko_log = logging.getLogger("paramiko")
    paramiko_log.propagate = False  # its channel-open errors are reported by us, diagnosed
    paramiko_log.handlers[:] = [handler if verbose > 2 else logging.NullHandler()]


def _queue_timeout(args: argparse.Namespace) -> float:
    if args.queue_timeout is not None:
        return float(args.queue_timeout)
    try:
        return float(os.environ.get("ALECS_TUNNEL_QUEUE_TIMEOUT", "30"))
    except ValueError:
        raise ConfigError("ALECS_TUNNEL_QUEUE_TIMEOUT must be a number of seconds") from None


def cmd_run(args: argparse.Namespace) -> int:
    _logging(args.verbose, logging.INFO)
    settings = settings_from(args)
    ssh = SshConnection(settings.ssh) if settings.ssh else None
    connector = _connector(settings, ssh) if settings.secure else None  # loads the CA file: errors come first
    log.info("alecs-tunnel %s relaying stdio to %s", __version__, route(settings, ssh.describe() if ssh else None))
    queue_timeout = _queue_timeout(args)
    pool = ThreadPoolExecutor(thread_name_prefix="alecs-tunnel")  # becomes the event loop's thread pool
    if ssh is not None:
        ssh.connect_on(pool)  # connect to sshd while websockets and asyncio are imported
    from .connect import run_loop
    from .relay import RelayOptions, run_relay, stdio_streams

    connector = connector or _connector(settings, ssh)
    stdin, stdout = stdio_streams()
    return run_loop(run_relay(connector, RelayOptions(queue_timeout=queue_timeout), stdin, stdout), pool)


def _connector(settings: Settings, ssh: SshConnection | None) -> Connector:
    from .connect import Connector

    return Connector(settings, ssh)


def cmd_check(args: argparse.Namespace) -> int:
    from .check import run_check
    from .connect import run_loop

    _logging(args.verbose, logging.WARNING)
    connector = _connector(settings_from(args), None)
    return run_loop(run_check(connector, sys.stdout, sys.stderr))


def cmd_config_claude(args: argparse.Namespace) -> int:
    _logging(args.verbose, logging.WARNING)
    settings = settings_from(args, need_token=False)
    paths = {}
    for name, var in PATH_ENV.items():
        value = _opt(args, name, var)
        if value and (name != "ssh_config" or settings.ssh):
            paths[var] = value
    if settings.ssh and settings.ssh.identities:
        paths["ALECS_IDENTITY"] = settings.ssh.identities[0]
    entry = build_entry(
        url=settings.url,
        ssh=str(settings.ssh.target) if settings.ssh else None,
        token=os.environ.get("ALECS_TOKEN", "").strip() or None,
        token_file=os.environ.get("ALECS_TOKEN_FILE"),
        paths=paths,
    )
    if "<paste" in entry["env"].get("ALECS_TOKEN", ""):
        say("alecs-tunnel: warning: neither ALECS_TOKEN nor ALECS_TOKEN_FILE is set", sys.stderr)
    if not args.write:
        say(json.dumps({"mcpServers": {args.name: entry}}, indent=2), sys.stdout)
        say(where_text() + "\nMerge it into that file with: alecs-tunnel config claude --write", sys.stderr)
        return EXIT_OK
    path = Path(args.config_file) if args.config_file else default_config_path()
    backup = merge(path.expanduser(), args.name, entry)
    say(f"wrote mcpServers.{args.name} to {path}", sys.stdout)
    if backup:
        say(f"backup of the previous file: {backup}", sys.stdout)
    say("restart Claude Desktop to load it", sys.stdout)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in ("run", "check", "config") else "run"
    if argv and argv[0] == command:
        argv = argv[1:]
    parser = build_parser(command)
    try:
        args = parser.parse_args(argv)
    except SystemExit:  # --help, --version or a usage error, printed: flush now, where a closed pipe is caught
        flush(sys.stdout)
        raise
    try:
        if command == "check":
            return cmd_check(args)
        if command == "config":
            return cmd_config_claude(args)
        return cmd_run(args)
    except ConfigError as e:
        say(f"alecs-tunnel: {e.message}", sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
