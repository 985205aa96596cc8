"""A WebSocket client on a bare socket, for clients that misbehave: send frames, never read a byte of the answers."""

from __future__ import annotations

import base64
import os
import socket
import struct
from urllib.parse import urlsplit


def text_frame(text: str) -> bytes:
    """One masked text frame, as a client must send it."""
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                            struct.pack("!BH", 0x80 | 126, n) if n < 65536 else struct.pack("!BQ", 0x80 | 127, n))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class SilentClient:
    """Completes the opening handshake, then only writes: its receive buffer is tiny and never drained."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"Sec-WebSocket-Protocol: mcp\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:  # the handshake answer is the last thing this client reads
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))

    def send_all(self, frames: list[bytes], timeout: float) -> bool:
        """Write the frames; False when the server stopped taking them or cut the connection first."""
        self.sock.settimeout(timeout)
        try:
            for frame in frames:
                self.sock.sendall(frame)
        except OSError:
            return False
        return True

    def close(self) -> None:
        self.sock.close()
