"""A loopback TCP relay to an upstream (the sandbox), for links with a habit: slow, or dropping an answer.

TLS passes through untouched (the sandbox's certificate names localhost, and EdgeGrid signs the Host header the
client sends), so calls through it are real signed HTTPS calls; a subclass decides what happens to each chunk.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Self


class Relay:
    """Relays 127.0.0.1:`port` to `upstream`, one thread per direction and connection; `relay` decides per chunk."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name=f"{type(self).__name__}-accept", daemon=True).start()

    def relay(self, chunk: bytes, answer: bool) -> bool:
        """Called before a chunk is passed on (`answer`: it comes from the upstream); False closes the connection
        instead."""
        return True

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, answer: bool) -> None:
        try:
            while chunk := src.recv(65536):
                if not self.relay(chunk, answer):
                    break
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                s.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
