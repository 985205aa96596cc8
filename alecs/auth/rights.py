"""What a new token may do, validated in one place for every way a token is made (`alecs token`, the MCP token
tools, anything else that calls `TokenStore.generate`).

Restrictions are refused rather than guessed at: an empty list would silently mean "unrestricted", a NaN expiry
"never", a huge one an overflow. The bounds (decisions, documented in README):

- expiry: a finite number of days, more than 0 and at most 3650 (ten years);
- customers: 1 to 50 `.edgerc` section names (no commas, brackets or control characters, at most 100 characters);
- toolsets: 1 to 50 names of Akamai toolsets, among those the caller knows (`known_toolsets`: the tool registry's,
  given by `alecs token` and the MCP token tools, so that this module needs no import of the tools); the token and
  catalogue tools are governed by scope, not by this;
- max sessions: 1 to 10,000 open connections and HTTP sessions at a time;
- rate: 1 to 60,000 tool calls a minute, written `120`, `120/min`, `2/s` or `600/h` (a whole number a minute);
- networks: `staging`, `production` or both (both is the same as no restriction);
- confirm: `elicit`, `require` or `off`;
- scope `metrics` (reads `GET /metrics`, nothing else) takes none of the restrictions above: they would not apply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from alecs.errors import AlecsError
from alecs.principal import CONFIRM_POLICIES, METRICS, NETWORKS, TOKEN_SCOPES, ConfirmPolicy, Network, Scope

MAX_EXPIRY_DAYS = 3650
MAX_NAMES = 50
MAX_SESSIONS = 10_000
MAX_RATE_PER_MINUTE = 60_000
MAX_DESCRIPTION = 200
_SECTION = re.compile(r"^[^\x00-\x1f\x7f,\[\]]{1,100}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RATE = re.compile(r"^(\d+)\s*(?:/\s*(s|sec|second|m|min|minute|h|hr|hour))?$", re.I)
_PER_MINUTE = {"s": 60.0, "sec": 60.0, "second": 60.0, "m": 1.0, "min": 1.0, "minute": 1.0,
               "h": 1 / 60, "hr": 1 / 60, "hour": 1 / 60}
Names = Sequence[str] | str | None


class InvalidTokenSetting(AlecsError):
    """A token setting that cannot be stored (empty list, unknown name, out of range)."""


@dataclass(frozen=True)
class TokenRights:
    """A token's scope and restrictions, as stored on its record (None: unrestricted / the server's default)."""

    scope: Scope = "read"
    description: str = ""
    customers: tuple[str, ...] | None = None
    toolsets: tuple[str, ...] | None = None
    max_sessions: int | None = None
    rate_per_minute: int | None = None
    networks: tuple[Network, ...] | None = None
    confirm: ConfirmPolicy | None = None


def validate_rights(*, scope: str = "read", description: str = "", customers: Names = None, toolsets: Names = None,
                    max_sessions: int | None = None, rate_per_minute: int | str | None = None,
                    networks: Names = None, confirm: str | None = None,
                    known_toolsets: Collection[str] | None = None) -> TokenRights:
    """The rights for a new token, or InvalidTokenSetting naming what is wrong and what would be right.

    `known_toolsets`: the toolset names a token may be restricted to (required when `toolsets` is given)."""
    if scope not in TOKEN_SCOPES:
        raise InvalidTokenSetting(f"Unknown scope '{scope}': use one of {', '.join(TOKEN_SCOPES)}.")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION or _CONTROL.search(description):
        raise InvalidTokenSetting(f"The description must be at most {MAX_DESCRIPTION} characters on one line.")
    restricted = [name for name, value in (("customers", customers), ("toolsets", toolsets), ("max-sessions",
                  max_sessions), ("rate", rate_per_minute), ("networks", networks), ("confirm", confirm))
                  if value is not None]
    if scope == METRICS and restricted:
        raise InvalidTokenSetting(f"A metrics token reads /metrics and nothing else: {', '.join(restricted)} "
                                  f"would not apply to it. Leave {'it' if len(restricted) == 1 else 'them'} out.")
    return TokenRights(
        scope=scope, description=description, customers=_customers(customers),
        toolsets=_toolsets(toolsets, known_toolsets), max_sessions=_max_sessions(max_sessions),
        rate_per_minute=parse_rate(rate_per_minute), networks=_networks(networks), confirm=_confirm(confirm))


def lifetime_seconds(expires_in_days: float | None) -> float | None:
    """Seconds until expiry for `--expires-in-days` (None: never)."""
    if expires_in_days is None:
        return None
    if isinstance(expires_in_days, bool) or not isinstance(expires_in_days, int | float) \
            or not math.isfinite(expires_in_days) or not 0 < expires_in_days <= MAX_EXPIRY_DAYS:
        raise InvalidTokenSetting(f"expires-in-days must be a number of days above 0 and at most "
                                  f"{MAX_EXPIRY_DAYS} (ten years), not {expires_in_days!r}.")
    return float(expires_in_days) * 86400.0


def parse_rate(value: int | str | None) -> int | None:
    """Tool calls a minute from `120`, `"120/min"`, `"2/s"` or `"600/h"`; None stays None (the server's default)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidTokenSetting("rate must be a number of calls, like 120/min.")
    if isinstance(value, int):
        per_minute = float(value)
    else:
        match = _RATE.match(str(value).strip())
        if match is None:
            raise InvalidTokenSetting(f"rate '{value}' is not a rate: write it like 120/min, 2/s or 600/h.")
        per_minute = int(match.group(1)) * _PER_MINUTE[(match.group(2) or "min").lower()]
    if per_minute != int(per_minute):
        raise InvalidTokenSetting(f"rate '{value}' is not a whole number of calls a minute.")
    if not 1 <= per_minute <= MAX_RATE_PER_MINUTE:
        raise InvalidTokenSetting(f"rate must be between 1/min and {MAX_RATE_PER_MINUTE}/min, not {value}.")
    return int(per_minute)


def _names(value: Names, what: str, example: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) for v in items):
        raise InvalidTokenSetting(f"{what} must be names, like {example}.")
    names = tuple(dict.fromkeys(v.strip() for v in items if v.strip()))
    if not names:
        raise InvalidTokenSetting(f"{what} is empty, which would not restrict anything: name at least one "
                                  f"(like {example}), or leave {what} out for no restriction.")
    if len(names) > MAX_NAMES:
        raise InvalidTokenSetting(f"{what}: at most {MAX_NAMES} names.")
    return names


