"""Turns `call-akamai-operation` arguments into the request to send, and says why one must not be sent.

The caller names each parameter once (path, query and header parameters share one object, as `describe` lists
them); the operation says where each goes. JSON bodies only: an operation that takes only files or forms
(uploads) or answers only with files (downloads) is refused with a sentence, never sent half-understood.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from alecs.openapi.index import Operation
from alecs.openapi.validate import Problem, Request, check, choose_media, is_json, wire

# Answers alecs passes on as they are besides JSON: short confirmations (EdgeKV writes answer text/plain).
TEXT_ANSWERS = ("text/plain",)
MANAGED_HEADERS = ("content-type",)  # set from the body's media type, never taken from the caller


class CallRefused(Exception):
    """The call cannot be made as asked; the message is one sentence for the assistant."""


@dataclass(frozen=True)
class Call:
    """A checked request, ready for ToolCall.send."""

    op: Operation
    request: Request
    path_values: Mapping[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def send_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ToolCall.send."""
        return {"method": self.op.method, "path": self.request.path,
                "params": {k: wire(v) for k, v in self.request.query.items()},  # as the validator read them
                "headers": dict(self.request.headers), "json_body": self.request.body}


def upload_refusal(op: Operation) -> str | None:
    """Why the operation's body cannot be sent as JSON, or None."""
    if op.bodies and not any(is_json(m) for m in op.bodies):
        kinds = ", ".join(op.bodies)
        return (f"{op.key} takes a {kinds} body (a file or form upload); call-akamai-operation sends JSON bodies "
                "only. Use a curated alecs tool for this job where there is one, or Akamai's CLI.")
    return None


def download_refusal(op: Operation) -> str | None:
    """Why the operation's answer cannot be returned, or None."""
    if op.responses and not any(is_json(m) or m in TEXT_ANSWERS for m in op.responses):
        kinds = ", ".join(op.responses)
        return (f"{op.key} answers with {kinds} (a file download); call-akamai-operation returns JSON answers "
                "only. Use a curated alecs tool for this job where there is one, or Akamai's CLI.")
    return None


def accept_header(op: Operation, body_media: str | None = None) -> str | None:
    """The Accept header for the operation's JSON answer, when it is a vendor type (CPS, GTM, China CDN): the
    version the body is sent in where the answer has it too, else the last listed (the newest)."""
    json_types = [m for m in op.responses if is_json(m) and m != "*/*"]
    if not json_types or "application/json" in json_types:
        return None
    return body_media if body_media in json_types else json_types[-1]


def prepare(op: Operation, parameters: Mapping[str, Any] | None, body: Any) -> Call:
    """The request for `op` from the caller's parameters and body, checked against the definition (the
    problems are on the result; nothing is sent here). Raises CallRefused for what no fix of the arguments
    could make sendable or for parameters the operation does not have."""
    refusal = upload_refusal(op) or download_refusal(op)
    if refusal:
        raise CallRefused(refusal)
    parameters = dict(parameters or {})
    unknown = [name for name in parameters if op.param(name) is None and name.lower() not in MANAGED_HEADERS]
    if unknown:
        known = ", ".join(p.name for p in op.params) or "none"
        raise CallRefused(f"{op.key} has no parameter {', '.join(map(repr, unknown))}; its parameters: {known}. "
                          "Call describe-akamai-operation for what each one takes.")
    path_values: dict[str, Any] = {}
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    content_type = None
    for name, value in parameters.items():
        if value is None:
            continue
        param = op.param(name)
        if param is None:  # a managed header: the media type the caller asks for
            content_type = str(value)
        elif param.location == "path":
            path_values[param.name] = value
        elif param.location == "query":
            query[param.name] = value
        elif param.name.lower() == "content-type":
            content_type = str(wire(value))
        else:
            headers[param.name] = str(wire(value))
    for name, value in path_values.items():
        text = str(wire(value))
        if text.strip(".") == "" or re.search(r"[\x00-\x1f\x7f]", text):
            raise CallRefused(f"Path parameter {name!r} is not a valid identifier: {text!r}.")
    path = re.sub(r"{([^}/]+)}", lambda m: quote(str(wire(path_values[m.group(1)])), safe="")
                  if m.group(1) in path_values else m.group(0), op.path)
    if body is not None and op.bodies:
        media = choose_media(op, content_type)
        if media is not None:
            headers["Content-Type"] = "application/json" if media == "*/*" else media
        elif content_type:
            headers["Content-Type"] = content_type
    accept = accept_header(op, headers.get("Content-Type"))
    if accept and not any(k.lower() == "accept" for k in headers):
        headers["Accept"] = accept
    request = Request(op.method, path, query, headers, body)
    problems = check(op, request, {k: str(wire(v)) for k, v in path_values.items()})
    return Call(op, request, path_values, tuple(problems))
