"""Long waits honour cancellation: when the client cancels, the server stops polling Akamai and keeps serving."""

from __future__ import annotations

import time

import anyio
import pytest

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect


def _polls(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.method == "GET" and "/activations/" in r.path)


async def test_cancelling_a_waiting_activation_stops_the_polling(server: AlecsServer, fresh_sandbox: Sandbox,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fresh_sandbox.settings, "activation_seconds", 3600.0)  # never finishes during the test
    progressed = anyio.Event()

    async def progress(done: float, total: float | None, message: str | None) -> None:
        progressed.set()

    async with connect(server) as client:
        # version 1 is active already (activating it again is PAPI's 422): activate a new version 2
        assert not (await client.call_tool("create-property-version", {"propertyId": "prp_100001",
                                                                       "createFromVersion": 1})).is_error
        with anyio.move_on_after(30) as scope:
            async with anyio.create_task_group() as tg:
                async def waiting_call() -> None:
                    await client.call_tool("activate-property", {
                        "propertyId": "prp_100001", "propertyVersion": 2, "network": "STAGING",
                        "notifyEmails": ["noc@example.com"], "wait": True, "timeoutSeconds": 3600},
                        progress_callback=progress)

                tg.start_soon(waiting_call)
                await progressed.wait()
                tg.cancel_scope.cancel()
        assert not scope.cancelled_caught, "the wait never reported progress"
        polls = _polls(fresh_sandbox)
        assert polls >= 1
        # The poller's next turn would come within its 1.5 s backoff; keep the server busy past it.
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            result = await client.call_tool("list-contracts", {})
            assert not result.is_error
        assert _polls(fresh_sandbox) == polls, "the server kept polling after the client cancelled"
