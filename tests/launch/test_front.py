"""The front's decisions and the snapshot's key, in process (no server: the store holds answers written here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import alecs
from alecs.launch.front import REPLAY_ID, Front
from alecs.launch.snapshot import ANSWER_HEAD, SnapshotStore, request_key, server_key

OPENING = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\n"


def _request(ident: int | str, method: str, params: Any = None) -> bytes:
    return _line({"jsonrpc": "2.0", "id": ident, "method": method, **({"params": params} if params else {})})


INITIALIZED = _line({"jsonrpc": "2.0", "method": "notifications/initialized"})


@pytest.fixture
def store(tmp_path: Path) -> SnapshotStore:
    kept = SnapshotStore(tmp_path, "k")
    kept.save({request_key(None, "initialize", OPENING): ANSWER_HEAD + '"result":{"init":true}}',
               request_key(OPENING, "tools/list", None): ANSWER_HEAD + '"result":{"tools":[]}}'})
    return kept


def _front(store: SnapshotStore | None) -> tuple[Front, list[bytes]]:
    sent: list[bytes] = []
    return Front(store, sent.append), sent


def test_the_opening_is_answered_with_the_clients_own_ids_and_initialize_is_replayed_privately(
        store: SnapshotStore) -> None:
    front, sent = _front(store)
    for line in (_request("α-1", "initialize", OPENING), INITIALIZED, _request(7, "tools/list")):
        front.take(line)
    assert sent == [b'{"jsonrpc":"2.0","id":"\xce\xb1-1","result":{"init":true}}\n',
                    b'{"jsonrpc":"2.0","id":7,"result":{"tools":[]}}\n']
    replay = [json.loads(line) for line in front.replay()]
    assert replay == [{"jsonrpc": "2.0", "id": REPLAY_ID, "method": "initialize", "params": OPENING},
                      {"jsonrpc": "2.0", "method": "notifications/initialized"}]
    assert front.answered == ["initialize", "tools/list"] and not front.missed


def test_after_anything_it_cannot_answer_everything_is_kept_in_order(store: SnapshotStore) -> None:
    front, sent = _front(store)
    later = [_request(2, "tools/call", {"name": "enable-toolset", "arguments": {"toolset": "gtm"}}),
             _request(3, "tools/list"), b"not json\n", _line({"jsonrpc": "2.0", "method": "notifications/cancelled"})]
    for line in (_request(1, "initialize", OPENING), INITIALIZED, *later):
        front.take(line)
    assert len(sent) == 1  # only initialize: the list after the call may differ from the opening one
    assert front.replay()[2:] == later
    assert not front.missed  # nothing to keep: the list came after a call


def test_a_list_before_initialized_or_without_a_handshake_is_not_answered(store: SnapshotStore) -> None:
    front, sent = _front(store)
    front.take(_request(1, "initialize", OPENING))
    front.take(_request(2, "tools/list"))  # before notifications/initialized: the SDK decides what that gets
    assert len(sent) == 1
    other, sent_other = _front(store)
    other.take(_request(1, "tools/list"))  # no handshake, no 2026 envelope
    assert sent_other == []


def test_misses_are_recorded_with_the_listings_a_client_asks_next(tmp_path: Path) -> None:
    front, sent = _front(SnapshotStore(tmp_path, "empty"))
    front.take(_request(1, "initialize", OPENING))
    front.take(INITIALIZED)
    front.take(_request(2, "tools/list", {"cursor": "x"}))
    assert sent == [] and front.missed.initialize and front.missed.opening == OPENING
    wanted = front.missed.to_record()
    assert wanted[0] == ("tools/list", {"cursor": "x"})
    assert ("tools/list", None) in wanted and ("prompts/list", {}) in wanted
    assert len(wanted) == len({json.dumps(w, sort_keys=True) for w in wanted})  # no request twice


def test_without_a_store_nothing_is_answered(tmp_path: Path) -> None:
    front, sent = _front(None)
    front.take(_request(1, "initialize", OPENING))
    assert sent == [] and front.replay() == [_request(1, "initialize", OPENING)]


def test_a_snapshot_file_for_another_request_is_never_served(store: SnapshotStore) -> None:
    name = next(p for p in store.folder.iterdir() if b"tools/list" in p.read_bytes().split(b"\n")[0])
    text = name.read_bytes().split(b"\n", 1)
    name.write_bytes(text[0].replace(b"tools/list", b"prompts/list") + b"\n" + text[1])
    assert store.answer(request_key(OPENING, "tools/list", None), 1) is None


def test_the_key_changes_with_every_input_that_shapes_the_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    options = {"sandbox": True, "toolsets": None, "tools": None, "read_only": False, "dynamic_toolsets": False}
    env = {"HOME": "/h", "PATH": "/bin"}
    base = server_key(options, env)
    assert server_key(dict(options), dict(env)) == base  # stable
    assert server_key(options, env | {"PATH": "/usr/bin", "LANG": "C"}) == base  # unrelated settings do not count
    others = {
        "toolsets": server_key(options | {"toolsets": "all"}, env),
        "read-only": server_key(options | {"read_only": True}, env),
        "dynamic": server_key(options | {"dynamic_toolsets": True}, env),
        "token store": server_key(options, env | {"TOKEN_MASTER_KEY": "k"}),
        "ALECS_*": server_key(options, env | {"ALECS_TOOLSETS": "dns"}),
        "confirmation": server_key(options, env | {"ALECS_CONFIRM": "require"}),
        "upload folder": server_key(options, env | {"ALECS_UPLOAD_DIR": "/srv/uploads"}),
        "edgerc": server_key(options, env | {"AKAMAI_EDGERC": "/e"}),
    }
    monkeypatch.setattr(alecs, "__version__", "99.0")
    others["version"] = server_key(options, env)
    assert base not in others.values() and len(set(others.values())) == len(others), others
    assert "k" not in server_key(options, env | {"TOKEN_MASTER_KEY": "k"})  # a hash, never the key's value


def test_the_key_covers_every_file_of_the_package_and_the_sdks_version() -> None:
    from alecs.launch import snapshot

    root = Path(alecs.__file__).parent
    files = list(snapshot._package_files(str(root)))
    assert any(f.startswith("server.py:") for f in files) and any(f.startswith("openapi/index.json.xz:") for f in files)
    assert not any("__pycache__" in f for f in files)
    distributions = snapshot._distributions()
    assert any(d.startswith("mcp-") for d in distributions) and any(d.startswith("pydantic-") for d in distributions)
