"""The private members of the MCP SDK and uvicorn that alecs relies on, all in this one module.

Written against mcp 2.3.0 and uvicorn 0.54.0 (`SDK_VERSION`, `UVICORN_VERSION`); `tests/test_seams.py` checks each
member below still exists and behaves as used here, and names these versions when one is gone, so an upgrade fails
loudly in CI instead of quietly at run time. Nothing else in alecs touches a private member of either library.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn
from mcp.server.session import ServerSession

SDK_VERSION = "2.3.0"
UVICORN_VERSION = "0.54.0"


def connection_of(session: ServerSession) -> object:
    """The object that lives as long as the client's MCP session.

    The SDK builds a new `ServerSession` for every request; the per-client `Connection` it wraps
    (`ServerSession._connection`) is the one stable key for per-session state such as enabled toolsets.
    """
    return session._connection


class UvicornServer(uvicorn.Server):
    """uvicorn without its own signal handling: `alecs serve` owns SIGTERM, SIGINT and SIGHUP.

    `uvicorn.Server.serve` wraps the server in `capture_signals()`, which replaces the process's handlers while it
    runs (and re-raises captured signals afterwards); here it does nothing.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
