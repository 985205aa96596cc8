"""What to connect to, from the command line and the environment (light: no websockets, no asyncio)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import TOKEN_COMMANDS, ConfigError
from .ssh_config import SshSettings

DEFAULT_URL = "ws://127.0.0.1:8082/mcp"


@dataclass
class Settings:
    url: str
    token: str = field(repr=False)
    ssh: SshSettings | None = None
    ca_file: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "wss" else 80)

    @property
    def secure(self) -> bool:
        return urlsplit(self.url).scheme == "wss"


def route(settings: Settings, ssh: str | None) -> str:
    """How the server is reached, for messages; ``ssh`` is ``SshConnection.describe()``."""
    if ssh:
        return f"{ssh} -> {settings.host}:{settings.port} ({settings.url})"
    return settings.url


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - validates the port
    except ValueError as e:
        raise ConfigError(f"invalid URL {url!r}: {e}") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ConfigError(f"invalid URL {url!r}: expected ws://host:port/path or wss://host/path")
    return url


def load_token(env: dict[str, str] | None = None) -> str:
    """The token from ALECS_TOKEN or ALECS_TOKEN_FILE (never from argv)."""
    env = dict(os.environ) if env is None else env
    token = env.get("ALECS_TOKEN", "").strip()
    source = "ALECS_TOKEN"
    if not token and env.get("ALECS_TOKEN_FILE"):
        path = Path(env["ALECS_TOKEN_FILE"]).expanduser()
        source = f"ALECS_TOKEN_FILE ({path})"
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"cannot read the token file {path}: {e.strerror or e}") from None
    if not token:
        raise ConfigError(
            "no token: set ALECS_TOKEN, or ALECS_TOKEN_FILE to a file holding it "
            f"(create one on the server with {TOKEN_COMMANDS})"
        )
    if not token.isascii() or any(c.isspace() or not c.isprintable() for c in token):
        raise ConfigError(f"the token from {source} contains spaces or control characters")
    return token
