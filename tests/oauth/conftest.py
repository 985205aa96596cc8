"""OAuth fixtures: a token store in tmp, an in-process alecs with OAuth on (HTTP or HTTPS with a test CA)."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx2
import pytest
import trustme

from alecs.auth.hosts import host_allow_list
from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore
from alecs.oauth.settings import OAuthSettings
from alecs.oauth.store import GrantStore
from alecs.sandbox.server import Sandbox
from alecs.tools.registry import Registry
from alecs.transports.guard import FailureLimiter
from alecs.transports.remote import Remote, RemoteSettings
from tests.oauth.browser import ConsentBrowser, OAuthClient, pkce, query
from tests.support.mcp import make_server
from tests.support.tokens import KNOWN_TOOLSETS

MASTER_KEY = "oauth-tests-master-key"


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "state" / "tokens.json", MASTER_KEY)


@pytest.fixture
def grant_store(store: TokenStore) -> GrantStore:
    return GrantStore.beside(store)


@pytest.fixture
def mint(store: TokenStore) -> Callable[..., tuple[str, str]]:
    """mint(scope=..., **rights) -> (token id, token)."""
    def make(scope: str = "write", **kw: Any) -> tuple[str, str]:
        record, token = store.generate(scope=scope, known_toolsets=KNOWN_TOOLSETS, **kw)
        return record.id, token
    return make


@dataclass
class TestCA:
    """A trustme CA and a server certificate for 127.0.0.1 and localhost, as files."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def context(self) -> ssl.SSLContext:
        """A client context that trusts the test CA only."""
        return ssl.create_default_context(cafile=str(self.ca_file))


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    folder = tmp_path_factory.mktemp("oauth-ca")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    paths = TestCA(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    ca.cert_pem.write_to_path(str(paths.ca_file))
    cert.private_key_pem.write_to_path(str(paths.key_file))
    with open(paths.cert_file, "wb") as f:
        for blob in cert.cert_chain_pems:
            f.write(blob.bytes())
    return paths


@dataclass
class Served:
    """A running alecs with OAuth on, and what a test needs to reach it."""

    remote: Remote
    http: httpx2.AsyncClient
    verify: Any = True  # the test CA's file when served over HTTPS

    @property
    def url(self) -> str:
        return self.remote.url

    @property
    def issuer(self) -> str:
        assert self.remote.oauth is not None
        return self.remote.oauth.urls.issuer

    def client(self, **kw: Any) -> OAuthClient:
        return OAuthClient(self.http, self.issuer, self.url, **kw)

    async def authorize(self, credential: str, scope: str | None = None, **client: Any) -> tuple[OAuthClient, dict[
            str, Any]]:
        """Register a client, sign in and approve with `credential`, exchange the code: (client, token response)."""
        oauth = self.client(**client)
        assert (await oauth.register()).status_code == 201
        verifier, challenge = pkce()
        extra = {"scope": scope} if scope else {}
        back = await self.browser().authorize(oauth.authorize_url(challenge, **extra), credential)
        response = await oauth.exchange(query(back)["code"], verifier)
        assert response.status_code == 200, response.text
        return oauth, response.json()

    def browser(self) -> ConsentBrowser:
        """A fresh browser (its own cookie jar) on the same connection settings."""
        return ConsentBrowser(httpx2.AsyncClient(timeout=30, verify=self.verify), self.issuer)


@pytest.fixture
def oauth_server(fresh_sandbox: Sandbox, registry: Registry, store: TokenStore,
                 test_ca: TestCA) -> Callable[..., Any]:
    """`async with oauth_server(tls=False, limiter=..., **oauth_settings) as served:` alecs on port 0."""
    @asynccontextmanager
    async def run(tls: bool = False, limiter: FailureLimiter | None = None, public_url: str | None = None,
                  **oauth: Any) -> AsyncIterator[Served]:
        server = make_server(fresh_sandbox, registry, services={"tokens": store})
        settings = RemoteSettings(transport="http", port=0, reload_seconds=0.05, limiter=limiter or FailureLimiter(),
                                  allowed_hosts=host_allow_list(public_url=public_url))
        if tls:
            settings = replace(settings, cert=str(test_ca.cert_file), key=str(test_ca.key_file))
        remote = Remote(server, settings, LiveTokens(store), None,
                        OAuthSettings(**{"enabled": True, "public_url": public_url, **oauth}))
        await remote.start()
        verify: Any = test_ca.context() if tls else True
        http = httpx2.AsyncClient(timeout=30, verify=verify)
        try:
            yield Served(remote, http, verify)
        finally:
            await http.aclose()
            await remote.shutdown(0.5)
            server.client.close()
    return run


@pytest.fixture
def audit_lines(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The audit lines logged so far (alecs.audit)."""
    caplog.set_level(logging.INFO, logger="alecs.audit")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "alecs.audit"]
