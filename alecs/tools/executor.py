"""The one executor: validate, call Akamai (or the tool's handler), shape the result."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from alecs.akamai.client import AkamaiClient
from alecs.errors import AkamaiError, AlecsError
from alecs.principal import Principal
from alecs.services import Services
from alecs.tools import confirm
from alecs.tools.call import ProgressFn, SessionControl, ToolCall
from alecs.tools.model import CUSTOMER, PAGE_FIELDS, input_model
from alecs.tools.question import InputNeeded
from alecs.tools.results import ToolOutput, dig, paginate, render, structured
from alecs.tools.spec import ToolSpec

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
        where = ".".join(str(x) for x in err.get("loc", ())) or "arguments"
        msg = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
        lines.append(f"{where}: {msg}")
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
    """The outcome of a successful call: paged when the tool lists items, with a readable text."""
    text: str | None = None
    if isinstance(result, ToolOutput):
        result, text = result.data, result.text
    if spec.items:
        items = dig(result, spec.items) if spec.items != "." else result
        if isinstance(items, list):
            page = paginate(items, args.get(PAGE_FIELDS[0]), args.get(PAGE_FIELDS[1]))
            return Outcome(page, text or render(page, spec.columns, paged=True))
    return Outcome(structured(result), text or render(result))
