"""A link to Akamai that drops an answer, as a proxy restart or a network fault between alecs and Akamai does after
the request went out: the request crosses (a real signed HTTPS request the sandbox handles), its answer is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.support.relay import Relay


class CutLink(Relay):
    """The first answer the upstream sends once `cut_when()` is true is not relayed: that connection is closed
    instead, once (the test makes `cut_when` true when the sandbox has logged the request whose answer should be lost;
    the sandbox logs a request before it answers). Later answers pass."""

    def __init__(self, upstream: tuple[str, int], cut_when: Callable[[], bool]) -> None:
        self.cut_when = cut_when
        self.cut = 0  # answers dropped (at most one)
        self._cutting = threading.Lock()
        super().__init__(upstream)

    def relay(self, chunk: bytes, answer: bool) -> bool:
        with self._cutting:
            if answer and not self.cut and self.cut_when():
                self.cut += 1
                return False
        return True
