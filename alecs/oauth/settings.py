"""OAuth settings: on or off, the URLs clients see, lifetimes and bounds (environment, documented in README).

OAuth is off by default: Cursor stops sending configured headers once a server answers OAuth discovery, so turning
it on changes what some existing bearer-token setups do. `--oauth` / `ALECS_OAUTH=1` turns it on, on the Streamable
HTTP transport only.

The public URL (`ALECS_PUBLIC_URL`, e.g. `https://mcp.example.com/mcp`) is the resource clients connect to; the
authorization server (issuer) is its origin, `https://mcp.example.com`, with its endpoints at the root
(`/authorize`, `/token`, ...). Without it, a server on loopback uses the URL it listens on; anywhere else it must be
set (the issuer must be the name clients use, and HTTPS, or tokens and codes would cross the network in clear).
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from alecs.auth.hosts import PUBLIC_URL_ENV
from alecs.errors import ConfigError

OAUTH_ENV = "ALECS_OAUTH"
PRM_PATH = "/.well-known/oauth-protected-resource"
AS_METADATA_PATH = "/.well-known/oauth-authorization-server"


@dataclass(frozen=True)
class OAuthUrls:
    """The resource (MCP endpoint) and authorization server URLs as clients see them."""

    resource: str  # https://mcp.example.com/mcp
    issuer: str  # https://mcp.example.com

    @property
    def resource_path(self) -> str:
        return urlsplit(self.resource).path.rstrip("/")

    @property
    def resource_metadata(self) -> str:
        """RFC 9728 §3.1: the well-known path inserted between host and resource path."""
        return f"{self.issuer}{PRM_PATH}{self.resource_path}"

    def endpoint(self, path: str) -> str:
        return f"{self.issuer}{path}"

    @property
    def secure(self) -> bool:
        return self.issuer.startswith("https://")


def _is_loopback_host(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def urls_for(public_url: str) -> OAuthUrls:
    """The URLs from a public URL; a ConfigError explains what is wrong with it."""
    parts = urlsplit(public_url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.query or parts.fragment or parts.username:
        raise ConfigError(f"{PUBLIC_URL_ENV} must be the HTTPS URL clients use for MCP, like "
                          f"https://mcp.example.com/mcp (no query, fragment or credentials); got '{public_url}'.")
    if parts.scheme == "http" and not _is_loopback_host(host):
        raise ConfigError(f"OAuth needs an https:// {PUBLIC_URL_ENV} (got '{public_url}'): authorization codes and "
                          f"tokens must not cross the network in clear text. Plain http is accepted on loopback only.")
    netloc = parts.netloc.lower()
    if (parts.scheme, parts.port) in (("https", 443), ("http", 80)):  # as browsers write an Origin
        netloc = netloc.rsplit(":", 1)[0]
    return OAuthUrls(resource=f"{parts.scheme}://{netloc}{parts.path.rstrip('/') or ''}",
                     issuer=f"{parts.scheme}://{netloc}")


@dataclass(frozen=True)
class OAuthSettings:
    """What the authorization server does, and how much it accepts (defaults are the README's)."""

    enabled: bool = False
    public_url: str | None = None  # None: the URL the server listens on (loopback only)
    access_seconds: float = 3600.0  # access token lifetime
    refresh_days: float = 30.0  # refresh token lifetime; each rotation starts it again; never past the alecs token
    code_seconds: float = 60.0  # authorization code lifetime (single use)
    consent_seconds: float = 600.0  # how long a consent page stays valid
    max_clients: int = 1000  # registered clients kept; the oldest never-approved ones are evicted first
    registrations_per_minute: int = 10  # per client address (loopback and trusted proxies are not addresses)
    registrations_per_minute_total: int = 120  # all addresses together
    max_body_bytes: int = 16 * 1024  # any request to the OAuth endpoints, registration included
    metadata_max_bytes: int = 16 * 1024  # a client ID metadata document
    metadata_timeout: float = 5.0  # fetching one
    metadata_allow_private: bool = False  # fetch metadata documents from private and loopback addresses (tests)
    metadata_ca_file: str | None = None  # trust this CA for metadata documents (default: the system's)

    @property
    def refresh_seconds(self) -> float:
        return self.refresh_days * 86400.0

    def check(self, *, transport: str, listen_url: str, listen_loopback: bool) -> None:
        """Refuse settings OAuth cannot work with, saying what to set."""
        if not self.enabled:
            return
        if transport != "http":
            raise ConfigError("OAuth is served on the Streamable HTTP transport: use --transport http with --oauth "
                              "(the WebSocket transport keeps bearer tokens only).")
        if self.public_url:
            urls_for(self.public_url)
        elif not listen_loopback:
            raise ConfigError(f"With OAuth on a non-loopback address, set {PUBLIC_URL_ENV} to the URL clients use "
                              f"(like https://mcp.example.com/mcp): it is the issuer and resource clients check.")
        else:
            urls_for(listen_url)

    def urls(self, listen_url: str) -> OAuthUrls:
        return urls_for(self.public_url or listen_url)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not '{value}'.") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, not {value}.")
    return number


def oauth_settings(enabled: bool, env: Mapping[str, str] | None = None) -> OAuthSettings:
    """The settings from `--oauth` (or ALECS_OAUTH) and the environment."""
    env = os.environ if env is None else env
    flag = env.get(OAUTH_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    return OAuthSettings(
        enabled=enabled or flag,
        public_url=env.get(PUBLIC_URL_ENV, "").strip() or None,
        access_seconds=_number(env, "ALECS_OAUTH_ACCESS_TOKEN_SECONDS", 3600, 1, 86400),
        refresh_days=_number(env, "ALECS_OAUTH_REFRESH_TOKEN_DAYS", 30, 0.001, 365),
        max_clients=int(_number(env, "ALECS_OAUTH_MAX_CLIENTS", 1000, 1, 100_000)),
        registrations_per_minute=int(_number(env, "ALECS_OAUTH_REGISTRATIONS_PER_MINUTE", 10, 1, 10_000)),
        metadata_allow_private=env.get("ALECS_OAUTH_ALLOW_PRIVATE_METADATA", "").strip().lower()
        in ("1", "true", "yes", "on"),
        metadata_ca_file=env.get("ALECS_OAUTH_METADATA_CA_FILE", "").strip() or None)