def _customers(value: Names) -> tuple[str, ...] | None:
    names = _names(value, "customers", "default,acme")
    for name in names or ():
        if not _SECTION.match(name):
            raise InvalidTokenSetting(f"customers: '{name}' is not an .edgerc section name.")
    return names


def _toolsets(value: Names, known_toolsets: Collection[str] | None) -> tuple[str, ...] | None:
    names = _names(value, "toolsets", "dns,purge")
    if names is None:
        return None
    if known_toolsets is None:
        raise ValueError("restricting a token's toolsets needs the known toolset names (known_toolsets)")
    known = sorted(known_toolsets)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidTokenSetting(f"Unknown toolset{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
                                  f"use {', '.join(known)}.")
    return names


def _max_sessions(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SESSIONS:
        raise InvalidTokenSetting(f"max-sessions must be a whole number from 1 to {MAX_SESSIONS}, not {value!r}.")
    return value


def _networks(value: Names) -> tuple[Network, ...] | None:
    names = _names(value, "networks", "staging")
    if names is None:
        return None
    unknown = [n for n in names if n.lower() not in NETWORKS]
    if unknown:
        raise InvalidTokenSetting(f"Unknown network {', '.join(unknown)}: use staging, production or both.")
    chosen = tuple(n for n in NETWORKS if n in {x.lower() for x in names})
    return None if len(chosen) == len(NETWORKS) else chosen


def _confirm(value: str | None) -> ConfirmPolicy | None:
    if value is None:
        return None
    if value not in CONFIRM_POLICIES:
        raise InvalidTokenSetting(f"Unknown confirm policy '{value}': use {', '.join(CONFIRM_POLICIES)}.")
    return value
