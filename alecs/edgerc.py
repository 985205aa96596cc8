"""`.edgerc` credentials: sections are accounts (customers)."""

from __future__ import annotations

import configparser
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alecs.errors import ConfigError

log = logging.getLogger(__name__)

REQUIRED = ("host", "client_token", "client_secret", "access_token")
ENV_KEYS = {
    "host": "AKAMAI_HOST",
    "client_token": "AKAMAI_CLIENT_TOKEN",
    "client_secret": "AKAMAI_CLIENT_SECRET",
    "access_token": "AKAMAI_ACCESS_TOKEN",
}


@dataclass(frozen=True)
class Credentials:
    """One `.edgerc` section. Secrets are excluded from repr."""

    section: str
    host: str
    client_token: str = field(repr=False)
    client_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    max_body: int = 131072
    account_key: str | None = None
    # Only the sandbox sets this: the CA bundle that signed the simulator's certificate.
    ca_bundle: str | None = field(default=None, compare=False)

    @property
    def base_url(self) -> str:
        host = self.host.rstrip("/")
        return host if host.startswith("https://") else f"https://{host}"


def default_edgerc_path(flag: str | None = None) -> Path:
    """`--edgerc`, then `AKAMAI_EDGERC`, then `~/.edgerc`."""
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get("AKAMAI_EDGERC")
    if env:
        return Path(env).expanduser()
    return Path("~/.edgerc").expanduser()


class Edgerc:
    """Reads sections lazily, so a server starts even before credentials exist."""

    def __init__(self, path: Path | None, *, use_env: bool = True) -> None:
        self.path = path
        self.use_env = use_env
        self._parser: configparser.ConfigParser | None = None
        self._mtime: float | None = None
        self._overrides: dict[str, Credentials] = {}

    def add(self, creds: Credentials) -> None:
        """Register credentials that do not come from the file (the sandbox account)."""
        self._overrides[creds.section] = creds

    def _read(self) -> configparser.ConfigParser | None:
        if self.path is None:
            return None
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        if self._parser is None or st.st_mtime != self._mtime:
            if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                log.warning("%s is readable by group or others; run: chmod 600 %s", self.path, self.path)
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read(self.path, encoding="utf-8")
            except configparser.Error as exc:
                raise ConfigError(f"{self.path} is not a valid .edgerc file: {exc.message}") from None
            self._parser, self._mtime = parser, st.st_mtime
        return self._parser

    def sections(self) -> list[str]:
        parser = self._read()
        names = set(self._overrides)
        if parser is not None:
            names.update(parser.sections())
        if self.use_env and all(os.environ.get(v) for v in ENV_KEYS.values()):
            names.add("default")
        return sorted(names)

    def get(self, section: str = "default") -> Credentials:
        if section in self._overrides:
            return self._overrides[section]
        parser = self._read()
        if parser is None or not parser.has_section(section):
            if section == "default" and self.use_env and all(os.environ.get(v) for v in ENV_KEYS.values()):
                values: dict[str, Any] = {k: os.environ[v] for k, v in ENV_KEYS.items()}
                return Credentials(section="default", **values)
            if self.path is None:
                known = ", ".join(sorted(self._overrides))
                raise ConfigError(f"Section [{section}] does not exist in the sandbox account (sections: {known}).")
            if parser is None:
                raise ConfigError(
                    f"No .edgerc file at {self.path}: create it (see README 'Use a real .edgerc'), "
                    "point --edgerc or AKAMAI_EDGERC at it, or start with --sandbox."
                )
            known = ", ".join(parser.sections()) or "none"
            raise ConfigError(f"Section [{section}] is not in {self.path} (sections: {known}).")
        data = parser[section]
        missing = [k for k in REQUIRED if not data.get(k, "").strip()]
        if missing:
            raise ConfigError(f"Section [{section}] of {self.path} is missing: {', '.join(missing)}.")
        try:
            max_body = int(data.get("max_body", "131072"))
        except ValueError:
            raise ConfigError(f"Section [{section}] of {self.path}: max_body must be a number.") from None
        account_key = (data.get("account_key") or data.get("account_switch_key") or "").strip() or None
        return Credentials(
            section=section,
            host=data["host"].strip(),
            client_token=data["client_token"].strip(),
            client_secret=data["client_secret"].strip(),
            access_token=data["access_token"].strip(),
            max_body=max_body,
            account_key=account_key,
            ca_bundle=(data.get("ca_bundle") or "").strip() or None,
        )
