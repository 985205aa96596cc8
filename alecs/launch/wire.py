"""The stdio wire for the whole life of the process: the client's lines in, answer lines out.

Standard library only. Like the SDK's stdio transport, the process's descriptors 0 and 1 are moved out of the way
while serving (0 reads the null device, 1 writes to stderr), so a stray `print` or a child process can never corrupt
the protocol; the wire uses private duplicates of them. One reader thread reads lines for the whole session and
hands them first to the front (blocking `take`), then to the event loop (`attach`), with at most `BACKLOG` lines
read ahead, so a client that floods stdin is pushed back on.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from typing import TYPE_CHECKING, BinaryIO, cast

if TYPE_CHECKING:
    import asyncio

BACKLOG = 64


class Loaded:
    """The loader's report, put in the same inbox as the client's lines: the server is ready, or failed."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


Item = bytes | Loaded  # b"" is the end of input


class Wire:
    """Private duplicates of the standard descriptors; `restore` puts them back."""

    def __init__(self) -> None:
        self._saved: list[tuple[int, int]] = []
        self.stdin: BinaryIO = self._claim(0, sys.stdin, os.O_RDONLY, "rb")
        self.stdout: BinaryIO = self._claim(1, sys.stdout, os.O_WRONLY, "wb")

    def _claim(self, fd: int, stream: object, flags: int, mode: str) -> BinaryIO:
        buffer: BinaryIO = stream.buffer  # type: ignore[attr-defined]
        try:
            if buffer.fileno() != fd:
                return buffer
            private = os.dup(fd)
            os.set_inheritable(private, False)
            diversion = os.dup(2) if fd == 1 else os.open(os.devnull, flags)
            os.dup2(diversion, fd)
            os.close(diversion)
        except (OSError, AttributeError, ValueError):
            return buffer  # serve the stream in place, as the SDK does when it cannot divert
        self._saved.append((fd, private))
        return cast(BinaryIO, os.fdopen(private, mode, closefd=False))  # never closed: a reader may block on it

    def restore(self) -> None:
        """Point descriptors 0 and 1 back at the wire."""
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()  # what went to stderr meanwhile stays there
        for fd, private in self._saved:
            with contextlib.suppress(OSError):
                os.dup2(private, fd)
        self._saved.clear()

    def write(self, data: bytes) -> None:
        """Write one or more whole lines and flush (blocking)."""
        self.stdout.write(data)
        self.stdout.flush()


class Inbox:
    """The client's lines (read on a daemon thread) and the loader's report, in arrival order."""

    def __init__(self, stdin: BinaryIO) -> None:
        self._stdin = stdin
        self._items: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._room = threading.Semaphore(BACKLOG)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lines: asyncio.Queue[bytes] | None = None
        threading.Thread(target=self._read, name="alecs-stdin", daemon=True).start()

    def _read(self) -> None:
        while True:
            self._room.acquire()
            try:
                line = self._stdin.readline()
            except (OSError, ValueError):
                line = b""
            self._deliver(line)
            if not line:
                return

    def _deliver(self, line: bytes) -> None:
        with self._lock:
            if self._loop is None or self._lines is None:
                self._items.put(line)
                return
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody reads any more
                self._loop.call_soon_threadsafe(self._lines.put_nowait, line)

    def report(self, loaded: Loaded) -> None:
        """The loader is done (called on its thread)."""
        self._items.put(loaded)

    def take(self) -> Item:
        """The next line or the loader's report (blocking)."""
        item = self._items.get()
        if isinstance(item, bytes):
            self._room.release()
        return item

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on, lines go to `loop` (`next_line`); lines read but not yet taken go first."""
        import asyncio  # the front never loads asyncio; the event loop comes with the SDK

        with self._lock:
            self._loop, self._lines = loop, asyncio.Queue()
            while True:
                try:
                    item = self._items.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, bytes):
                    self._lines.put_nowait(item)

    async def next_line(self) -> bytes:
        """The next line on the event loop (b"" at the end of input)."""
        assert self._lines is not None, "attach() first"
        line = await self._lines.get()
        self._room.release()
        return line
