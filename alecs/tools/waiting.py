"""Waiting for long-running Akamai operations: poll with backoff, report progress, honour cancellation."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from alecs.tools.call import ToolCall


async def wait_for(
    call: ToolCall,
    fetch: Callable[[], Awaitable[Any]],
    status_of: Callable[[Any], str],
    final: frozenset[str],
    timeout: float,
    first_interval: float = 1.0,
    max_interval: float = 30.0,
) -> tuple[Any, bool]:
    """Poll until `status_of(answer)` is final or `timeout` passes; returns (last answer, finished)."""
    started = time.monotonic()
    interval = first_interval
    while True:
        answer = await fetch()
        status = status_of(answer)
        elapsed = time.monotonic() - started
        if status in final:
            await call.progress(timeout, timeout, f"{status} after {elapsed:.0f}s")
            return answer, True
        if elapsed >= timeout:
            return answer, False
        await call.progress(min(elapsed, timeout), timeout, f"{status}; waited {elapsed:.0f}s")
        await anyio.sleep(min(interval, max(0.0, timeout - elapsed)))
        interval = min(interval * 1.5, max_interval)
