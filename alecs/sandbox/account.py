"""The simulated account: settings, an id counter and a clock (its identifiers are in `alecs.sandbox.ids`)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from alecs.akamai.limits import Rate
from alecs.sandbox.http import SimResponse


@dataclass
class Settings:
    """How the simulated account behaves in time (tests shorten these; `alecs serve --sandbox` reads them from
    the environment in alecs.app.sandbox_settings)."""

    activation_seconds: float = 5.0  # how long an activation stays PENDING
    purge_seconds: int = 5
    # Akamai's published rate limits are enforced; name a limit (papi, ccu-url) or a family (diagnostics) to give
    # it another Rate, or None to lift it (alecs.akamai.limits has the names).
    rate_limits: dict[str, Rate | None] = field(default_factory=dict)
    # Seconds the answer to an activation POST is held back while the activation, created at once, runs:
    # what a big PAPI rule tree does to a client's read timeout.
    activation_answer_delay: float = 0.0
    # Seconds Application Security takes to create an activation from its request: above 0 its activation POST
    # answers 202 with a statusId to poll, as Akamai does for requests it cannot create at once.
    activation_request_seconds: float = 0.0


@dataclass
class Account:
    """Settings, an id counter and a clock shared by every simulated API of one account."""

    settings: Settings = field(default_factory=Settings)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def activation_answer(self, answer: SimResponse) -> SimResponse:
        """The answer to a POST that created an activation, late by `settings.activation_answer_delay`."""
        answer.delay = self.settings.activation_answer_delay
        return answer

    def next_id(self) -> int:
        return next(self._ids)

    @staticmethod
    def now() -> float:
        return time.monotonic()

    @staticmethod
    def iso(ts: float | None = None) -> str:
        moment = datetime.now(UTC) if ts is None else datetime.fromtimestamp(ts, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
