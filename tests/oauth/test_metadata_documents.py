"""Client ID metadata documents: a client id that is an HTTPS URL, fetched within size, time and redirect limits.

The document server here is on loopback, so these tests allow private addresses explicitly
(`metadata_allow_private`, ALECS_OAUTH_ALLOW_PRIVATE_METADATA); test_refusals shows they are refused otherwise."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

from tests.oauth.browser import OAuthClient, Page, pkce, query

REDIRECT = "http://127.0.0.1:47123/callback"


def document(client_id: str, **extra: Any) -> dict[str, Any]:
    return {"client_id": client_id, "client_name": "Metadata Document Client", "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": "none", **extra}


@contextmanager
def document_server(test_ca: Any, hang: threading.Event) -> Iterator[str]:
    """HTTPS on loopback with the test CA: /client.json and some misbehaving documents."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            base = f"https://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/slow.json":
                hang.wait(30)
            if self.path == "/moved.json":
                self.send_response(302)
                self.send_header("Location", base + "/client.json")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = {"/client.json": json.dumps(document(base + "/client.json")),
                    "/big.json": json.dumps(document(base + "/big.json", client_name="x" * 100, padding="y" * 20000)),
                    "/other.json": json.dumps(document(base + "/client.json")),
                    "/secret.json": json.dumps(document(base + "/secret.json", client_secret="s3cret")),
                    "/slow.json": "{}"}.get(self.path)
            data = (body or "not found").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "max-age=300")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(test_ca.cert_file), str(test_ca.key_file))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        hang.set()
        server.shutdown()
        server.server_close()


async def test_a_client_id_metadata_document_client_completes_the_flow(oauth_server, mint, test_ca):
    _, token = mint("read")
    hang = threading.Event()
    with document_server(test_ca, hang) as base:
        async with oauth_server(metadata_allow_private=True, metadata_ca_file=str(test_ca.ca_file)) as served:
            client = OAuthClient(served.http, served.issuer, served.url, redirect_uri=REDIRECT,
                                 client_id=base + "/client.json")
            verifier, challenge = pkce()
            browser = served.browser()
            page = await browser.open(client.authorize_url(challenge))
            assert isinstance(page, Page) and page.status == 200, page
            assert "Metadata Document Client" in page.text and "127.0.0.1:47123" in page.text
            confirm = await browser.submit(page, "continue", credential=token)
            assert isinstance(confirm, Page) and confirm.status == 200
            back = await browser.submit(confirm, "approve")
            assert isinstance(back, str) and back.startswith(REDIRECT)
            tokens = await client.exchange(query(back)["code"], verifier)
            assert tokens.status_code == 200 and tokens.json()["scope"] == "read"
            refreshed = await client.refresh(tokens.json()["refresh_token"])
            assert refreshed.status_code == 200


async def test_metadata_documents_beyond_the_limits_are_refused(oauth_server, test_ca):
    hang = threading.Event()
    with document_server(test_ca, hang) as base:
        async with oauth_server(metadata_allow_private=True, metadata_ca_file=str(test_ca.ca_file),
                                metadata_timeout=1.0) as served:
            _, challenge = pkce()
            cases = {"/big.json": "larger than 16384 bytes", "/moved.json": "redirects are not followed",
                     "/other.json": "names another client_id", "/secret.json": "public client",
                     "/slow.json": "longer than 1 s", "/missing.json": "HTTP 404"}
            for path, says in cases.items():
                params = {"response_type": "code", "client_id": base + path, "redirect_uri": REDIRECT,
                          "code_challenge": challenge, "code_challenge_method": "S256"}
                response = await served.http.get(f"{served.issuer}/authorize?{urlencode(params)}")
                assert response.status_code == 400, path
                assert says in response.json()["error_description"], (path, response.json())
            hang.set()
