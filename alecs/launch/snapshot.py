"""Start-up snapshots on disk: the server's answers to opening requests, keyed by everything that shapes them.

Standard library only: the front reads these before anything else is imported.

- `server_key` covers the snapshot format, alecs' version, every file of the `alecs` package (path, size and
  modification time), the installed MCP SDK and pydantic (their distribution names carry the versions), the Python
  version, the `serve` options, every `ALECS_*` environment variable, `AKAMAI_EDGERC` and whether a token store is
  configured (`TOKEN_MASTER_KEY` set; never its value). Any change gives a new key, hence no stale answer.
- `request_key` is the canonical text of one request: its method and parameters and, after an `initialize`
  handshake, that handshake's parameters (the negotiated version shapes the answers that follow).
- A snapshot file holds the request key and the answer line exactly as the SDK wrote it, its id replaced by
  `ID_MARK`; `SnapshotStore.answer` puts the client's id back.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import alecs

FORMAT = 1
ID_MARK = "alecs-snapshot-id"
ANSWER_HEAD = '{"jsonrpc":"2.0","id":"' + ID_MARK + '",'  # how every kept answer line starts
# Requests whose answer depends only on the server's configuration and the handshake, never on what a session did.
LISTINGS = frozenset({"tools/list", "prompts/list", "resources/list", "resources/templates/list", "server/discover"})
INITIALIZE = "initialize"
INITIALIZED = "notifications/initialized"
MODERN_VERSION_KEY = "io.modelcontextprotocol/protocolVersion"  # the 2026-07-28 per-request envelope
SWITCH_ENV = "ALECS_STARTUP_SNAPSHOT"  # 0/off/false/no: no front, the SDK answers everything
CACHE_ENV = "ALECS_CACHE_DIR"
DEPENDENCIES = ("mcp", "mcp_types", "pydantic", "pydantic_core")
KEEP = 16  # snapshot folders kept (one per key: configurations and versions in use); older ones are removed


def enabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether launches use start-up snapshots (`ALECS_STARTUP_SNAPSHOT`, default on)."""
    value = (os.environ if env is None else env).get(SWITCH_ENV, "").strip().lower()
    return value not in ("0", "off", "false", "no")


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    """`ALECS_CACHE_DIR`, else the platform's per-user cache folder, then `alecs`."""
    env = os.environ if env is None else env
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "alecs" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "alecs"
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "alecs"


def _package_files(root: str, prefix: str = "") -> Iterable[str]:
    """`path:size:mtime` of every file under `root` (but `__pycache__` and hidden folders), in a stable order."""
    with os.scandir(root) as found:
        entries = sorted(found, key=lambda e: e.name)
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__" and not entry.name.startswith("."):
                yield from _package_files(entry.path, f"{prefix}{entry.name}/")
        else:
            st = entry.stat()
            yield f"{prefix}{entry.name}:{st.st_size}:{st.st_mtime_ns}"


def _distributions() -> list[str]:
    """The installed distributions of the SDK and pydantic, by their `.dist-info` names (which carry versions)."""
    prefixes = tuple(f"{name}-" for name in DEPENDENCIES)
    found: list[str] = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found += [n for n in names if n.endswith(".dist-info") and n.startswith(prefixes)]
    return sorted(found)


def server_key(options: Mapping[str, Any], env: Mapping[str, str] | None = None) -> str:
    """The key of every answer a server launched with `options` (the `serve` flags) gives, in this installation."""
    env = os.environ if env is None else env
    digest = hashlib.sha256()
    parts: list[str] = [f"format {FORMAT}", f"alecs {alecs.__version__}", f"python {sys.version}",
                        json.dumps(dict(options), sort_keys=True, default=str),
                        f"token store {bool(env.get('TOKEN_MASTER_KEY', '').strip())}",
                        f"edgerc {env.get('AKAMAI_EDGERC', '')}"]
    parts += sorted(f"{k}={v}" for k, v in env.items() if k.startswith("ALECS_"))
    parts += _distributions()
    parts += _package_files(os.path.dirname(os.path.abspath(alecs.__file__)))
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:32]


def request_key(opening: Mapping[str, Any] | None, method: str, params: Any) -> str:
    """The canonical text of a request, after the `initialize` parameters `opening` (None: no handshake)."""
    return json.dumps([opening, method, params], sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_modern(params: Any) -> bool:
    """Whether a request carries the 2026-07-28 per-request envelope (no handshake in that era)."""
    meta = params.get("_meta") if isinstance(params, dict) else None
    return isinstance(meta, dict) and MODERN_VERSION_KEY in meta


class SnapshotStore:
    """The snapshot files of one server key (a folder under the cache root)."""

    def __init__(self, root: Path, key: str) -> None:
        self.root, self.key = root, key
        self.folder = root / key

    @classmethod
    def for_launch(cls, options: Mapping[str, Any], env: Mapping[str, str] | None = None) -> SnapshotStore | None:
        """The store for a launch with these `serve` options, or None when snapshots are off."""
        if not enabled(env):
            return None
        return cls(cache_root(env) / "startup", server_key(options, env))

    @staticmethod
    def _name(request: str) -> str:
        return hashlib.sha256(request.encode("utf-8", "surrogatepass")).hexdigest()[:40]

    def answer(self, request: str, ident: str | int) -> bytes | None:
        """The answer line (with its newline) to the request whose key is `request`, for id `ident`; None if no
        snapshot holds it."""
        try:
            data = (self.folder / self._name(request)).read_bytes()
        except OSError:
            return None
        stored, _, line = data.partition(b"\n")
        if stored.decode("utf-8", "surrogatepass") != request or not line.startswith(ANSWER_HEAD.encode()):
            return None
        ident_json = json.dumps(ident, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return line.replace(f'"{ID_MARK}"'.encode(), ident_json, 1)

    def save(self, answers: Mapping[str, str]) -> None:
        """Keep `answers` (request key -> answer line with `ID_MARK` as its id); each file is replaced atomically."""
        import tempfile  # only when saving: the front never needs it

        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for request, line in answers.items():
            if not line.startswith(ANSWER_HEAD) or "\n" in line:
                raise ValueError(f"not an answer line for the snapshot: {line[:80]!r}")
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".new-")
            with os.fdopen(fd, "wb") as out:
                out.write(request.encode("utf-8", "surrogatepass") + b"\n" + line.encode("utf-8", "surrogatepass")
                          + b"\n")
            os.replace(tmp, self.folder / self._name(request))
        self._prune()

    def discard(self) -> None:
        """Remove this key's snapshot (its answers proved stale)."""
        for path in self.folder.glob("*"):
            path.unlink(missing_ok=True)
        try:
            self.folder.rmdir()
        except OSError:
            pass

    def _prune(self) -> None:
        """Keep the `KEEP` most recently written snapshot folders."""
        folders = sorted((p for p in self.root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime,
                         reverse=True)
        for old in folders[KEEP:]:
            SnapshotStore(self.root, old.name).discard()
