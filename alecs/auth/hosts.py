"""Which `Host` a request may name: the DNS-rebinding guard of remote serving.

A web page can make a browser send requests to a name the attacker controls that resolves to 127.0.0.1; the
`Host` header then carries the attacker's name. alecs serves only the names it is known by:

- loopback names (`localhost`) and every IP address but 0.0.0.0 and :: (`127.0.0.1`, `[::1]`, `10.0.0.5`): an
  address involves no DNS, so it cannot be rebound (decision: clients that connect by address, such as SSH tunnels
  and hosts without DNS names, need no setting);
- the listen address (`--host` / `ALECS_WS_HOST`), unless it is a wildcard (0.0.0.0, ::);
- the host of `ALECS_PUBLIC_URL` (the URL clients use, e.g. `https://mcp.example.com/mcp`);
- the names and addresses of the TLS certificate being served (its subjectAltName);
- `ALECS_ALLOWED_HOSTS`: comma-separated names or addresses, `*.example.com` for every subdomain, or `*` to turn
  the check off (only behind a proxy that checks Host itself).

The port of the header is not compared (a rebinding attack needs a foreign name, not a foreign port).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from alecs.errors import ConfigError

log = logging.getLogger(__name__)

ALLOWED_HOSTS_ENV = "ALECS_ALLOWED_HOSTS"
PUBLIC_URL_ENV = "ALECS_PUBLIC_URL"
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback", "127.0.0.1", "::1"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "*"})
_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_.-]{0,251}[a-z0-9_])?$")


@functools.lru_cache(maxsize=1024)  # a server sees few distinct Host values
def host_name(value: str) -> str | None:
    """The name of a `Host` value, without port or brackets, lower case, no trailing dot; None if malformed."""
    text = value.strip().lower()
    if text.startswith("["):
        inner, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not re.fullmatch(r":\d{1,5}", rest)):
            return None
        text = inner
    elif text.count(":") == 1:
        text, _, port = text.partition(":")
        if not port.isdigit():
            return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    text = text.rstrip(".")
    return text if _NAME.match(text) else None


@dataclass(frozen=True)
class HostAllowList:
    """The names a request's `Host` may carry (loopback names and IP addresses are always in)."""

    names: frozenset[str] = LOOPBACK_NAMES
    suffixes: tuple[str, ...] = ()  # from "*.example.com": ".example.com"
    anything: bool = False

    def allows(self, values: list[str]) -> bool:
        """True for exactly one Host header naming an allowed host."""
        if self.anything:
            return True
        if len(values) != 1:
            return False
        name = host_name(values[0])
        if name is None:
            return False
        if name in self.names or any(name.endswith(s) for s in self.suffixes):
            return True
        try:
            return not ipaddress.ip_address(name).is_unspecified
        except ValueError:
            return False

    def describe(self) -> str:
        """The allowed names, for an error message or a startup log line."""
        if self.anything:
            return "any"
        return ", ".join(sorted(self.names) + [f"*{s}" for s in self.suffixes] + ["IP addresses"])


def host_allow_list(*, listen_host: str = "127.0.0.1", public_url: str | None = None, allowed: str | None = None,
                    certificate: str | None = None) -> HostAllowList:
    """The allow-list from the settings; a malformed entry or URL is a ConfigError that names it."""
    names, suffixes = set(LOOPBACK_NAMES), []
    if listen_host.strip().strip("[]") not in WILDCARD_BINDS:
        name = host_name(listen_host)
        if name:
            names.add(name)
    if public_url:
        host = urlsplit(public_url.strip()).hostname
        if not host or urlsplit(public_url.strip()).scheme not in ("http", "https", "ws", "wss"):
            raise ConfigError(f"{PUBLIC_URL_ENV} must be the URL clients use, like https://mcp.example.com/mcp; "
                              f"got '{public_url}'.")
        names.add(host_name(host) or host)
    entries = [e.strip() for e in (allowed or "").split(",") if e.strip()]
    if "*" in entries:
        return HostAllowList(anything=True)
    for entry in entries + certificate_names(certificate):
        if entry.startswith("*."):
            suffix = host_name(entry[2:])
            if suffix is None:
                raise ConfigError(f"{ALLOWED_HOSTS_ENV}: '{entry}' is not a host name pattern.")
            suffixes.append("." + suffix)
            continue
        name = host_name(entry)
        if name is None:
            raise ConfigError(f"{ALLOWED_HOSTS_ENV}: '{entry}' is not a host name or address "
                              f"(for example mcp.example.com, *.example.com or 10.0.0.5).")
        names.add(name)
    return HostAllowList(frozenset(names), tuple(dict.fromkeys(suffixes)))


def certificate_names(path: str | None) -> list[str]:
    """The DNS names and addresses of the first certificate of a PEM chain (subjectAltName); [] if unreadable."""
    if not path:
        return []
    from cryptography import x509  # noqa: PLC0415 - only remote serving with TLS needs it

    try:
        cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except Exception:  # no SAN, unreadable: TLS loading reports the file's problems with its own message
        log.debug("no subjectAltName read from %s", path, exc_info=True)
        return []
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return [str(n) for n in san.get_values_for_type(x509.DNSName)] + ips
