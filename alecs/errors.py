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
