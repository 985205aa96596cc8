"""A link to Akamai that drops an answer: a loopback TCP relay that passes every request on and cuts the connection
instead of relaying the server's answer once a condition holds, as a proxy restart or a network fault between alecs
and Akamai does after the request went out.

TLS passes through untouched (the sandbox's certificate names localhost), so the request that crosses it is a real
signed HTTPS request the sandbox handles; only its answer is lost.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from types import TracebackType


class CutLink:
    """Relays 127.0.0.1:`port` to `upstream`. The first answer the upstream sends once `cut_when()` is true is not
    relayed: that connection is closed instead, once (the test makes `cut_when` true when the sandbox has logged the
    request whose answer should be lost; the sandbox logs a request before it answers). Later answers pass."""

    def __init__(self, upstream: tuple[str, int], cut_when: Callable[[], bool]) -> None:
        self.upstream, self.cut_when = upstream, cut_when
        self.cut = 0  # answers dropped (at most one)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="cutlink-accept", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, answers: bool) -> None:
        try:
            while chunk := src.recv(65536):
                if answers and not self.cut and self.cut_when():
                    with self._lock:
                        self.cut += 1
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
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                s.close()

    def __enter__(self) -> CutLink:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
