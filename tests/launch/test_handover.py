"""The hand-over from the front to the SDK: nothing a client sends early is lost, answered wrongly or out of state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.stdio import (
    FRONT_LINE,
    INITIALIZED,
    READY_LINE,
    Launched,
    environment,
    initialize,
    opening,
)

VERSION = "2025-11-25"
PURGE: dict[str, object] = {"by": "tag", "objects": ["product-42"], "network": "production"}


def _call(ident: int, name: str, arguments: dict[str, object]) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": ident, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


async def test_a_tool_call_sent_right_after_initialize_gets_its_correct_answer(tmp_path: Path) -> None:
    env = environment(tmp_path)
    await opening(("--sandbox",), env, VERSION)  # the first launch keeps the snapshot
    launched = await Launched.start("--sandbox", env=env)
    try:
        await launched.send(initialize(1, VERSION))
        init = json.loads(await launched.answer(1))
        sent = await launched.send(INITIALIZED, _call(2, "list-groups", {}),
                                   _call(3, "list-groups", {"bogus": 1}), _call(4, "get-property", {}))
        groups, bogus, missing = await launched.answers(2, 3, 4)
    finally:
        assert await launched.close() == 0
    ready = launched.logged(READY_LINE)
    assert ready is not None and launched.logged(FRONT_LINE) is not None, launched.stderr_text()[-2000:]
    assert sent < ready  # the calls went out before the server had finished loading: the front answered initialize
    assert init["result"]["serverInfo"]["name"] == "alecs"
    assert not groups["result"]["isError"] and "grp_10001" in groups["result"]["content"][0]["text"]
    # Arguments are still validated (the schemas the front listed are the ones the server checks against).
    assert bogus["result"]["isError"] and "bogus" in bogus["result"]["content"][0]["text"]
    assert missing["result"]["isError"] and "propertyId" in missing["result"]["content"][0]["text"]


async def test_a_tool_list_after_a_call_is_the_servers_not_the_snapshots(tmp_path: Path) -> None:
    # Dynamic mode: enabling a toolset changes the list. A tools/list the client sends after the call that enables
    # it must be answered by the server (with the new tools), never by the front from the opening snapshot.
    env = environment(tmp_path)
    flags = ("--sandbox", "--dynamic-toolsets")
    await opening(flags, env, VERSION)
    launched = await Launched.start(*flags, env=env)
    try:
        await launched.send(initialize(1, VERSION))
        await launched.answer(1)
        await launched.send(INITIALIZED, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                            _call(3, "enable-toolset", {"toolset": "gtm"}),
                            {"jsonrpc": "2.0", "id": 4, "method": "tools/list"})
        before, enabled, after = await launched.answers(2, 3, 4)
    finally:
        assert await launched.close() == 0
    names = {t["name"] for t in before["result"]["tools"]}
    assert not enabled["result"]["isError"]
    assert "list-gtm-domains" not in names and "list-gtm-domains" in {t["name"] for t in after["result"]["tools"]}


async def test_a_stale_snapshot_is_caught_by_the_servers_own_initialize_answer_and_removed(tmp_path: Path) -> None:
    env = environment(tmp_path)
    await opening(("--sandbox",), env, VERSION)
    folders = list((tmp_path / "cache" / "startup").iterdir())
    assert len(folders) == 1
    for path in folders[0].iterdir():  # as if the code had changed without the key noticing
        path.write_bytes(path.read_bytes().replace(b"alecs: Akamai", b"Stale words: Akamai"))
    lines, launched = await opening(("--sandbox",), env, VERSION)
    assert b"Stale words" in lines[0]  # the front answered from the (tampered) snapshot
    assert "differed from the server's" in launched.stderr_text()
    assert not folders[0].exists(), launched.stderr_text()  # ... and the server removed it
    lines, launched = await opening(("--sandbox",), env, VERSION)
    assert b"Stale words" not in lines[0] and FRONT_LINE.decode() not in launched.stderr_text()


async def test_a_configuration_error_still_stops_the_server_with_its_sentence(tmp_path: Path) -> None:
    env = environment(tmp_path)
    launched = await Launched.start("--sandbox", "--toolsets", "nonsense", env=env)
    await launched.send(initialize(1, VERSION))
    assert await launched.close() == 2
    assert "Unknown toolset(s): nonsense" in launched.stderr_text() and "Traceback" not in launched.stderr_text()


def _asking_client(ident: int) -> dict[str, object]:
    """An initialize from a client that can put questions to its user (form elicitation)."""
    message = initialize(ident, VERSION)
    message["params"]["capabilities"] = {"elicitation": {}}
    return message


async def _open_and_list(launched: Launched, opening_message: dict[str, object]) -> None:
    await launched.send(opening_message)
    await launched.answer(1)
    await launched.send(INITIALIZED, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    await launched.answer(2)


@pytest.mark.parametrize("asks", [True, False], ids=["client-asks", "client-cannot-ask"])
async def test_a_production_change_right_after_the_fronts_initialize_is_confirmed_as_the_client_declared(
        tmp_path: Path, asks: bool) -> None:
    # The SDK never saw the client's initialize itself: it reads the front's replay of it. Under ALECS_CONFIRM=require
    # the call must still reach the person when the client declared elicitation, and be refused when it did not.
    env = environment(tmp_path, {"ALECS_CONFIRM": "require"})
    opening_message = _asking_client(1) if asks else initialize(1, VERSION)
    first = await Launched.start("--sandbox", env=env)  # keeps the snapshot for this client
    try:
        await _open_and_list(first, opening_message)
    finally:
        assert await first.close() == 0, first.stderr_text()[-2000:]
    launched = await Launched.start("--sandbox", env=env)
    try:
        await launched.send(opening_message)
        await launched.answer(1)
        sent = await launched.send(INITIALIZED, _call(2, "purge-delete", PURGE))
        if asks:
            question = json.loads(await launched.line())
            assert question["method"] == "elicitation/create", question
            await launched.send({"jsonrpc": "2.0", "id": question["id"],
                                 "result": {"action": "accept", "content": {"confirm": True}}})
        (result,) = await launched.answers(2)
    finally:
        assert await launched.close() == 0
    ready = launched.logged(READY_LINE)
    assert ready is not None and launched.logged(FRONT_LINE) is not None, launched.stderr_text()[-2000:]
    assert sent < ready  # sent before the server had loaded: only the front had seen the client
    text = result["result"]["content"][0]["text"]
    if asks:
        assert "on production" in question["params"]["message"].lower(), question
        assert not result["result"]["isError"], text
    else:
        assert result["result"]["isError"] and "cannot ask for it (no MCP elicitation)" in text
