"""The front's answers are the SDK's, byte for byte: every protocol version alecs negotiates, every configuration.

For each case a first launch (no snapshot yet: the SDK answers, and the server keeps its answers) and a second
launch (the front answers from the snapshot before the SDK has loaded) open a session the same way; the second must
have answered from the snapshot and sent exactly the bytes the first did. For the default configuration a launch
with the front turned off (`ALECS_STARTUP_SNAPSHOT=0`, today's path) is compared too.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.stdio import FRONT_ANSWERED, FRONT_LINE, HANDSHAKE_VERSIONS, MODERN_VERSION, environment, opening

VERSIONS = (*HANDSHAKE_VERSIONS, MODERN_VERSION)
CONFIGURATIONS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "default": ((), {}),
    "all": (("--toolsets", "all"), {}),
    "read-only": (("--read-only",), {}),
    "dynamic": (("--dynamic-toolsets",), {}),
    "token-store": ((), {"TOKEN_MASTER_KEY": "identity-test-master-key"}),
    # The confirmation policy decides at call time; its answers are keyed apart all the same (every ALECS_* is).
    "confirm-require": ((), {"ALECS_CONFIRM": "require"}),
}
CASES = [(config, version) for config in CONFIGURATIONS for version in VERSIONS]
PARALLEL = 3  # launches at once: the machine has 2 cores


@dataclass
class Case:
    sdk: list[bytes]  # the first launch: the SDK answered
    front: list[bytes]  # the second launch: the front answered
    front_log: str
    first_log: str
    plain: list[bytes] | None = None  # the front turned off


async def _case(root: Path, config: str, version: str, gate: asyncio.Semaphore) -> Case:
    flags, extra = CONFIGURATIONS[config]
    home = root / f"{config}-{version}"
    home.mkdir()
    env = environment(home, extra | {"ALECS_TOKEN_STORE": str(home / "tokens.json")})
    flags = ("--sandbox", *flags)
    async with gate:
        sdk, first = await opening(flags, env, version)
        front, second = await opening(flags, env, version)
        plain = None
        if config == "default":
            plain, _ = await opening(flags, env | {"ALECS_STARTUP_SNAPSHOT": "0"}, version)
    return Case(sdk, front, second.stderr_text(), first.stderr_text(), plain)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Case]:
    root = tmp_path_factory.mktemp("identity")

    async def every() -> dict[tuple[str, str], Case]:
        gate = asyncio.Semaphore(PARALLEL)
        done = await asyncio.gather(*(_case(root, c, v, gate) for c, v in CASES))
        return dict(zip(CASES, done, strict=True))

    return asyncio.run(every())


def _normalised(line: bytes) -> str:
    return json.dumps(json.loads(line), indent=1, ensure_ascii=False)


@pytest.mark.parametrize(("config", "version"), CASES)
def test_the_front_answers_exactly_what_the_sdk_answers(cases: dict[tuple[str, str], Case], config: str,
                                                         version: str) -> None:
    case = cases[config, version]
    assert FRONT_LINE.decode() not in case.first_log  # the first launch had no snapshot: the SDK answered
    # The second one answered both from the snapshot, before the SDK had loaded.
    logs = (case.first_log[-2000:], case.front_log[-2000:])
    assert any(line.decode() in case.front_log for line in FRONT_ANSWERED), logs
    assert [_normalised(line) for line in case.front] == [_normalised(line) for line in case.sdk]
    assert case.front == case.sdk  # byte for byte, not only after normalisation
    if case.plain is not None:
        assert case.plain == case.sdk  # the front turned off gives the same bytes as before this change


def test_the_cases_cover_what_a_client_can_see() -> None:
    # Guard against a matrix that quietly shrinks: every negotiable version, both eras, each configuration.
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS

    assert set(VERSIONS) == {*HANDSHAKE_PROTOCOL_VERSIONS, *MODERN_PROTOCOL_VERSIONS}
    assert len(CASES) == 30


@pytest.mark.parametrize("config", ["dynamic", "token-store", "read-only"])
def test_configurations_that_change_the_list_give_different_answers(cases: dict[tuple[str, str], Case],
                                                                     config: str) -> None:
    # Proves the configurations are not all served one answer: each key holds its own snapshot.
    ours = json.loads(cases[config, "2025-11-25"].front[1])["result"]["tools"]
    default = json.loads(cases["default", "2025-11-25"].front[1])["result"]["tools"]
    assert [t["name"] for t in ours] != [t["name"] for t in default]
