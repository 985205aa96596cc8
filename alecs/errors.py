"""Errors that reach the assistant as one clear sentence, never a traceback."""

from __future__ import annotations

from typing import Any


class AlecsError(Exception):
    """Base class: its message is safe to show to the assistant and the operator."""


class ConfigError(AlecsError):
    """The operator's configuration (.edgerc, flags, environment) is missing or wrong."""


class ToolInputError(AlecsError):
    """The assistant's arguments were refused before any API call."""


class PermissionDenied(AlecsError):
    """The caller's token does not allow this tool or customer."""


class AkamaiError(AlecsError):
    """Akamai answered with an error; carries its problem+json fields."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        title = problem.get("title") or "Akamai API error"
        detail = problem.get("detail")
        super().__init__(f"Akamai API error {status}: {title}" + (f" ({detail})" if detail else ""))

    def as_dict(self) -> dict[str, Any]:
        keys = ("type", "title", "detail", "instance", "errors")
        return {"status": self.status} | {k: self.problem[k] for k in keys if k in self.problem}


class NoAnswer(AkamaiError):
    """A change was sent to Akamai but no answer came back (a read timeout, or the connection dropped after the
    request went out): it may have taken effect. Never replayed; activation tools look the result up instead."""

    def __init__(self, method: str, path: str, why: str) -> None:
        super().__init__(0, {"title": "No answer from Akamai",
                             "detail": f"{method} {path} was sent but {why} before Akamai answered; it may have "
                                       "taken effect, so it was not sent again."})
        self.method, self.path = method, path
