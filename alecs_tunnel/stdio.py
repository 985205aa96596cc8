"""stdin lines in, stdout lines out, without ever blocking the event loop.

On POSIX, when stdin and stdout are pipes or sockets (as Claude Desktop starts us), the
event loop reads and writes them itself. Otherwise (Windows, a terminal, a file) a
reader and a writer thread do it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import stat
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO, Protocol

CLOSE_TIMEOUT = 2.0
OnLine = Callable[[bytes | None], None]  # called on the loop with each line, then None at EOF


class LineWriter(Protocol):
    def write(self, line: str) -> None: ...

    async def aclose(self) -> None: ...


# ---- threads (portable) -----------------------------------------------------------


class StdoutWriter:
    """Writes lines from a dedicated thread so the event loop never blocks on a full pipe."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._q: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="stdout", daemon=True)
        self._thread.start()

    def write(self, line: str) -> None:
        self._q.put(line.encode("utf-8") + b"\n")

    def _run(self) -> None:
        while (data := self._q.get()) is not None:
            try:
                self._stream.write(data)
                self._stream.flush()
            except (OSError, ValueError):
                return

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        self._q.put(None)
        self._thread.join(timeout)

    async def aclose(self) -> None:
        self.close()


def start_stdin_reader(stream: BinaryIO, loop: asyncio.AbstractEventLoop, on_line: OnLine) -> None:
    """Read lines in a thread (portable: pipes on Windows do not work with asyncio).

    Raw ``os.read`` on the descriptor, not the buffered reader: a daemon thread blocked
    inside a buffered read aborts the interpreter at shutdown.
    """
    fd = stream.fileno()

    def run() -> None:
        buf = b""
        try:
            while chunk := os.read(fd, 65536):
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    loop.call_soon_threadsafe(on_line, line)
            if buf.strip():
                loop.call_soon_threadsafe(on_line, buf)
        except (OSError, RuntimeError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(on_line, None)

    threading.Thread(target=run, name="stdin", daemon=True).start()


# ---- the event loop (POSIX pipes and sockets) -------------------------------------


def _loop_capable(fd: int) -> bool:
    """A pipe or socket: pollable, and ours alone to make non-blocking (a terminal is shared)."""
    if sys.platform == "win32":
        return False
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _same_file(a: int, b: int) -> bool:
    try:
        sa, sb = os.fstat(a), os.fstat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


class _LineReader(asyncio.Protocol):
    def __init__(self, on_line: OnLine) -> None:
        self._on_line = on_line
        self._buf = b""
        self._done = False

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if b"\n" in data:
            *lines, self._buf = self._buf.split(b"\n")
            for line in lines:
                self._on_line(line)

    def eof_received(self) -> bool | None:
        self._end()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._end()

    def _end(self) -> None:
        if self._done:
            return
        self._done = True
        if self._buf.strip():
            self._on_line(self._buf)
        self._buf = b""
        self._on_line(None)


class _PipeWriter(asyncio.Protocol):
    """Lines to a pipe through the loop's write transport; lost writes are dropped silently."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._transport: asyncio.WriteTransport | None = None
        self._closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._closed.done():
            self._closed.set_result(None)

    def write(self, line: str) -> None:
        t = self._transport
        if t is not None and not t.is_closing():
            t.write(line.encode("utf-8") + b"\n")

    async def aclose(self) -> None:
        if self._transport is not None:
            self._transport.close()  # after the buffer is written
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._closed), CLOSE_TIMEOUT)
            if not self._closed.done():
                self._transport.abort()
        with contextlib.suppress(OSError):
            os.set_blocking(self._fd, True)


async def open_stdout(stdout: BinaryIO) -> LineWriter:
    """The writer for stdout lines: the loop's, or a thread's."""
    fd = stdout.fileno()
    if _loop_capable(fd) and not _same_file(fd, 2):  # stderr on the same pipe must stay blocking
        stdout.flush()
        _, writer = await asyncio.get_running_loop().connect_write_pipe(
            lambda: _PipeWriter(fd), os.fdopen(os.dup(fd), "wb", 0)
        )
        return writer
    return StdoutWriter(stdout)


async def open_stdin(stdin: BinaryIO, on_line: OnLine) -> Callable[[], None]:
    """Start passing stdin lines to ``on_line`` (None at EOF); return a function that stops reading."""
    loop = asyncio.get_running_loop()
    fd = stdin.fileno()
    if not _loop_capable(fd):
        start_stdin_reader(stdin, loop, on_line)
        return _nothing
    reader, _ = await loop.connect_read_pipe(lambda: _LineReader(on_line), os.fdopen(os.dup(fd), "rb", 0))

    def stop_reading() -> None:
        reader.close()
        with contextlib.suppress(OSError):
            os.set_blocking(fd, True)

    return stop_reading


def _nothing() -> None:
    pass
