"""The relay's session bookkeeping, without sockets: what is replayed, answered, forwarded or dropped."""

from __future__ import annotations

import json
from typing import Any

from alecs_tunnel.session import LIST_CHANGED, InitState, Session, key

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25"}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
OK = {"protocolVersion": "2025-11-25", "capabilities": {"tools": {"listChanged": True}}}


def state(session: Session) -> InitState:
    """Read through a call, so a type checker does not narrow it across the session's own state changes."""
    return session.init_state


def send(session: Session, msg: dict[str, Any]) -> bool:
    """The client's line goes out on the current connection."""
    return session.sending(session.from_client(json.dumps(msg)))


def answer(session: Session, msg_id: Any, result: Any = None, error: Any = None) -> list[str]:
    body = {"jsonrpc": "2.0", "id": msg_id, **({"error": error} if error else {"result": result or {}})}
    return session.from_server(json.dumps(body)).to_client


def toolset_call(msg_id: int, tool: str, toolset: str, **extra: Any) -> dict[str, Any]:
    params = {"name": tool, "arguments": {"toolset": toolset}, **extra}
    return {"jsonrpc": "2.0", "id": msg_id, "method": "tools/call", "params": params}


def tool_result(is_error: bool = False) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": "Unknown toolset" if is_error else "Enabled"}], "isError": is_error}


def initialized_session() -> Session:
    session = Session()
    session.connected()
    send(session, INIT)
    answer(session, 0, OK)
    send(session, INITIALIZED)
    assert state(session) is InitState.INITIALIZED
    return session


