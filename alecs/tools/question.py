"""What is put to the person before a change and what comes back: the question, the form, the answer, and the
signal that the 2026-07-28 era's client must come back with the answer. Shared by the confirmation gate
(`alecs.tools.confirm`), the running call's session (`alecs.tools.call.SessionControl.ask`) and the server's asker."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from alecs.errors import AlecsError

Answer = Literal["accept", "decline", "cancel"]
ANSWER_SECONDS = 600.0  # how long a question waits for the person before the call gives up (nothing is sent)
# The form the client shows: one checkbox, so that accepting is a deliberate act in every client's rendering.
FORM: dict[str, Any] = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean", "title": "Send this change to Akamai",
                               "description": "Tick to send it; leave unticked or decline to send nothing.",
                               "default": False}},
    "required": ["confirm"],
}


@dataclass(frozen=True)
class Question:
    """What the person is asked: the whole message, and a digest that ties an answer to exactly this text."""

    message: str

    @property
    def digest(self) -> str:
        """A short hash of the message: an answer counts only for the question it was given to."""
        return hashlib.sha256(self.message.encode()).hexdigest()[:32]


class InputNeeded(Exception):  # noqa: N818 - a signal to the server, not an error
    """The 2026-07-28 era: the server answers the call with an input-required result carrying `question`; the client
    asks the person and calls again with the answer. Raised by `SessionControl.ask`; the executor lets it through."""

    def __init__(self, question: Question) -> None:
        super().__init__("the person's answer is needed")
        self.question = question


class NotConfirmed(AlecsError):
    """The person declined, cancelled or did not answer: nothing was sent."""


def answer_of(action: str, content: dict[str, Any] | None) -> Answer:
    """An elicitation result as an answer: accepting counts only with the box ticked."""
    if action == "accept":
        return "accept" if (content or {}).get("confirm") is True else "decline"
    return "cancel" if action == "cancel" else "decline"
