"""Asking the person through their MCP client (form elicitation), in both protocol eras.

- 2025-11-25 (the initialize handshake): the server sends `elicitation/create` on the tools/call's own channel and
  waits for the client's answer, when the client declared the elicitation capability (form mode, or a bare
  `elicitation: {}`) and the connection can carry a server request.
- 2026-07-28: servers send no requests of their own. The tools/call is answered with an input-required result
  carrying the same `elicitation/create` request and a `requestState`; the client asks the person and calls the tool
  again with the answer in `inputResponses` and the state echoed. The SDK's `RequestStateBoundary` (installed by
  `boundary`) seals that state and binds it to the tool, its arguments, the caller and ten minutes; alecs adds a
  digest of the question's text (an answer counts only for the text the person read: if what is live changed
  meanwhile, the new text is asked again) and a nonce spent on first use (an echoed answer cannot be replayed).

The question itself (what, which account, which network, what changed) is `alecs.tools.confirm`'s.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity
from mcp_types.version import is_version_at_least

from alecs.caller import principal_of
from alecs.principal import CURRENT
from alecs.tools.question import ANSWER_SECONDS, FORM, Answer, InputNeeded, NotConfirmed, Question, answer_of

log = logging.getLogger(__name__)

INPUT_REQUIRED_ERA = "2026-07-28"  # the first protocol version that asks inside an input-required result
KEY = "alecs_confirm"  # the key of the question in input_requests / inputResponses
MAX_SPENT = 10_000  # nonces remembered at once (each lives ANSWER_SECONDS)


def boundary(audience: str) -> RequestStateBoundary:
    """The SDK middleware that seals every `requestState` alecs sends (AES-GCM under a key held by this process,
    bound to the tool, its arguments and the caller) and verifies every one echoed back."""
    security = RequestStateSecurity(keys=[os.urandom(32)], ttl=ANSWER_SECONDS, bind_principal=_caller)
    return RequestStateBoundary(security, default_audience=audience)


def _caller(ctx: ServerRequestContext[Any, Any]) -> str:
    principal = principal_of(ctx.request) or CURRENT.get()
    return f"{principal.label}/{principal.grant or '-'}"


class SpentAnswers:
    """Nonces of answered questions: each counts once, for as long as its sealed state could be echoed back."""

    def __init__(self) -> None:
        self._spent: dict[str, float] = {}

    def spend(self, nonce: object) -> bool:
        """True the first time `nonce` is presented (then it is spent), False ever after or for a non-nonce."""
        now = time.monotonic()
        if len(self._spent) > MAX_SPENT // 2:
            self._spent = {n: t for n, t in self._spent.items() if t > now}
        if not isinstance(nonce, str) or nonce in self._spent or len(self._spent) >= MAX_SPENT:
            return False
        self._spent[nonce] = now + ANSWER_SECONDS
        return True


def input_required(question: Question) -> types.InputRequiredResult:
    """The 2026-07-28 answer to a call that needs the person's confirmation first."""
    ask = types.ElicitRequest(params=types.ElicitRequestFormParams(message=question.message, requested_schema=FORM))
    state = json.dumps({"q": question.digest, "n": secrets.token_urlsafe(16)})
    return types.InputRequiredResult(input_requests={KEY: ask}, request_state=state)


class Asker:
    """The person behind one tools/call's client, as `SessionControl.can_ask` / `ask` reach them."""

    def __init__(self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams,
                 spent: SpentAnswers) -> None:
        self.ctx, self.params, self.spent = ctx, params, spent
        self.modern = is_version_at_least(ctx.protocol_version, INPUT_REQUIRED_ERA)

    @property
    def can_ask(self) -> bool:
        """Whether the client declared form elicitation (a bare `elicitation: {}` counts) and, in the handshake
        era, whether this connection can carry the server's request."""
        caps = self.ctx.session.client_capabilities
        elicitation = caps.elicitation if caps is not None else None
        if elicitation is None or (elicitation.form is None and elicitation.url is not None):
            return False
        return self.modern or self.ctx.session.can_send_request

    async def ask(self, question: Question) -> Answer:
        """The person's answer; in the 2026-07-28 era InputNeeded until the call comes back with it."""
        if self.modern:
            answer = self._answer_echoed(question)
            if answer is None:
                raise InputNeeded(question)
            return answer
        try:
            result = await self.ctx.session.elicit_form(question.message, FORM, related_request_id=self.ctx.request_id)
        except Exception as exc:  # an error answer, a client that went away: nothing may be sent
            log.info("elicitation failed: %s", type(exc).__name__)
            raise NotConfirmed("The client could not ask the person for confirmation: nothing was sent to Akamai.") \
                from None
        return answer_of(result.action, result.content)

    def _answer_echoed(self, question: Question) -> Answer | None:
        """The answer this retry carries to exactly this question, once; None means: ask (again)."""
        response = (self.params.input_responses or {}).get(KEY)
        if not isinstance(response, types.ElicitResult) or self.params.request_state is None:
            return None
        try:
            state = json.loads(self.params.request_state)  # already verified and unsealed by the boundary
        except ValueError:
            return None
        if not isinstance(state, dict) or state.get("q") != question.digest:
            return None  # another question (what is live changed since): ask this one
        if not self.spent.spend(state.get("n")):
            return None  # an answer already used once
        return answer_of(response.action, response.content)