def replay(session: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Reconnect and let the server accept every replayed request: (frames sent, lines to the client)."""
    sent = [json.loads(f) for f in session.connected()]
    to_client: list[dict[str, Any]] = []
    pending = list(sent)
    while pending:
        frame = pending.pop(0)
        if "id" not in frame:
            continue
        result = OK if frame["method"] == "initialize" else tool_result()
        received = session.from_server(json.dumps({"jsonrpc": "2.0", "id": frame["id"], "result": result}))
        more = [json.loads(f) for f in received.to_server]
        sent += more
        pending += more
        to_client += [json.loads(line) for line in received.to_client]
    return sent, to_client


def test_the_initialize_state_follows_the_client_and_the_server() -> None:
    session = Session()
    assert session.connected() == []  # nothing to replay yet
    message = session.from_client(json.dumps(INIT))
    assert state(session) is InitState.NONE  # captured, still waiting to be sent
    session.sending(message)
    assert state(session) is InitState.AWAITING
    assert answer(session, 0, OK) == [json.dumps({"jsonrpc": "2.0", "id": 0, "result": OK})]
    assert state(session) is InitState.ANSWERED
    send(session, INITIALIZED)
    assert state(session) is InitState.INITIALIZED


def test_a_request_in_flight_at_a_drop_is_answered_with_an_error_and_never_resent() -> None:
    session = initialized_session()
    send(session, {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "purge", "arguments": {}}})
    send(session, {"jsonrpc": "2.0", "id": "x", "method": "tools/list"})
    assert session.lost() == [7, "x"]
    sent, _ = replay(session)
    assert [f.get("method") for f in sent] == ["initialize", "notifications/initialized"]  # no tools/call
    assert session.inflight == {}


def test_the_clients_own_initialize_lost_in_flight_is_resent_as_is_and_its_answer_forwarded() -> None:
    session = Session()
    session.connected()
    send(session, INIT)
    assert session.lost() == []  # no error for it: it is sent again
    assert state(session) is InitState.RESEND
    assert [json.loads(f) for f in session.connected()] == [INIT]
    assert not session.replaying  # its answer is the client's, not swallowed
    assert json.loads(answer(session, 0, OK)[0])["result"] == OK
    assert state(session) is InitState.ANSWERED


def test_an_answered_initialize_is_replayed_under_a_private_id_with_its_answer_swallowed() -> None:
    session = initialized_session()
    session.lost()
    frames = [json.loads(f) for f in session.connected()]
    assert len(frames) == 1 and frames[0]["method"] == "initialize" and frames[0]["params"] == INIT["params"]
    assert frames[0]["id"] != 0 and str(frames[0]["id"]).startswith("alecs-tunnel-replay")
    assert session.replaying
    received = session.from_server(json.dumps({"jsonrpc": "2.0", "id": frames[0]["id"], "result": OK}))
    assert [json.loads(f) for f in received.to_server] == [INITIALIZED]
    assert received.replay_done and not session.replaying
    # the client never sees the replay's answer, only that its tools may have changed
    assert [json.loads(line) for line in received.to_client] == [{"jsonrpc": "2.0", "method": LIST_CHANGED}]


def test_a_session_never_initialized_by_the_client_replays_nothing_and_gets_no_list_changed() -> None:
    session = Session()
    session.connected()
    send(session, INIT)
    answer(session, 0, OK)  # answered, but the client did not send notifications/initialized yet
    session.lost()
    sent, to_client = replay(session)
    assert [f["method"] for f in sent] == ["initialize"]
    assert to_client == []


def test_an_initialize_the_server_refused_is_not_replayed() -> None:
    session = Session()
    session.connected()
    send(session, INIT)
    answer(session, 0, error={"code": -32602, "message": "unsupported protocol version"})
    assert state(session) is InitState.NONE
    session.lost()
    assert session.connected() == []


def test_enabled_toolsets_are_replayed_after_the_initialize_in_the_order_they_were_last_enabled() -> None:
    session = initialized_session()
    for n, toolset in enumerate(("gtm", "appsec", "gtm"), start=1):
        send(session, toolset_call(n, "enable-toolset", toolset, _meta={"progressToken": 5}))
        answer(session, n, tool_result())
    session.lost()
    sent, to_client = replay(session)
    calls = [f for f in sent if f.get("method") == "tools/call"]
    assert [c["params"] for c in calls] == [
        {"name": "enable-toolset", "arguments": {"toolset": "appsec"}},  # no stale progress token
        {"name": "enable-toolset", "arguments": {"toolset": "gtm"}},
    ]
    assert len({c["id"] for c in calls}) == 2 and all(str(c["id"]).startswith("alecs-tunnel-replay") for c in calls)
    assert to_client == [{"jsonrpc": "2.0", "method": LIST_CHANGED}]  # once, after the whole replay


def test_a_toolset_enabled_then_disabled_is_not_replayed() -> None:
    session = initialized_session()
    send(session, toolset_call(1, "enable-toolset", "gtm"))
    answer(session, 1, tool_result())
    send(session, toolset_call(2, "disable-toolset", "gtm"))
    answer(session, 2, tool_result())
    assert session.toolsets == {}


def test_a_failed_or_lost_enable_is_not_recorded() -> None:
    session = initialized_session()
    send(session, toolset_call(1, "enable-toolset", "nope"))
    answer(session, 1, tool_result(is_error=True))
    send(session, toolset_call(2, "enable-toolset", "gtm"))
    answer(session, 2, error={"code": -32603, "message": "internal error"})
    send(session, toolset_call(3, "enable-toolset", "dns"))
    assert session.lost() == [3]  # in flight at the drop: it may or may not have taken effect
    assert session.toolsets == {}


def test_a_toolset_the_new_server_refuses_is_forgotten() -> None:
    session = initialized_session()
    send(session, toolset_call(1, "enable-toolset", "gtm"))
    answer(session, 1, tool_result())
    session.lost()
    init = json.loads(session.connected()[0])
    received = session.from_server(json.dumps({"jsonrpc": "2.0", "id": init["id"], "result": OK}))
    call = json.loads(received.to_server[-1])
    refused = {"jsonrpc": "2.0", "id": call["id"], "result": tool_result(is_error=True)}
    assert session.from_server(json.dumps(refused)).replay_done
    assert session.toolsets == {}


def test_the_servers_list_changed_during_the_replay_is_swallowed_and_forwarded_otherwise() -> None:
    session = initialized_session()
    send(session, toolset_call(1, "enable-toolset", "gtm"))
    changed = json.dumps({"jsonrpc": "2.0", "method": LIST_CHANGED})
    assert session.from_server(changed).to_client == [changed]  # the client's own enable: forwarded
    answer(session, 1, tool_result())
    session.lost()
    init = json.loads(session.connected()[0])
    session.from_server(json.dumps({"jsonrpc": "2.0", "id": init["id"], "result": OK}))
    assert session.from_server(changed).to_client == []  # caused by the replayed enable


def test_a_reply_to_a_server_request_from_a_previous_connection_is_dropped() -> None:
    session = initialized_session()
    ask = {"jsonrpc": "2.0", "id": 99, "method": "roots/list"}
    assert session.from_server(json.dumps(ask)).to_client == [json.dumps(ask)]
    assert send(session, {"jsonrpc": "2.0", "id": 99, "result": {"roots": []}})  # same connection: sent
    session.from_server(json.dumps(ask))
    session.lost()
    replay(session)
    assert not send(session, {"jsonrpc": "2.0", "id": 99, "result": {"roots": []}})  # asked on the old one


def test_a_request_that_could_not_be_sent_is_answered_unless_it_is_the_initialize() -> None:
    session = Session()
    session.connected()
    init = session.from_client(json.dumps(INIT))
    session.sending(init)
    assert not session.not_sent(init)
    assert state(session) is InitState.RESEND
    call = session.from_client(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
    session.sending(call)
    assert session.not_sent(call)
    assert not session.not_sent(call)  # answered once


def test_giving_up_answers_every_request_in_flight() -> None:
    session = initialized_session()
    send(session, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    send(session, {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}})
    assert session.abandon() == [1]
    assert session.inflight == {}


def test_frames_that_are_not_json_objects_pass_through_unchanged_on_one_line() -> None:
    session = Session()
    assert session.from_server("not json").to_client == ["not json"]
    assert session.from_server('{"jsonrpc": "2.0",\n"method": "x"}').to_client == ['{"jsonrpc": "2.0", "method": "x"}']
    assert session.sending(session.from_client("[1, 2]"))


def test_request_ids_keep_their_json_identity() -> None:
    ids = [1, -1, 10**30, 1.0, 1.5, "1", "s1", "", 'a"b', None, True, False, [1], {"a": 1}]
    keys = [key(i) for i in ids]
    assert len(set(keys)) == len(ids)  # distinct JSON values never share a key
    assert key({"b": 1, "a": 2}) == key({"a": 2, "b": 1})
    assert key(7) == key(json.loads("7")) and key("x") == key(json.loads('"x"'))
