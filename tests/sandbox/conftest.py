"""A signed EdgeGrid client on a freshly seeded sandbox, for tests that read the simulator's APIs directly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alecs.sandbox.server import Sandbox
from tests.support.sandbox_api import SandboxApi


@pytest.fixture
def api(fresh_sandbox: Sandbox) -> Iterator[SandboxApi]:
    client = SandboxApi(fresh_sandbox)
    yield client
    client.close()
