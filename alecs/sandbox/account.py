"""The simulated account: shared identifiers, settings, an id counter and a clock."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

CONTRACT = "ctr_C-0SANDBOX"
GROUP = "grp_10001"
SUBGROUP = "grp_10002"
ACCOUNT = "act_A-CCT0SANDBOX"


@dataclass
class Settings:
    activation_seconds: float = 5.0  # how long an activation stays PENDING
    purge_seconds: int = 5


@dataclass
class Account:
    settings: Settings = field(default_factory=Settings)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def next_id(self) -> int:
        return next(self._ids)

    @staticmethod
    def now() -> float:
        return time.monotonic()

    @staticmethod
    def iso(ts: float | None = None) -> str:
        moment = datetime.now(UTC) if ts is None else datetime.fromtimestamp(ts, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
