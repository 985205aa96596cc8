"""What the commands print for a person, robust to a reader that stops reading (``| head -3``)."""

from __future__ import annotations

import contextlib
import os
from typing import TextIO


def say(text: str, stream: TextIO) -> None:
    """Print ``text`` to ``stream`` now; if its reader has gone, drop this and all later output quietly.

    Without this, ``alecs-tunnel check | head -3`` ends in a ``BrokenPipeError`` traceback (here, or
    when Python flushes stdout at exit). The command keeps its own exit code.
    """
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        silence(stream)


def flush(stream: TextIO) -> None:
    """Flush ``stream`` now; if its reader has gone, drop what is left quietly."""
    try:
        stream.flush()
    except BrokenPipeError:
        silence(stream)


def silence(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null, so nothing more (not even the flush at exit) fails."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
