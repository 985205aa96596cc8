"""``alecs-tunnel config claude``: the mcpServers entry for Claude Desktop, printed or merged."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .errors import TOKEN_COMMANDS, ConfigError

CONFIG_NAME = "claude_desktop_config.json"
LOCATIONS = {
    "macOS": f"~/Library/Application Support/Claude/{CONFIG_NAME}",
    "Windows": rf"%APPDATA%\Claude\{CONFIG_NAME}",
    "Linux": f"~/.config/Claude/{CONFIG_NAME}",
}


def default_config_path(platform: str | None = None, env: dict[str, str] | None = None) -> Path:
    platform = platform or sys.platform
    env = dict(os.environ) if env is None else env
    if platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Claude" / CONFIG_NAME
    if platform == "win32":
        base = env.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "Claude" / CONFIG_NAME
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "Claude" / CONFIG_NAME


def tunnel_command() -> list[str]:
    """Absolute paths: Claude Desktop starts servers with a minimal PATH."""
    found = shutil.which("alecs-tunnel")
    if found:
        return [str(Path(found).resolve())]
    argv0 = Path(sys.argv[0])
    if argv0.name.startswith("alecs-tunnel") and argv0.exists():
        return [str(argv0.resolve())]
    return [sys.executable, "-m", "alecs_tunnel"]  # run as `python -m alecs_tunnel`, not installed as a script


def build_entry(
    *,
    url: str,
    ssh: str | None,
    token: str | None,
    token_file: str | None,
    paths: dict[str, str],
    command: list[str] | None = None,
) -> dict[str, Any]:
    """The server entry. Everything but --ssh goes into env: Claude Desktop on Windows
    splits arguments with spaces, and the token must never be an argument."""
    env: dict[str, str] = {"ALECS_WS_URL": url}
    if token:
        env["ALECS_TOKEN"] = token
    elif token_file:
        env["ALECS_TOKEN_FILE"] = str(Path(token_file).expanduser().resolve())
    else:
        env["ALECS_TOKEN"] = f"<paste the token from {TOKEN_COMMANDS} here>"
    for var, value in paths.items():
        env[var] = str(Path(value).expanduser().resolve())
    exe, *prefix = command or tunnel_command()
    args = [*prefix, "--ssh", ssh] if ssh else prefix
    return {"command": exe, "args": args, "env": env}


def merge(path: Path, name: str, entry: dict[str, Any]) -> Path | None:
    """Merge ``entry`` as mcpServers[name] into ``path``; return the backup's path (if any)."""
    data: dict[str, Any] = {}
    backup: Path | None = None
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if text.strip():
            try:
                data = json.loads(text)
            except ValueError as e:
                raise ConfigError(f"{path} is not valid JSON ({e}); not touching it") from None
            if not isinstance(data, dict):
                raise ConfigError(f"{path} does not hold a JSON object; not touching it")
        backup = path.with_name(f"{path.name}.bak-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while backup.exists():
            backup = path.with_name(f"{path.name}.bak-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
            n += 1
        shutil.copy2(path, backup)
    servers = data.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise ConfigError(f"{path}: mcpServers is not an object; not touching it")
    servers[name] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds a token
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    return backup


def where_text() -> str:
    return "Claude Desktop reads its config from:\n" + "\n".join(
        f"  {os_name:<8} {loc}" for os_name, loc in LOCATIONS.items()
    )
