"""Logging for alecs: text or one JSON object per line, secrets scrubbed at every level, quiet chatty libraries.

`setup_logging(level, fmt)` installs one stderr handler (stdout carries the MCP protocol on stdio):

- `text` (default): `time LEVEL logger: message`, as before.
- `json` (`ALECS_LOG_FORMAT=json`): `{"time", "level", "logger", "message", ...}` per line, for journald and log
  shippers. Audit lines (`alecs.audit`) also carry their fields as keys: `event`, `token`, `customer`, `tool`,
  `outcome`, `duration_ms`, `transport`, `remote`, `reason`, ... Fields logged with `audit_event` keep their types;
  the `key=value` words of other audit messages become string keys (numbers for durations, codes and statuses).

Whatever the format or level, the formatted line passes through `redact`: bearer tokens, EdgeGrid client and
access tokens, client secrets, signatures and signing keys, Authorization values and the master key are replaced
by `[redacted]`. And libraries that print credentials at DEBUG (edgegrid-python prints the signing key, the data
to sign and the signed Authorization header; websockets prints handshake headers) are never let below INFO.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, TextIO

FORMAT_ENV = "ALECS_LOG_FORMAT"
FORMATS = ("text", "json")
MASK = "[redacted]"
# Libraries that log secrets or raw headers below these levels.
PINNED_LEVELS = {"akamai.edgegrid": logging.WARNING, "websockets": logging.INFO, "hpack": logging.INFO,
                 "httpcore": logging.INFO, "paramiko.transport": logging.INFO}
NUMERIC_FIELDS = frozenset({"duration_ms", "ms", "seconds", "status", "code", "attempt"})

_SECRET_KEYS = (r"client[_ -]?secret|client[_ -]?token|access[_ -]?token|signature|signing[_ -]?key|password|"
                r"authorization|proxy-authorization|token_master_key|master[_ -]?key|secret|data to sign|"
                r"(?:un)?signed authorization header")
# key = value / key: value / "key": "value" / 'key': 'value', for the keys above (any case)
_KEYED = re.compile(
    rf"""(?P<key>["']?\b(?:{_SECRET_KEYS})\b["']?\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|(?:bearer|basic|eg1-hmac-sha256)\s+[^\s,;'"}\]]+|[^\s,;'"}\]]+)""",
    re.I)
_PATTERNS = (
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.I), rf"\1 {MASK}"),
    # bearer tokens, OAuth access and refresh tokens (keep the id part)
    (re.compile(r"\b(alecs_(?:at_|rt_)?[0-9a-f]{16}_)[A-Za-z0-9_-]{8,}"), rf"\1{MASK}"),
    (re.compile(r"\bakab-[A-Za-z0-9-]{8,}(?![A-Za-z0-9.-]*\.akamaiapis\.net)"), f"akab-{MASK}"),  # EdgeGrid tokens
)
_literals: set[str] = set()


def register_secret(value: str | None) -> None:
    """A value that must never appear in a log line (the master key, a credential): masked wherever it occurs."""
    if value and len(value) >= 6:
        _literals.add(value)


def redact(text: str) -> str:
    """The text with every secret it shows replaced by [redacted]."""
    for literal in _literals:
        if literal in text:
            text = text.replace(literal, MASK)
    text = _KEYED.sub(_mask_value, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _mask_value(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group('key')}{quote}{MASK}{quote}"


def audit_event(logger: logging.Logger, event: str, **fields: object) -> None:
    """An audit line: `event k=v ...` as text, and the fields as JSON keys (with their types) in json format."""
    words = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.info("%s %s", event, words, extra={"alecs_event": event, "alecs_fields": fields})


class RedactingFormatter(logging.Formatter):
    """The usual text line, message and traceback scrubbed of secrets."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, audit fields, exception; secrets scrubbed."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        doc: dict[str, Any] = {
            "time": _iso(record.created), "level": record.levelname, "logger": record.name, "message": message}
        fields = getattr(record, "alecs_fields", None)
        if isinstance(fields, Mapping):
            doc["event"] = getattr(record, "alecs_event", None)
            doc.update({k: _json_value(v) for k, v in fields.items() if k not in doc})
        elif record.name.startswith("alecs.audit"):
            doc.update({k: v for k, v in _words(message).items() if k not in doc})
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["exception"] = record.exc_text
        return json.dumps(_scrub(doc), ensure_ascii=False, default=str)


def _iso(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created % 1 * 1000):03d}Z"


def _json_value(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return None if value == "-" else value
    return str(value)


def _words(message: str) -> dict[str, object]:
    """`tool_call token=tok_1 tool=x duration_ms=12` -> {"event": "tool_call", "token": "tok_1", ...}."""
    first, _, rest = message.partition(" ")
    out: dict[str, object] = {} if "=" in first else {"event": first}
    for word in (message if "=" in first else rest).split():
        key, eq, value = word.partition("=")
        if not eq or not key.isidentifier():
            continue
        out[key] = None if value == "-" else _number(value) if key in NUMERIC_FIELDS else value
    return out


def _number(value: str) -> object:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    return value


class JsonLines(io.TextIOBase):
    """A stderr for json format: what is not a JSON log line already (a `print`, a warning, an interpreter
    traceback) is wrapped into one, so every line a log shipper reads is one JSON object."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target
        self._partial = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
            for line in lines:
                self.target.write((line if line.startswith('{"time": ') else _wrapped(line)) + "\n")
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.target.encoding

    @property
    def buffer(self) -> object:
        """Bytes written here bypass the wrapping (nothing in alecs does; libraries that do keep working)."""
        return self.target.buffer


def _wrapped(line: str) -> str:
    doc = {"time": _iso(time.time()), "level": "INFO", "logger": "stderr", "message": redact(line)}
    if line.startswith("alecs: listening on "):
        doc["url"] = line.removeprefix("alecs: listening on ").strip()
    return json.dumps(doc, ensure_ascii=False)


def setup_logging(level: str, fmt: str | None = None, stream: TextIO | None = None) -> None:
    """Root logging to stderr in `fmt` (`text` or `json`; default `ALECS_LOG_FORMAT`, else text) at `level`.

    In json format, sys.stderr itself is replaced by a `JsonLines` wrapper (unless a `stream` is given)."""
    fmt = (fmt if fmt is not None else os.environ.get(FORMAT_ENV, "")).strip().lower() or "text"
    out = stream or sys.stderr
    if fmt not in FORMATS:
        print(f"alecs: {FORMAT_ENV}='{fmt}' is not one of {', '.join(FORMATS)}; logging as text.", file=out)
        fmt = "text"
    if fmt == "json" and stream is None and not isinstance(sys.stderr, JsonLines):
        sys.stderr = out = JsonLines(sys.stderr)
    numeric = getattr(logging, level.upper(), None)
    root = logging.getLogger()
    root.setLevel(numeric if isinstance(numeric, int) else logging.INFO)
    for name, floor in PINNED_LEVELS.items():
        lib = logging.getLogger(name)
        lib.setLevel(max(floor, lib.getEffectiveLevel()))
    register_secret(os.environ.get("TOKEN_MASTER_KEY", "").strip())
    if root.handlers:  # embedded or under a test runner: leave its handlers alone
        return
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
