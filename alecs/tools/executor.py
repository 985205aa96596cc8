"""The one executor: validate, call Akamai (or the tool's handler), shape the result."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from alecs.akamai.client import AkamaiClient
from alecs.errors import AkamaiError, AlecsError, ToolInputError
from alecs.principal import Principal
from alecs.services import NOTIFY_EMAILS_ENV, Services
from alecs.tools import confirm
from alecs.tools.call import ProgressFn, SessionControl, ToolCall
from alecs.tools.hints import misplaced_names
from alecs.tools.model import CUSTOMER, PAGE_FIELDS, input_model
from alecs.tools.question import InputNeeded
from alecs.tools.results import PAGE_KEYS, ToolOutput, dig, paginate, render, structured
from alecs.tools.spec import ToolSpec
from alecs.tools.text import render_object, render_page
from alecs.tools.tidy import FULL, NOISY_APIS, Trimmed, ids_from_links, single, trim

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """A tool call's answer: structured content, the text the assistant reads, and whether it failed."""

    data: dict[str, Any]
    text: str
    is_error: bool = False


def describe_validation(exc: ValidationError) -> str:
    """One line naming each refused field and why."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ()))
        msg = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
        elif err.get("type") == "value_error":
            msg = msg.removeprefix("Value error, ")  # a rule of the tool's own, worded as a sentence
        lines.append(f"{where}: {msg}" if where else msg)
    return "Invalid arguments: " + "; ".join(lines)


def validate(spec: ToolSpec, arguments: dict[str, Any] | None) -> dict[str, Any]:
    """Arguments as the tool's model accepts them; raises ValidationError naming the field."""
    model = input_model(spec).model_validate(arguments or {})
    return model.model_dump(exclude_none=False)


class Executor:
    """Runs validated tool calls against one Akamai client with the server's services."""

    def __init__(self, client: AkamaiClient, services: Services) -> None:
        self.client = client
        self.services = services

    async def run(self, spec: ToolSpec, args: dict[str, Any], *, principal: Principal, session: SessionControl,
                  progress: ProgressFn | None = None) -> Outcome:
        """Run a validated call; errors become tool errors the assistant can read."""
        call = ToolCall(spec, self.client, customer=args.get(CUSTOMER) or "default", principal=principal,
                        session=session, services=self.services, progress=progress)
        started = time.monotonic()
        try:
            args = with_server_defaults(spec, args, self.services)
            await confirm.check(call, args, self.services.confirm)  # networks and the person's confirmation
            if spec.handler is not None:
                result = await spec.handler(call, args)
            else:
                result = (await call.send(**call.build(args))).data
            return shape(spec, result, args)
        except AkamaiError as exc:
            problem = exc.as_dict()
            text = f"Akamai error {exc.status}: {problem.get('title', '')}"
            if problem.get("detail"):
                text += f"\n{problem['detail']}"
            if problem.get("instance"):
                text += f"\ninstance: {problem['instance']}"
            if problem.get("errors"):
                text += "\n" + render(problem["errors"])
            hint = misplaced_names(spec, args) if exc.status in (400, 403, 404) else None
            if hint:
                text += f"\n{hint}"
            return Outcome({"error": problem}, text, True)
        except AlecsError as exc:
            return Outcome({"error": {"title": str(exc)}}, str(exc), True)
        except InputNeeded:
            raise  # the server answers with the question (2026-07-28) and the call comes back with the answer
        except Exception:
            return internal_error(spec.name)
        finally:
            log.debug("tool %s ran %d request(s) in %.0f ms", spec.name, call.requests,
                      (time.monotonic() - started) * 1000)


def with_server_defaults(spec: ToolSpec, args: dict[str, Any], services: Services) -> dict[str, Any]:
    """`args` with each input the call left out that the operator configured a default for (notifyEmails from
    ALECS_NOTIFY_EMAILS); a required one with no default configured is refused before any request."""
    filled = dict(args)
    for p in spec.params:
        if p.server_default is None or filled.get(p.name) is not None:
            continue
        value = getattr(services, p.server_default)
        if value:
            filled[p.name] = list(value)
        elif p.required:
            raise ToolInputError(f"{p.name} is required: name who Akamai should tell, e.g. {p.name}="
                                 f"[\"noc@example.com\"] (the server has no default: {NOTIFY_EMAILS_ENV} is unset).")
    return filled


def internal_error(tool: str) -> Outcome:
    """The answer to a failure alecs did not foresee (call it from an `except` block): the traceback goes to the
    server's log, once, under an incident id; the assistant gets the id and no exception text, which could
    carry anything (a secret, a path, a header)."""
    incident = secrets.token_hex(4)
    log.error("tool %s failed unexpectedly (incident %s)", tool, incident, exc_info=True)
    text = (f"Internal error in {tool} (incident {incident}): alecs could not complete the call. "
            "The server's log has the details under that incident id.")
    return Outcome({"error": {"title": "Internal error", "detail": text, "incident": incident}}, text, True)


def shape(spec: ToolSpec, result: Any, args: dict[str, Any]) -> Outcome:
    """The outcome of a successful call: ids instead of links, PAPI's one-item envelope opened, paged when the
    tool lists items, the bulk left out unless `full`, and a text that carries the data (alecs.tools.text)."""
    text: str | None = None
    shows: tuple[str, ...] | None = None
    if isinstance(result, ToolOutput):
        result, text, shows = result.data, result.text, result.shows
    if spec.method == "GET" and not spec.items:
        result = single(result)
    if not spec.any_operation:  # call-akamai-operation answers in the shape its operation's documentation gives
        result = ids_from_links(result)
    data = _page(spec, result, args) if spec.items else structured(result)
    trimmed = trim(data) if spec.api in NOISY_APIS and not args.get(FULL) else Trimmed(data)
    data = trimmed.data
    if text is None:
        text = _render_page(spec, data) if spec.items else render_object(data).text
    else:
        rest = {k: v for k, v in data.items() if shows is not None and k not in shows}
        if rest and not spec.items:
            text += "\n" + render_object(rest).text
    note = trimmed.note()
    return Outcome(data, text + ("\n" + note if note else ""))


def _page(spec: ToolSpec, result: Any, args: dict[str, Any]) -> dict[str, Any]:
    """One page of the tool's list, with the answer's other fields (an etag, the parent's ids) beside it."""
    assert spec.items is not None
    whole = spec.items == "."
    items = result if whole else dig(result, spec.items)
    items = [] if items is None else items if isinstance(items, list) else [items]
    root = spec.items.split(".")[0]
    context = {k: v for k, v in result.items() if k != root} if isinstance(result, dict) and not whole else {}
    return context | paginate(items, args.get(PAGE_FIELDS[0]), args.get(PAGE_FIELDS[1]))


def _render_page(spec: ToolSpec, data: dict[str, Any]) -> str:
    """The answer's other fields as lines, then the page's head and rows."""
    assert spec.items is not None
    noun = next((p for p in reversed(spec.items.split(".")) if p not in ("items", "")), "items")
    text = render_page(data, spec.columns, spec.row, noun).text
    context = {k: v for k, v in data.items() if k not in PAGE_KEYS}
    return render_object(context).text + "\n" + text if context else text
