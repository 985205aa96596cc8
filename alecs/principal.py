"""Who is calling: the local operator (stdio) or the holder of a remote token, and what they may use."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

Scope = Literal["read", "write", "admin", "metrics"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")  # the MCP scopes, each holding the ones before it
METRICS: Scope = "metrics"  # reads GET /metrics and nothing else (no MCP session, no OAuth grant)
TOKEN_SCOPES: tuple[Scope, ...] = (*SCOPES, METRICS)  # what a token may be made with
Network = Literal["staging", "production"]
NETWORKS: tuple[Network, ...] = ("staging", "production")
ConfirmPolicy = Literal["elicit", "require", "off"]
CONFIRM_POLICIES: tuple[ConfirmPolicy, ...] = ("elicit", "require", "off")


@dataclass(frozen=True)
class Principal:
    token_id: str | None = None
    scope: Scope = "admin"
    customers: frozenset[str] | None = None  # None: every .edgerc section
    toolsets: frozenset[str] | None = None  # None: whatever the server exposes
    max_sessions: int | None = None  # None: the server's default cap on this token's connections/sessions
    rate_per_minute: int | None = None  # None: the server's default cap on this token's calls per minute
    networks: frozenset[Network] | None = None  # None: every network; {"staging"}: production changes refused
    confirm: ConfirmPolicy | None = None  # None: the server's ALECS_CONFIRM policy
    grant: str | None = None  # the OAuth grant a session acts through (its token's rights); None: the token itself

    @property
    def label(self) -> str:
        return self.token_id or "local"

    def may_use_customer(self, customer: str) -> bool:
        return self.customers is None or customer in self.customers


LOCAL = Principal()
CURRENT: ContextVar[Principal] = ContextVar("alecs_principal", default=LOCAL)
