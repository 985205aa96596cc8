"""A PAPI rate limit slow enough for tests to meet it: one request a second after a burst of two."""

from __future__ import annotations

from alecs.akamai.limits import Rate

SLOW_PAPI = {"papi": Rate.per_minute(60, burst=2)}
