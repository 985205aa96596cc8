"""Verifies EG1-HMAC-SHA256 signatures the way Akamai's API gateway does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

SCHEME = "EG1-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H:%M:%S+0000"


class SignatureError(Exception):
    """Why a request's signature was refused (the simulator answers 401 with it)."""


@dataclass(frozen=True)
class Client:
    client_token: str
    client_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    max_body: int = 131072


def _b64_hmac(key: bytes, msg: bytes) -> str:
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


def signing_key(client_secret: str, timestamp: str) -> str:
    return _b64_hmac(client_secret.encode(), timestamp.encode())


def canonical_headers(headers: Mapping[str, str], names: Sequence[str]) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    out = []
    for name in names:
        value = lowered.get(name.lower())
        if value is not None:
            out.append(name.lower() + ":" + re.sub(r"\s+", " ", value.strip()))
    return "\t".join(out)


def content_hash(method: str, body: bytes, max_body: int) -> str:
    if method.upper() != "POST" or not body:
        return ""
    return base64.b64encode(hashlib.sha256(body[:max_body]).digest()).decode()


def data_to_sign(method: str, host: str, path_and_query: str, headers: Mapping[str, str], body: bytes,
                 auth_without_signature: str, max_body: int, headers_to_sign: Sequence[str] = ()) -> str:
    return "\t".join([
        method.upper(), "https", host.lower(), path_and_query,
        canonical_headers(headers, headers_to_sign), content_hash(method, body, max_body), auth_without_signature,
    ])


def parse_authorization(value: str) -> tuple[dict[str, str], str]:
    """The header's fields and its text up to (not including) `signature=`."""
    if not value.startswith(SCHEME + " "):
        raise SignatureError("The Authorization header does not use EG1-HMAC-SHA256.")
    fields = {}
    for part in value[len(SCHEME) + 1:].split(";"):
        key, sep, val = part.partition("=")
        if sep:
            fields[key.strip()] = val.strip()
    missing = [k for k in ("client_token", "access_token", "timestamp", "nonce", "signature") if k not in fields]
    if missing:
        raise SignatureError(f"The Authorization header is missing {', '.join(missing)}.")
    cut = value.index("signature=")
    return fields, value[:cut]


class Verifier:
    """Checks tokens, timestamp window, nonce replay, body hash and the signature over host, path and query."""

    def __init__(self, clients: Sequence[Client], *, window: float = 120.0,
                 headers_to_sign: Sequence[str] = ()) -> None:
        self.clients = {c.client_token: c for c in clients}
        self.window = window
        self.headers_to_sign = tuple(headers_to_sign)
        self._nonces: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def verify(self, method: str, host: str, path_and_query: str, headers: Mapping[str, str], body: bytes,
               now: float | None = None) -> Client:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        if not auth:
            raise SignatureError("The request has no Authorization header.")
        fields, unsigned = parse_authorization(auth)
        client = self.clients.get(fields["client_token"])
        if client is None:
            raise SignatureError("Invalid client token.")
        if not hmac.compare_digest(client.access_token, fields["access_token"]):
            raise SignatureError("Invalid access token.")
        try:
            ts = datetime.strptime(fields["timestamp"], TIMESTAMP_FORMAT).replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise SignatureError("Invalid timestamp format.") from None
        now = time.time() if now is None else now
        if abs(now - ts) > self.window:
            raise SignatureError("Invalid timestamp: outside the allowed window.")
        expected = _b64_hmac(
            signing_key(client.client_secret, fields["timestamp"]).encode(),
            data_to_sign(method, host, path_and_query, headers, body, unsigned, client.max_body,
                         self.headers_to_sign).encode(),
        )
        if not hmac.compare_digest(expected, fields["signature"]):
            raise SignatureError("The signature does not match.")
        key = (client.client_token, fields["nonce"])
        with self._lock:
            for k, seen in list(self._nonces.items()):
                if seen < now - 2 * self.window:
                    del self._nonces[k]
            if key in self._nonces:
                raise SignatureError("Nonce already used (replayed request).")
            self._nonces[key] = now
        return client
