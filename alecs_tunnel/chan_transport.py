"""An asyncio transport over a paramiko channel, driven by the event loop.

The channel's ``fileno()`` is a pipe (a socket pair on Windows) that paramiko's transport
thread makes readable when data (or EOF, or a close) arrives, so the loop reads the channel
directly; a selector event loop can watch it on every platform. Small writes go straight to
``Channel.send`` from the loop; a write that would wait (the remote window is full, a key
exchange is under way, or it is large) goes to the loop's thread pool, and later writes queue
behind it in order. ``loop.start_tls`` can wrap it (wss:// through SSH): it then feeds an
``asyncio.BufferedProtocol``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import paramiko

READ_CHUNK = 256 * 1024
INLINE_MAX = 64 * 1024  # larger writes go to a worker thread, so the loop never waits on the network
HIGH_WATER = 64 * 1024
LOW_WATER = 16 * 1024
_ERRORS = (OSError, EOFError, paramiko.SSHException)


Receiver = asyncio.Protocol | asyncio.BufferedProtocol


class ChannelTransport(asyncio.Transport):
    """The channel as a stream transport. The caller calls ``protocol.connection_made`` (or ``start_tls``)."""

    _start_tls_compatible = True  # what loop.start_tls checks: it only uses the public interface and _force_close

    def __init__(self, loop: asyncio.AbstractEventLoop, chan: paramiko.Channel, protocol: Receiver) -> None:
        super().__init__()
        self._loop = loop
        self._chan = chan
        self._protocol: Receiver = protocol
        self._fd = chan.fileno()
        self._buf = bytearray()
        self._flushing = False  # a worker thread is sending
        self._closing = False
        self._lost = False
        self._eof_pending = False
        self._reading = True
        self._writing_paused = False
        self._high, self._low = HIGH_WATER, LOW_WATER
        loop.add_reader(self._fd, self._on_readable)

    # ---- reading -----------------------------------------------------------------

    def _on_readable(self) -> None:
        chan = self._chan
        try:
            if chan.recv_ready():
                data = chan.recv(READ_CHUNK)
            elif chan.recv_stderr_ready():  # never used by direct-tcpip; drain it so the pipe clears
                chan.recv_stderr(READ_CHUNK)
                return
            elif chan.closed or chan.eof_received:
                data = b""
            else:
                return
        except _ERRORS as e:
            self._fatal(e)
            return
        if data:
            self._deliver(data)
            return
        self._stop_reading()
        if not self._protocol.eof_received():
            self.close()

    def _deliver(self, data: bytes) -> None:
        protocol = self._protocol
        if not isinstance(protocol, asyncio.BufferedProtocol):
            protocol.data_received(data)
            return
        view = memoryview(data)
        while view:
            buf = memoryview(protocol.get_buffer(len(view)))
            if not buf:
                raise RuntimeError("get_buffer() returned an empty buffer")
            n = min(len(buf), len(view))
            buf[:n] = view[:n]
            protocol.buffer_updated(n)
            view = view[n:]

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self._fd)

    def pause_reading(self) -> None:
        if not self._closing:
            self._stop_reading()

    def resume_reading(self) -> None:
        if not self._reading and not self._closing:
            self._reading = True
            self._loop.add_reader(self._fd, self._on_readable)

    def is_reading(self) -> bool:
        return self._reading

    # ---- writing -----------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing or self._eof_pending or not data:
            return
        if self._flushing or self._buf:
            self._buf += data
            self._check_pause()
            return
        rest = bytes(data)
        chan = self._chan
        try:
            ssh = chan.transport
            if len(rest) <= INLINE_MAX and ssh is not None and ssh.clear_to_send.is_set():
                while rest and chan.send_ready() and not chan.closed:
                    sent = chan.send(rest)
                    if sent <= 0:
                        raise EOFError("the channel is closed")
                    rest = rest[sent:]
        except _ERRORS as e:
            self._fatal(e)
            return
        if rest:
            self._buf += rest
            self._flush()
            self._check_pause()

    def _flush(self) -> None:
        data = bytes(self._buf)
        self._buf.clear()
        self._flushing = True
        self._loop.run_in_executor(None, self._chan.sendall, data).add_done_callback(self._flushed)

    def _flushed(self, fut: asyncio.Future[None]) -> None:
        self._flushing = False
        exc = None if fut.cancelled() else fut.exception()  # always retrieved, even once lost
        if self._lost or fut.cancelled():
            return
        if exc is not None:
            self._fatal(exc)
            return
        if self._buf:
            self._flush()
            return
        self._check_resume()
        if self._eof_pending:
            self._send_eof()
        if self._closing:
            self._finish(None)

    def _check_pause(self) -> None:
        if not self._writing_paused and self.get_write_buffer_size() > self._high:
            self._writing_paused = True
            self._protocol.pause_writing()

    def _check_resume(self) -> None:
        if self._writing_paused and self.get_write_buffer_size() <= self._low:
            self._writing_paused = False
            self._protocol.resume_writing()

    def get_write_buffer_size(self) -> int:
        return len(self._buf)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._low, self._high

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        if high is None:
            high = HIGH_WATER if low is None else 4 * low
        self._high, self._low = high, (high // 4 if low is None else low)

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        if self._closing or self._eof_pending:
            return
        self._eof_pending = True
        if not self._flushing and not self._buf:
            self._send_eof()

    def _send_eof(self) -> None:
        with contextlib.suppress(*_ERRORS):
            self._chan.shutdown_write()

    # ---- closing -----------------------------------------------------------------

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._stop_reading()
        if not self._flushing and not self._buf:
            self._finish(None)

    def abort(self) -> None:
        self._buf.clear()
        self._closing = True
        self._finish(None)

    def _fatal(self, exc: BaseException) -> None:
        self._buf.clear()
        self._closing = True
        self._finish(exc if isinstance(exc, Exception) else None)

    _force_close = _fatal  # the name asyncio's SSL protocol calls on a TLS failure

    def _finish(self, exc: Exception | None) -> None:
        if self._lost:
            return
        self._lost = True
        self._stop_reading()
        with contextlib.suppress(Exception):  # the SSH transport may already be gone
            self._chan.close()
        self._loop.call_soon(self._protocol.connection_lost, exc)

    # ---- the rest of the interface -----------------------------------------------

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"channel": self._chan}.get(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        assert isinstance(protocol, asyncio.Protocol | asyncio.BufferedProtocol)
        self._protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol
