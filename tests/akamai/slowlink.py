"""A slow link to Akamai: a loopback TCP relay that holds each chunk the client sends for a fixed delay.

TLS passes through untouched (the sandbox's certificate names localhost, and EdgeGrid signs the Host header the
client sends), so calls through it are real signed HTTPS calls that simply take longer, like a far-away API.
"""

from __future__ import annotations

import time

from tests.support.relay import Relay


class SlowLink(Relay):
    """Relays 127.0.0.1:`port` to `upstream`, delaying client-to-server data by `delay` seconds per chunk."""

    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.delay = delay
        super().__init__(upstream)

    def relay(self, chunk: bytes, answer: bool) -> bool:
        if not answer and self.delay:
            time.sleep(self.delay)  # the link's latency, not a test waiting for something
        return True
