"""Changes that reach production: refused for tokens kept to other networks, confirmed by the person first.

Every call passes `check` before its first request. What a call changes is data on its declaration
(`ToolSpec.network`, see `ToolSpec.reach`); whether the person is asked is the declaration's `confirm` flag and
the policy: the token's own (`alecs token generate --confirm`) or else the server's `ALECS_CONFIRM`:

- `elicit` (default): ask through MCP elicitation when the client can; otherwise go ahead, as before (the client's
  own approval of destructive tools is the safeguard);
- `require`: ask, and refuse with a sentence when the client cannot ask;
- `off`: never ask.

A call that stays on staging is never asked about. The question names the change, the account (the `.edgerc`
section and its account switch key), the network, the arguments and, for activations, the version and what
changed since the one active on that network (the tool's `preview`). Declined, cancelled, unanswered for
`ANSWER_SECONDS` or not answerable: nothing is sent, and the tool says so.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio

from alecs.errors import AlecsError, PermissionDenied
from alecs.logs import audit_event
from alecs.principal import ConfirmPolicy
from alecs.tools.call import ToolCall
from alecs.tools.model import CUSTOMER, PAGE_FIELDS
from alecs.tools.question import ANSWER_SECONDS, NotConfirmed, Question
from alecs.tools.spec import NETWORK_ARGUMENT

audit = logging.getLogger("alecs.audit")  # beside the server's tool_call line: what the person answered
UNSHOWN = frozenset({CUSTOMER, "wait", "timeoutSeconds", *PAGE_FIELDS})  # arguments that change nothing
MAX_ARGUMENT = 120  # characters of one argument's value shown in the question


async def check(call: ToolCall, args: dict[str, Any], policy: ConfirmPolicy) -> None:
    """Refuses (PermissionDenied, NotConfirmed) a call its caller may not make or the person did not confirm;
    `policy` is the server's ALECS_CONFIRM. Raises InputNeeded in the 2026-07-28 era while the answer is pending."""
    spec = call.spec
    reach = spec.reach(args)
    allowed = call.principal.networks
    if reach != "none" and allowed is not None and reach not in allowed:
        where = "the production network" if reach == "production" else "the staging network"
        raise PermissionDenied(f"This token may only change {' and '.join(sorted(allowed))}: {spec.name} with these "
                               f"arguments changes {where}, so it was refused and nothing was sent. Reads work.")
    if not spec.confirm or reach == "staging" or (reach == "none" and spec.network != "none"):
        return  # asked: production changes, and irreversible deletions of what is not live (network "none")
    chosen = call.principal.confirm or policy
    if chosen == "off":
        return
    if not call.session.can_ask:
        if chosen == "require":
            raise PermissionDenied(f"{spec.name} needs the person's confirmation, and this client cannot ask for it "
                                   "(no MCP elicitation): nothing was sent. Use a client that supports elicitation, "
                                   "or ask the operator about the confirmation policy.")
        return  # elicit: the client's own approval of destructive tools, as before
    question = await compose(call, args, reach)
    with anyio.move_on_after(ANSWER_SECONDS):
        answer = await call.session.ask(question)
        audit_event(audit, "confirmation", token=call.principal.label, customer=call.customer, tool=spec.name,
                    answer=answer)
        if answer == "accept":
            return
        raise NotConfirmed(f"{spec.name} was {'declined' if answer == 'decline' else 'cancelled'} by the person: "
                           "nothing was sent to Akamai.")
    raise NotConfirmed(f"{spec.name} was not confirmed within {ANSWER_SECONDS / 60:.0f} minutes: nothing was sent "
                       "to Akamai.")


async def compose(call: ToolCall, args: dict[str, Any], reach: str) -> Question:
    """The question for one call: what, which account, which network, the arguments, and the tool's preview."""
    spec = call.spec
    creds = await anyio.to_thread.run_sync(call.client.credentials, call.customer)  # reads .edgerc: off the loop
    network = _network_named(spec.network, args)
    lines = [f"Confirm: {spec.title} ({spec.name})" + (f" on {network}" if network else ""),
             f"Account: customer '{call.customer}' (.edgerc section), "
             + (f"account switch key {creds.account_key}" if creds.account_key else "no account switch key"),
             "Network: " + (network or ("production, live at once (there is no staging step)"
                                        if reach == "production" else "no live traffic, but it cannot be undone"))]
    shown = [f"{k}={_value(v)}" for k, v in args.items() if k not in UNSHOWN and v is not None]
    if shown:
        lines.append("Arguments: " + ", ".join(shown))
    if spec.preview is not None:
        try:
            lines += await spec.preview(call, args)
        except AlecsError as exc:  # Akamai errors included: the question still goes out, saying what is unknown
            lines.append(f"(Could not compare with what is live now: {exc})")
    lines.append("Nothing is sent to Akamai unless you accept.")
    return Question("\n".join(lines))


def _network_named(network: object, args: dict[str, Any]) -> str | None:
    """The network(s) the arguments name (STAGING, PRODUCTION), for declarations that take it from them."""
    match = NETWORK_ARGUMENT.match(network) if isinstance(network, str) else None
    if match is None:
        return None
    value = args.get(match.group(1))
    values = [v.get(match.group(2)) if isinstance(v, dict) else None for v in value or []] if match.group(2) \
        else [value]
    named = sorted({str(v).upper() for v in values if v is not None})
    return ", ".join(named) or None


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= MAX_ARGUMENT else text[:MAX_ARGUMENT - 3] + "..."

