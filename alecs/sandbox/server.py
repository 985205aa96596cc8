"""Runs the simulator: HTTPS on 127.0.0.1, generated certificate, credentials that only it accepts."""

from __future__ import annotations

import secrets
import ssl
import tempfile
import threading
from pathlib import Path

from alecs.edgerc import Credentials
from alecs.sandbox.account import Account, Settings
from alecs.sandbox.edgegrid import Client, Verifier
from alecs.sandbox.http import LoggedRequest, Router, SimulatorServer
from alecs.sandbox.simulators import Simulators, simulate
from alecs.sandbox.tls import make_certificates

SECTION = "default"


class Sandbox:
    """A running simulator. `credentials` is the `.edgerc` section that reaches it."""

    def __init__(self, settings: Settings | None = None, *, port: int = 0, workdir: Path | None = None) -> None:
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="alecs-sandbox-")
        self.workdir = workdir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.settings = settings or Settings()
        self.lock = threading.RLock()
        self.client = Client(client_token="akab-sandbox-" + secrets.token_hex(8),
                             client_secret=secrets.token_urlsafe(32),
                             access_token="akab-sandbox-" + secrets.token_hex(8))
        self.verifier = Verifier([self.client])
        ca, cert, key = make_certificates(self.workdir)
        self.ca_path = ca
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.router = Router()
        self.account, self.sims = self._build_account()
        self.server = SimulatorServer(("127.0.0.1", port), self.router, self.verifier, self.lock, context)
        self.server.limits.reset(self.settings.rate_limits)
        self.port = self.server.server_address[1]
        self._thread: threading.Thread | None = None

    def _build_account(self) -> tuple[Account, Simulators]:
        account = Account(self.settings)
        sims = simulate(account)
        self.router.routes.clear()
        sims.routes(self.router)
        return account, sims

    def reset(self) -> None:
        """Back to the seeded account (tests call this between cases)."""
        with self.lock:
            self.account, self.sims = self._build_account()
            self.server.request_log.clear()
            self.server.limits.reset(self.settings.rate_limits)

    @property
    def host(self) -> str:
        return f"localhost:{self.port}"

    def credentials(self, section: str = SECTION) -> Credentials:
        return Credentials(section=section, host=self.host, client_token=self.client.client_token,
                           client_secret=self.client.client_secret, access_token=self.client.access_token,
                           max_body=self.client.max_body, ca_bundle=str(self.ca_path))

    def edgerc_text(self, section: str = SECTION) -> str:
        c = self.credentials(section)
        return (f"[{section}]\nhost = {c.host}\nclient_token = {c.client_token}\n"
                f"client_secret = {c.client_secret}\naccess_token = {c.access_token}\nmax_body = {c.max_body}\n")

    @property
    def requests(self) -> list[LoggedRequest]:
        return self.server.request_log.snapshot()

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self.server.serve_forever, name="alecs-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
