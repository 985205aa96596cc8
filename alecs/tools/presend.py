"""Every request a tool sends is checked against Akamai's definition of its operation before it leaves
(`ToolCall.send` calls `check_outgoing`); one that breaks it is refused as a tool error naming the field, the rule
and the operation, and nothing reaches Akamai. The matching and checking are `alecs.openapi.outgoing`.

The index and the validator (about 0.7 s to import and read) are never loaded at start-up nor by the first tool
call: the server calls `warm_soon()` once it has answered its first `tools/list`, which loads them in a worker
thread. A request that needs them before that is done waits for the same load (it starts it, if nothing has), so
they are loaded once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from alecs.errors import ToolInputError

if TYPE_CHECKING:
    from alecs.tools.spec import ToolSpec

log = logging.getLogger(__name__)
WARMING = "loading the request checker in a worker thread"  # logged once, when the load starts
# How long after the first tools/list answer the warm-up starts: the answer is written before a thread competes
# for the interpreter, and no assistant sends its first call sooner (one that does starts the warm-up itself).
WARM_DELAY_SECONDS = 0.2

_lock = threading.Lock()
_loading: concurrent.futures.Future[ModuleType] | None = None
_scheduled = False


class RequestRefused(ToolInputError):
    """A request broke its operation's definition and was not sent."""


def warm() -> concurrent.futures.Future[ModuleType]:
    """Starts loading the checker in a worker thread, once; the future holds `alecs.openapi.outgoing`."""
    global _loading
    with _lock:
        if _loading is None:
            log.debug(WARMING)
            _loading = concurrent.futures.Future()
            threading.Thread(target=_load, args=(_loading,), name="alecs-openapi-warm", daemon=True).start()
        return _loading


def _load(future: concurrent.futures.Future[ModuleType]) -> None:
    try:
        from alecs.openapi import outgoing

        outgoing.warm()
    except BaseException as exc:  # handed to every caller that waits: the check cannot run
        future.set_exception(exc)
    else:
        future.set_result(outgoing)


def warm_soon() -> None:
    """Starts the warm-up WARM_DELAY_SECONDS from now, on the running loop (once)."""
    global _scheduled
    if not _scheduled and _loading is None:
        _scheduled = True
        asyncio.get_running_loop().call_later(WARM_DELAY_SECONDS, warm)


def is_warm() -> bool:
    """Whether the checker is loaded."""
    return _loading is not None and _loading.done()


async def checker() -> ModuleType:
    """`alecs.openapi.outgoing`, loaded: at once when warm, else after the (single) load finishes."""
    future = warm()
    if future.done():
        return future.result()
    # Shielded: a call cancelled while it waits (notifications/cancelled, a closed session) must not cancel the
    # one load every other call shares.
    return await asyncio.shield(asyncio.wrap_future(future))


async def check_outgoing(spec: ToolSpec, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                         headers: Mapping[str, str] | None = None, json_body: Any = None,
                         data: bytes | None = None) -> None:
    """Raises RequestRefused when the request `spec`'s tool is about to send breaks its operation's definition.
    `call-akamai-operation` checked its request against the operation its caller named: it is not checked twice."""
    if spec.any_operation:
        return
    outgoing = await checker()
    try:
        found = outgoing.problems(spec.api, method, path, published=spec.published, params=params,
                                  headers=headers, json_body=json_body, data=data)
    except outgoing.NoDefinition as exc:
        raise RequestRefused(f"Not sent: {exc}; alecs sends only requests it can check.") from None
    if found:
        lines = "\n".join(f"- {p}" for p in found)
        fields = [p.name for p in spec.params if p.where == "body"]
        if fields and any(p.field == "body" and p.rule == outgoing.BODY_REQUIRED for p in found):
            lines += f"\nGive at least one of: {', '.join(fields)}."
        raise RequestRefused(f"Not sent: the request does not match Akamai's definition of {found[0].operation}:"
                             f"\n{lines}")
