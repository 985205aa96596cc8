"""Who is on the other end: the client address behind trusted proxies, and whether an address identifies anyone.

`ALECS_TRUSTED_PROXIES` (addresses or CIDRs, comma-separated) names the reverse proxies (nginx mode: 127.0.0.1)
whose `X-Forwarded-For` (or, when they send none, `Forwarded: for=`) is believed. The client is the rightmost hop
that is not itself a trusted proxy, so a client cannot prepend a fake address through a proxy that appends the real
one (nginx's `$proxy_add_x_forwarded_for`). From any other peer the headers are ignored. A proxy that writes only
`Forwarded` must drop an `X-Forwarded-For` sent by clients, since that one is read first.

An address counts failures only where it means one party: never loopback (every SSH tunnel and local proxy user
arrives from 127.0.0.1), never a trusted proxy, never something unparseable; IPv6 by /64 (what one host holds).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from alecs.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
HeaderLookup = Callable[[str], list[str]]
TRUSTED_PROXIES_ENV = "ALECS_TRUSTED_PROXIES"
_FOR = re.compile(r'(?:^|;)\s*for\s*=\s*("[^"]*"|[^;,\s]*)', re.I)


@functools.lru_cache(maxsize=4096)  # peers repeat; parsing is most of an admission's cost
def parse_ip(value: str) -> IPAddress | None:
    """An address from a peer or a forwarding header (`1.2.3.4`, `1.2.3.4:5`, `[::1]:5`, `::1`), else None."""
    text = value.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True)
class TrustedProxies:
    """The reverse proxies whose forwarding headers name the real client (none by default)."""

    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, value: str | None) -> TrustedProxies:
        """From `ALECS_TRUSTED_PROXIES`: `127.0.0.1, 10.0.0.0/8, ::1`; a bad entry is a ConfigError naming it."""
        networks: list[IPNetwork] = []
        for item in (value or "").split(","):
            item = item.strip()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ConfigError(f"{TRUSTED_PROXIES_ENV}: '{item}' is not an IP address or CIDR range "
                                  f"(for example 127.0.0.1 or 10.0.0.0/8).") from None
        return cls(tuple(networks))

    def trusts(self, ip: IPAddress | None) -> bool:
        return ip is not None and any(ip.version == n.version and ip in n for n in self.networks)

    def client(self, peer: str, headers: HeaderLookup) -> str:
        """The client's address: the peer itself, or what a trusted peer says it forwards for."""
        peer_ip = parse_ip(peer)
        if not self.networks or not self.trusts(peer_ip):
            return str(peer_ip) if peer_ip is not None else peer
        hops = _forwarded_for(headers)
        for hop in reversed(hops):
            ip = parse_ip(hop)
            if ip is None:  # "unknown", an obfuscated name, garbage: nothing further left can be believed
                break
            if not self.trusts(ip):
                return str(ip)
        return str(peer_ip)

    def failure_key(self, client: str) -> str | None:
        """The address to count failures against, or None where an address names no single party."""
        ip = parse_ip(client)
        if ip is None or ip.is_loopback or ip.is_unspecified or self.trusts(ip):
            return None
        if isinstance(ip, ipaddress.IPv6Address):
            return str(ipaddress.IPv6Network((ip, 64), strict=False))
        return str(ip)


def _forwarded_for(headers: HeaderLookup) -> list[str]:
    """The forwarding chain, client first: X-Forwarded-For, or else RFC 7239 Forwarded's for= parameters."""
    xff = [hop.strip() for line in headers("x-forwarded-for") for hop in line.split(",") if hop.strip()]
    if xff:
        return xff
    return [m.group(1) for line in headers("forwarded") for element in line.split(",")
            for m in [_FOR.search(element)] if m is not None]
