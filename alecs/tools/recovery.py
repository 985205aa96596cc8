"""Activations that survive the real API's habits: a lost answer and a repeated request.

A PAPI activation POST on a large rule tree often outlives the client's read timeout while Akamai goes on and
creates the activation; a client that asks again then gets a 422 saying the version is already active or pending.
alecs never replays a POST (the client raises `NoAnswer` instead). `start` sends an activation request once and,
after a lost answer or such a refusal, looks the activation up (the activations of that object, newest first, for
that version and network) and returns it, saying so, instead of failing while the activation runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio

from alecs.errors import AkamaiError, NoAnswer
from alecs.tools.call import ToolCall

RECOVERY_SECONDS = 30.0  # how long a lost answer's activation is looked for before the tool gives up
CLOCK_SKEW = 300.0  # seconds an activation may seem to predate the request that started it (clocks differ)
# Akamai's words for "that version is already active, or being activated, on that network": PAPI's 422 types
# (already-activated, property_activation_still_pending), EdgeWorkers' EW1021, network lists' and Cloudlets' pending
# activations, DataStream's "already active"
ALREADY = re.compile(r"already[ _-]activated|already being activated|is already active|still[ _-]pending|EW1021|"
                     r"previous activation .* pending", re.I)
LOST = ("Akamai's answer never came (the request may have taken effect), so alecs looked up what it started instead "
        "of sending it again: this is it")
REPEATED = "Akamai says this is already active or under way there: this is that one, not a new one"

Lookup = Callable[[float | None], Awaitable[dict[str, Any] | None]]
"""Finds the activation a request started: given the time the request was sent, one created since (allowing for
clock skew); given None (Akamai refused a repeat), the newest of that version and network."""


@dataclass
class Started:
    """An activation request's outcome: Akamai's answer (`created`), or the activation looked up (`found`) with a
    sentence for the assistant (`note`)."""

    created: Any = None
    found: dict[str, Any] | None = None
    note: str | None = None


def already_started(exc: AkamaiError) -> bool:
    """Whether Akamai refused the request because that version is already active or pending there."""
    problem = exc.problem
    words = [problem.get("type"), problem.get("title"), problem.get("detail"), problem.get("errorCode"),
             problem.get("messageId")]
    words += [e.get(k) for e in problem.get("errors") or [] if isinstance(e, dict) for k in ("type", "detail")]
    return exc.status in (400, 409, 422) and any(isinstance(w, str) and ALREADY.search(w) for w in words)


def created_since(timestamp: object, sent_at: float | None) -> bool:
    """Whether an ISO 8601 timestamp of Akamai's is no older than the request (None: any time will do)."""
    if sent_at is None:
        return True
    if not isinstance(timestamp, str):
        return False
    try:
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return False
    return when >= sent_at - CLOCK_SKEW


async def start(call: ToolCall, send: Callable[[], Awaitable[Any]], lookup: Lookup, what: str) -> Started:
    """Sends an activation request once (`send`); after a lost answer or a refused repeat, the activation `lookup`
    finds. `what` names it in the error when none is found ("version 3 of prp_1 on STAGING")."""
    sent_at = time.time()
    try:
        return Started(created=await send())
    except NoAnswer as exc:
        found = await _poll(call, lookup, sent_at)
        if found is None:
            raise AkamaiError(0, exc.problem | {
                "detail": f"{exc.problem['detail']} No activation of {what} appeared within {RECOVERY_SECONDS:.0f} s; "
                          "list the activations before activating again."}) from None
        return Started(found=found, note=LOST)
    except AkamaiError as exc:
        if not already_started(exc):
            raise
        found = await lookup(None)
        if found is None:
            raise
        return Started(found=found, note=REPEATED)


async def _poll(call: ToolCall, lookup: Lookup, sent_at: float) -> dict[str, Any] | None:
    """Looks for the activation at once, then with growing pauses, for at most RECOVERY_SECONDS."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    pause = 1.0
    while True:
        found = await lookup(sent_at)
        left = deadline - time.monotonic()
        if found is not None or left <= 0:
            return found
        await call.progress(0, None, "looking for the activation whose answer was lost")
        await anyio.sleep(min(pause, left))
        pause *= 2


def newest(items: list[Any], match: Callable[[dict[str, Any]], bool], date_key: str,
           sent_at: float | None) -> dict[str, Any] | None:
    """The newest item (by `date_key`, ISO 8601) that `match`es and was created since `sent_at`."""
    chosen = [i for i in items if isinstance(i, dict) and match(i) and created_since(i.get(date_key), sent_at)]
    return max(chosen, key=lambda i: str(i.get(date_key) or ""), default=None)
