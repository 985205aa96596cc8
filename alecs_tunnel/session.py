"""The relay's bookkeeping of one MCP session across connections: no sockets, no event loop, no clock.

The relay feeds it every message in both directions and tells it when a connection starts and
ends; it answers what to forward, what to send first on a new connection, and which requests to
answer with an error. What it keeps:

- the requests in flight on the current connection (a drop answers them with an error: they are
  never re-sent, a tool call may already have had effects);
- the client's ``initialize``, whose replay state is an ``InitState``: on a new connection it is
  replayed under a private id (its answer swallowed), followed by ``notifications/initialized``;
  if it was itself lost in flight, it is re-sent as is (it has no effects) and its answer goes to
  the client;
- the toolsets the client enabled or disabled (successful ``enable-toolset`` / ``disable-toolset``
  calls), replayed after the initialize, so a session keeps its tools across server restarts;
- which connection asked each server-to-client request, so a reply meant for a connection that is
  gone is dropped.

After replaying an initialized session it tells the client ``notifications/tools/list_changed``: the
tools visible to it may have changed with the new connection (a restarted or upgraded server).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any

log = logging.getLogger("alecs-tunnel")

ERR_CONNECTION_LOST = -32050
ERR_NOT_CONNECTED = -32051
ERR_FATAL = -32052
ERR_RATE_LIMITED = -32053

TOOLSET_TOOLS = frozenset({"enable-toolset", "disable-toolset"})
LIST_CHANGED = "notifications/tools/list_changed"
REPLAY_PREFIX = "alecs-tunnel-replay"


def key(msg_id: Any) -> str:
    """A JSON-RPC id as a dict key: equal for equal JSON values, distinct otherwise."""
    if type(msg_id) is int:
        return str(msg_id)  # what json.dumps gives
    if type(msg_id) is str:
        return "s" + msg_id  # no JSON text starts with "s"
    return json.dumps(msg_id, sort_keys=True)


def error_line(msg_id: Any, code: int, text: str, cause: str) -> str:
    """A JSON-RPC error answer from the tunnel itself; ``cause`` goes to ``error.data.cause``."""
    return json.dumps(
        {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": text, "data": {"cause": cause}}}
    )


def _notification(method: str) -> str:
    return json.dumps({"jsonrpc": "2.0", "method": method})


class InitState(Enum):
    """Where the client's ``initialize`` stands, i.e. what a new connection must replay."""

    NONE = auto()  # nothing to replay: no initialize yet, it still waits to be sent, or it was refused
    AWAITING = auto()  # on the current connection, unanswered
    RESEND = auto()  # it was in flight when the connection dropped: send it again as is
    ANSWERED = auto()  # the server accepted it: replay it under a private id
    INITIALIZED = auto()  # ... and the client sent notifications/initialized: replay that too


@dataclass(slots=True)
class Message:
    """One line from the client: its text, and its JSON object if it is one."""

    raw: str
    msg: dict[str, Any] | None

    @classmethod
    def parse(cls, raw: str) -> Message:
        try:
            msg = json.loads(raw)
        except ValueError:
            msg = None
        return cls(raw, msg if isinstance(msg, dict) else None)

    @property
    def method(self) -> str | None:
        method = self.msg.get("method") if self.msg is not None else None
        return method if isinstance(method, str) else None

    @property
    def is_request(self) -> bool:
        return self.msg is not None and "method" in self.msg and "id" in self.msg

    @property
    def is_response(self) -> bool:
        return self.msg is not None and "id" in self.msg and "method" not in self.msg

    @property
    def id(self) -> Any:
        return self.msg.get("id") if self.msg is not None else None


@dataclass(slots=True)
class Received:
    """What to do with one frame from the server."""

    to_client: list[str] = field(default_factory=list)  # lines for stdout, in order
    to_server: list[str] = field(default_factory=list)  # frames to send next (the replay's next steps)
    replay_done: bool = False  # the connection is ready for the client's messages


@dataclass(slots=True)
class _Replay:
    """A request the tunnel sent on its own behalf: the initialize, or one toolset call."""

    toolset: str | None  # None: the initialize


def _toolset_call(msg: dict[str, Any] | None) -> str | None:
    """The toolset an ``enable-toolset`` / ``disable-toolset`` call names, if it is one."""
    if msg is None or msg.get("method") != "tools/call":
        return None
    params = msg.get("params")
    if not isinstance(params, dict) or params.get("name") not in TOOLSET_TOOLS:
        return None
    arguments = params.get("arguments")
    toolset = arguments.get("toolset") if isinstance(arguments, dict) else None
    return toolset if isinstance(toolset, str) else None


def _succeeded(answer: dict[str, Any]) -> bool:
    result = answer.get("result")
    return isinstance(result, dict) and not result.get("isError")


def _error_text(answer: dict[str, Any]) -> str:
    error = answer.get("error")
    if isinstance(error, dict):
        return str(error.get("message"))
    result = answer.get("result")
    content = result.get("content") if isinstance(result, dict) else None
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("text", ""))[:200]
    return "no result"


