"""Fixtures of the Akamai client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alecs.sandbox.server import Sandbox
from tests.akamai.rates import SLOW_PAPI


@pytest.fixture
def slow_papi(fresh_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox limiting PAPI to `SLOW_PAPI` (restored afterwards)."""
    fresh_sandbox.settings.rate_limits = dict(SLOW_PAPI)
    fresh_sandbox.reset()
    yield fresh_sandbox
    fresh_sandbox.settings.rate_limits = {}
