"""The TCP connection to the SSH server, with delayed ACKs turned off on Linux.

sshd does not set ``TCP_NODELAY`` on a connection that only forwards ports, so Nagle's
algorithm holds a small reply (such as the first ``CHANNEL_OPEN_CONFIRMATION``) until
the client acknowledges what sshd sent before it; a delayed ACK makes that a 40 ms
stall. Linux resets ``TCP_QUICKACK`` after use, so it is set again after every read.
"""

from __future__ import annotations

import errno
import socket

from paramiko.ssh_exception import NoValidConnectionsError

_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class QuickAckSocket(socket.socket):
    """A socket that acknowledges received data at once (where the OS allows it)."""

    __slots__ = ()
    supported = _QUICKACK is not None

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = super().recv(bufsize, flags)
        if data and _QUICKACK is not None:
            try:
                self.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            except OSError:
                pass
        return data


def tcp_connect(host: str, port: int, timeout: float) -> QuickAckSocket:
    """Connect as ``paramiko.SSHClient.connect`` does, raising the same exceptions."""
    infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM)
    to_try = [(fam, addr) for fam, kind, _, _, addr in infos if kind == socket.SOCK_STREAM]
    to_try = to_try or [(fam, addr) for fam, _, _, _, addr in infos]
    errors: dict[tuple[str, int] | tuple[str, int, int, int], Exception] = {}
    for family, addr in to_try:
        sock = QuickAckSocket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(addr)
            return sock
        except OSError as e:
            sock.close()
            if e.errno not in (errno.ECONNREFUSED, errno.EHOSTUNREACH):
                raise
            errors[(str(addr[0]), int(addr[1]))] = e
    raise NoValidConnectionsError(errors)
