"""The simulator's HTTPS front: routing, problem+json answers, signature checks and a request log.

Every request goes through `_Handler._serve`: EdgeGrid verification, injected faults, then `Router.dispatch`
under the state lock; the answer is sent after `SimResponse.delay` seconds, outside the lock, when a handler
asks for it (a slow activation answer).
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from alecs.sandbox.edgegrid import SignatureError, Verifier
from alecs.sandbox.limits import RateLimitExceeded, SandboxLimits

log = logging.getLogger(__name__)


@dataclass
class SimRequest:
    """One request as the handlers see it: path parameters are filled in by the router."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    host: str = ""

    @property
    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(400, "Bad request", "The request body is not valid JSON.") from None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class SimResponse:
    """A handler's answer; `delay` holds it back that many seconds after the state has changed."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0


class HttpError(Exception):
    """Raised by handlers; becomes an application/problem+json answer."""

    def __init__(self, status: int, title: str, detail: str = "", *, errors: list[Any] | None = None,
                 headers: dict[str, str] | None = None, type_: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers, self.type = errors, headers or {}, type_
        self.extra = extra or {}  # members some APIs add to their problems (PAPI's messageId, params, ...)


def bad_body(detail: str) -> HttpError:
    """The plain 400 most APIs give for a body that is not what they expect."""
    return HttpError(400, "Bad request", detail)


def body_of(req: SimRequest, invalid: Callable[[str], HttpError] = bad_body) -> dict[str, Any]:
    """The request's JSON object body; anything else is refused with `invalid(detail)`, the API's own 400."""
    data = req.json
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object.")
    return data


def problem(req: SimRequest, exc: HttpError) -> SimResponse:
    body: dict[str, Any] = {
        "type": exc.type or f"https://problems.luna.akamaiapis.net/-/http/{exc.status}",
        "title": exc.title,
        "status": exc.status,
        "detail": exc.detail,
        "instance": f"https://{req.host}{req.path}#sandbox",
    }
    if not exc.detail and exc.extra:
        del body["detail"]  # problems with their own members (PAPI's 422) have no top-level detail
    if exc.errors:
        body["errors"] = exc.errors
    body.update(exc.extra)
    return SimResponse(exc.status, body, exc.headers, "application/problem+json")


RouteHandler = Callable[[SimRequest], SimResponse | Any]
"""What answers one simulated Akamai route: the request in, a response (or JSON data for a 200) out."""


class Router:
    """Routes by method and path template; `dispatch` is where every verified request is answered."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], RouteHandler]] = []

    def add(self, method: str, template: str, handler: RouteHandler) -> None:
        pattern = re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", template.rstrip("/"))
        self.routes.append((method.upper(), re.compile(f"^{pattern}/?$"), handler))

    def route(self, method: str, template: str) -> Callable[[RouteHandler], RouteHandler]:
        def deco(fn: RouteHandler) -> RouteHandler:
            self.add(method, template, fn)
            return fn
        return deco

    def dispatch(self, req: SimRequest) -> SimResponse:
        """The answer of the handler whose template matches; 404 or 405 when none does."""
        allowed = False
        for method, pattern, handler in self.routes:
            m = pattern.match(req.path)
            if not m:
                continue
            allowed = True
            if method != req.method:
                continue
            req.params = m.groupdict()
            out = handler(req)
            return out if isinstance(out, SimResponse) else SimResponse(200, out)
        if allowed:
            raise HttpError(405, "Method not allowed", f"{req.method} is not supported on {req.path}.")
        raise HttpError(404, "Not found", f"No resource at {req.path}.")


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int


class RequestLog:
    def __init__(self) -> None:
        self.items: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def add(self, item: LoggedRequest) -> None:
        with self._lock:
            self.items.append(item)

    def clear(self) -> None:
        with self._lock:
            self.items.clear()

    def snapshot(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self.items)


@dataclass
class Fault:
    """An answer the simulator gives once to the next matching request: rate limits, outages."""

    method: str
    path_prefix: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    title: str = "Injected fault"


class SimulatorServer(ThreadingHTTPServer):
    """Threaded HTTPS server: one thread per connection, one lock over the simulated state."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], router: Router, verifier: Verifier, lock: threading.RLock,
                 context: ssl.SSLContext) -> None:
        super().__init__(address, _SimulatorRequestHandler)
        self.router, self.verifier, self.state_lock = router, verifier, lock
        self.request_log = RequestLog()
        self.context = context
        self.faults: list[Fault] = []
        self.limits = SandboxLimits()
        self.stopping = threading.Event()  # cuts short answers held back by SimResponse.delay

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.state_lock:
            for fault in self.faults:
                if fault.method == method and path.startswith(fault.path_prefix):
                    self.faults.remove(fault)
                    return fault
        return None

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox connection from %s failed", client_address, exc_info=True)

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


class _SimulatorRequestHandler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s", format % args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        headers = {k: v for k, v in self.headers.items()}
        # HEAD is answered as GET without the body (HTTP semantics); the log keeps the method that was sent.
        method = "GET" if self.command == "HEAD" else self.command
        req = SimRequest(method, split.path, {k: v[-1] for k, v in parse_qs(split.query).items()},
                         headers, body, host=self.headers.get("Host", ""))
        try:
            client = self.server.verifier.verify(self.command, req.host, self.path, headers, body)
            rate_headers = self.server.limits.admit(client.client_token, req)  # Akamai's published rate limits
            fault = self.server.take_fault(self.command, split.path)
            if fault is not None:
                raise HttpError(fault.status, fault.title, "Injected by the sandbox.", headers=fault.headers)
            with self.server.state_lock:
                resp = self.server.router.dispatch(req)
            resp.headers.update(rate_headers)
        except RateLimitExceeded as exc:
            resp = SimResponse(exc.status, exc.body, exc.headers, exc.content_type)
        except SignatureError as exc:
            resp = problem(req, HttpError(401, "Not authorized", str(exc),
                                          type_="https://problems.luna.akamaiapis.net/-/pep-authn/request-error"))
        except HttpError as exc:
            resp = problem(req, exc)
        except Exception:
            log.exception("sandbox handler failed for %s %s", self.command, split.path)
            resp = problem(req, HttpError(500, "Internal server error", "The simulator failed."))
        self.server.request_log.add(LoggedRequest(self.command, split.path, req.query, headers, body, resp.status))
        if resp.delay > 0:  # the change is made and logged; only the answer is late
            self.server.stopping.wait(resp.delay)
        payload = b"" if resp.body is None else (
            resp.body if isinstance(resp.body, bytes) else json.dumps(resp.body).encode())
        self.send_response(resp.status)
        if payload:
            self.send_header("Content-Type", resp.content_type)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve
