"""The rig for the `api` toolset tests: the simulator for the APIs it simulates, a recording stand-in for the
others, and one server whose `.edgerc` reaches both (section `default` -> simulator, `standin` -> stand-in).

The stand-in is the simulator's own HTTPS server (TLS, EdgeGrid signature check, request log) with a router that
records everything and answers 200 `{}`, or what a test sets for a path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from alecs.akamai.client import AkamaiClient, RetryPolicy
from alecs.edgerc import Credentials, Edgerc
from alecs.openapi.definitions import MISSING_HELP, available, definitions_dir
from alecs.openapi.index import Operation
from alecs.sandbox.account import Settings
from alecs.sandbox.http import LoggedRequest, SimRequest, SimResponse
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer, ServerOptions
from alecs.tools.registry import Registry, Selection

STANDIN = "standin"
# Tests that hold requests to openapi-core need Akamai's definitions; outside CI they skip with the way to get
# them (in CI, tests/conftest.py refuses to start without them).
needs_definitions = pytest.mark.skipif(not available() and not os.environ.get("CI"),
                                       reason=MISSING_HELP.format(dir=definitions_dir()))


class RecordingRouter:
    """Answers every request with 200 `{}`, or with the answer set for its path."""

    def __init__(self) -> None:
        self.answers: dict[str, SimResponse] = {}

    def dispatch(self, req: SimRequest) -> SimResponse:
        return self.answers.get(req.path, SimResponse(200, {}))


@dataclass
class Rig:
    """Both Akamai stand-ins and the credentials that reach them."""

    sandbox: Sandbox
    standin: Sandbox
    router: RecordingRouter = field(default_factory=RecordingRouter)
    simulated: frozenset[str] = frozenset()

    def customer(self, op: Operation) -> str:
        """The `.edgerc` section whose host answers this operation."""
        return "default" if op.api in self.simulated else STANDIN

    def requests(self, customer: str) -> list[LoggedRequest]:
        return (self.sandbox if customer == "default" else self.standin).requests

    def clear(self) -> None:
        self.sandbox.server.request_log.clear()
        self.standin.server.request_log.clear()

    def edgerc(self, **extra: Credentials) -> Edgerc:
        edgerc = Edgerc(None, use_env=False)
        edgerc.add(self.sandbox.credentials())
        edgerc.add(self.standin.credentials(STANDIN))
        for creds in extra.values():
            edgerc.add(creds)
        return edgerc

    def server(self, registry: Registry, selection: Selection | None = None, **extra: Credentials) -> AlecsServer:
        """A server over both stand-ins; no retries, so every request the tool sends is seen once."""
        client = AkamaiClient(self.edgerc(**extra), cache_ttl=0, retry=RetryPolicy(attempts=1))
        return AlecsServer(registry, client, ServerOptions(selection or registry.selection_from("all", None, False)))


@contextmanager
def rig(registry: Registry) -> Iterator[Rig]:
    """Starts the simulator and the stand-in; the APIs the simulator serves are those curated tools call."""
    sandbox = Sandbox(Settings(activation_seconds=0.3, purge_seconds=1)).start()
    standin = Sandbox()
    router = RecordingRouter()
    standin.server.router = router  # type: ignore[assignment]
    standin.start()
    simulated = frozenset(s.api for s in registry if not s.local and s.published and s.api)
    try:
        yield Rig(sandbox, standin, router, simulated)
    finally:
        sandbox.stop()
        standin.stop()


def error_text(result: Any) -> str:
    return str(result.content[0].text) if result.content else ""