class Session:
    """What the relay must remember about the client's session; see the module docstring."""

    def __init__(self) -> None:
        self.connection = 0  # number of the current (or last) connection
        self.init: dict[str, Any] | None = None  # the client's initialize request
        self.init_state = InitState.NONE
        self.inflight: dict[str, Message] = {}  # the client's requests on the current connection, by key
        self.toolsets: dict[str, dict[str, Any]] = {}  # enabled toolset -> params of its enable call, in order
        self._server_requests: dict[str, int] = {}  # server->client request key -> connection that asked
        self._replay: dict[str, _Replay] = {}  # private key -> what it replays, on the current connection

    # ---- the client's messages -----------------------------------------------------------------

    def from_client(self, raw: str) -> Message:
        """A line from the client; an ``initialize`` is captured (it is what a new connection replays)."""
        message = Message.parse(raw)
        if message.is_request and message.method == "initialize":
            assert message.msg is not None
            self.init, self.init_state = message.msg, InitState.NONE
        return message

    def sending(self, message: Message) -> bool:
        """``message`` is about to go out on the current connection; False: drop it instead.

        A reply to a server request asked on an earlier connection is dropped (no one waits for it).
        """
        if message.is_response:
            asked_on = self._server_requests.pop(key(message.id), None)
            if asked_on is not None and asked_on != self.connection:
                log.info("dropping a reply to a server request from a previous connection")
                return False
        elif message.is_request:
            self.inflight[key(message.id)] = message
            if message.msg is self.init:
                self.init_state = InitState.AWAITING
        elif message.method == "notifications/initialized" and self.init_state is InitState.ANSWERED:
            self.init_state = InitState.INITIALIZED
        return True

    def not_sent(self, message: Message) -> bool:
        """Sending ``message`` failed (the connection closed); True: answer the client with an error."""
        if not message.is_request or self.inflight.pop(key(message.id), None) is None:
            return False
        if message.msg is self.init:  # it never reached the server: send it on the next connection
            self.init_state = InitState.RESEND
            return False
        return True

    # ---- the server's messages -----------------------------------------------------------------

    def from_server(self, text: str) -> Received:
        """A frame from the server: what to write to the client and what to send back."""
        out = Received()
        try:
            msg = json.loads(text)
        except ValueError:
            msg = None
        if isinstance(msg, dict) and "id" in msg:
            k = key(msg["id"])
            if "method" in msg:
                self._server_requests[k] = self.connection
            else:
                step = self._replay.pop(k, None)
                if step is not None:
                    self._replayed(step, msg, out)
                    return out
                self._answered(self.inflight.pop(k, None), msg)
        elif isinstance(msg, dict) and msg.get("method") == LIST_CHANGED and self._replay:
            return out  # the replay's own toolset changes: the client gets one list_changed when it is done
        out.to_client.append(text.replace("\n", " ") if "\n" in text else text)
        return out

    def _answered(self, request: Message | None, answer: dict[str, Any]) -> None:
        if request is None:
            return
        if request.msg is self.init:
            self.init_state = InitState.ANSWERED if "result" in answer else InitState.NONE
            return
        toolset = _toolset_call(request.msg)
        if toolset is None or not _succeeded(answer):
            return
        assert request.msg is not None
        self.toolsets.pop(toolset, None)  # re-inserted last: replayed in the order of their last change
        if request.msg["params"]["name"] == "enable-toolset":  # a new server session has none enabled
            self.toolsets[toolset] = {k: v for k, v in request.msg["params"].items() if k != "_meta"}

    def _replayed(self, step: _Replay, answer: dict[str, Any], out: Received) -> None:
        if step.toolset is None:
            if "error" in answer:
                log.warning("the server refused the replayed initialize: %s", _error_text(answer))
            else:
                result = answer.get("result")
                version = result.get("protocolVersion") if isinstance(result, dict) else None
                log.info("session re-initialized on the new connection (protocol %s)", version)
            if self.init_state is InitState.INITIALIZED:
                out.to_server.append(_notification("notifications/initialized"))
            out.to_server += self._toolset_requests()
        elif _succeeded(answer):
            log.info("toolset %s restored on the new connection", step.toolset)
        else:
            log.warning("could not restore toolset %s on the new connection: %s", step.toolset, _error_text(answer))
            self.toolsets.pop(step.toolset, None)
        if not self._replay:
            out.replay_done = True
            if self.init_state is InitState.INITIALIZED:
                out.to_client.append(_notification(LIST_CHANGED))

    def _toolset_requests(self) -> list[str]:
        frames = []
        for n, (toolset, params) in enumerate(self.toolsets.items()):
            rid = f"{REPLAY_PREFIX}-{self.connection}-{n + 1}"
            self._replay[key(rid)] = _Replay(toolset)
            frames.append(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}))
        return frames

    # ---- connections ---------------------------------------------------------------------------

    def connected(self) -> list[str]:
        """A new connection: the frames to send before anything else (see ``replaying``)."""
        self.connection += 1
        self._replay.clear()
        if self.init is None:
            return []
        if self.init_state is InitState.RESEND:
            self.inflight[key(self.init["id"])] = Message(json.dumps(self.init), self.init)
            self.init_state = InitState.AWAITING
            return [json.dumps(self.init)]
        if self.init_state not in (InitState.ANSWERED, InitState.INITIALIZED):
            return []
        rid = f"{REPLAY_PREFIX}-{self.connection}"
        self._replay[key(rid)] = _Replay(None)
        return [json.dumps({**self.init, "id": rid})]

    @property
    def replaying(self) -> bool:
        """Whether the tunnel awaits answers to its own replayed requests on this connection."""
        return bool(self._replay)

    def lost(self) -> list[Any]:
        """The connection dropped: the ids of the client's requests to answer with an error."""
        ids = []
        for message in self.inflight.values():
            if message.msg is self.init and self.init_state is InitState.AWAITING:
                self.init_state = InitState.RESEND
                continue
            ids.append(message.id)
        self.inflight.clear()
        self._replay.clear()
        return ids

    def abandon(self) -> list[Any]:
        """The tunnel gives up (a fatal error): the ids of every request in flight."""
        ids = [message.id for message in self.inflight.values()]
        self.inflight.clear()
        self._replay.clear()
        return ids
