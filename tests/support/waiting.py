"""Poll a condition with a bound instead of sleeping: sync for threads and subprocesses, async for the loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T | None], timeout: float = 30.0, what: str = "condition",
               interval: float = 0.02, retry_errors: bool = False) -> T:
    """Call `check` until it returns something truthy, at most `timeout` seconds; returns that value.

    With `retry_errors`, an exception counts as "not yet" and the last one is named in the failure."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:
            if not retry_errors:
                raise
            last_error = exc
        if time.monotonic() > deadline:
            more = f"; last error: {last_error!r}" if last_error is not None else ""
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}{more}")
        time.sleep(interval)


async def poll(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition",
               interval: float = 0.02) -> Any:
    """Async `wait_until`: `check` may be a plain function or return an awaitable."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(interval)
