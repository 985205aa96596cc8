"""Shared fixtures: the sandbox simulator, a server wired to it, and the SDK's own client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from alecs.akamai.client import AkamaiClient
from alecs.edgerc import Edgerc
from alecs.sandbox.account import Settings
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer, ServerOptions
from alecs.tools.registry import Registry, Selection
from tests import openapi_defs


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") and not openapi_defs.available():
        raise pytest.UsageError(openapi_defs.MISSING_HELP.format(dir=openapi_defs.definitions_dir()))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(Settings(activation_seconds=0.3, purge_seconds=1)).start()
    yield box
    box.stop()


@pytest.fixture
def fresh_sandbox(sandbox: Sandbox) -> Sandbox:
    sandbox.reset()
    return sandbox


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load()


def make_server(sandbox: Sandbox, registry: Registry, selection: Selection | None = None,
                dynamic: bool = False, services: dict[str, Any] | None = None) -> AlecsServer:
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(sandbox.credentials())
    client = AkamaiClient(edgerc, cache_ttl=0)
    sel = selection or registry.selection_from("all", None, False)
    return AlecsServer(registry, client, ServerOptions(sel, dynamic), services)


@pytest.fixture
def server(fresh_sandbox: Sandbox, registry: Registry) -> Iterator[AlecsServer]:
    srv = make_server(fresh_sandbox, registry)
    yield srv
    srv.client.close()


@asynccontextmanager
async def connect(server: AlecsServer, **kw: Any) -> AsyncIterator[Client]:
    """The SDK's client, in process, over the handshake (2025-11-25) flow."""
    async with Client(server.lowlevel, mode="legacy", **kw) as client:
        yield client
