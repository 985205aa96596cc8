"""Shared fixtures: the sandbox simulator and a server wired to it (helpers live in tests/support)."""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Iterator

import pytest

from alecs.sandbox.account import Settings
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from tests import openapi_defs
from tests.support.mcp import make_server


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") and not openapi_defs.available():
        raise pytest.UsageError(openapi_defs.MISSING_HELP.format(dir=openapi_defs.definitions_dir()))


TEST_SETTINGS = Settings(activation_seconds=0.3, purge_seconds=1)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(copy.deepcopy(TEST_SETTINGS)).start()
    yield box
    box.stop()


@pytest.fixture
def fresh_sandbox(sandbox: Sandbox) -> Sandbox:
    """The shared sandbox back to its seeded account and the test settings (a test may have changed them)."""
    for f in dataclasses.fields(TEST_SETTINGS):
        setattr(sandbox.settings, f.name, copy.deepcopy(getattr(TEST_SETTINGS, f.name)))
    sandbox.reset()
    return sandbox


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture
def server(fresh_sandbox: Sandbox, registry: Registry) -> Iterator[AlecsServer]:
    srv = make_server(fresh_sandbox, registry)
    yield srv
    srv.client.close()


