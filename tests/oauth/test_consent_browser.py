"""The consent page in a real browser: Debian's headless Chromium through Selenium, with JavaScript off, signs in,
approves and denies; screenshots are kept as test artefacts (the test's tmp dir, and `ALECS_TEST_ARTEFACTS` when
set)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio

from tests.oauth.browser import pkce, query
from tests.oauth.external import require_chromium

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1000,900")


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = b"<!doctype html><title>client</title><p>Back at the client.</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def client_callback() -> Iterator[str]:
    """A page at the client's redirect URI (what a native client's loopback listener serves)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    from selenium import webdriver  # noqa: PLC0415 - only where the browser exists
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    binary, driver_path = require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def keep(driver: Any, tmp_path: Path, name: str) -> Path:
    """A screenshot, kept in the test's tmp dir and copied to ALECS_TEST_ARTEFACTS when set."""
    path = tmp_path / name
    assert driver.save_screenshot(str(path)) and path.stat().st_size > 5000
    folder = os.environ.get("ALECS_TEST_ARTEFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / name)
    return path


def approve_in_chromium(driver: Any, url: str, token: str, callback: str, tmp_path: Path) -> str:
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    driver.get(url)
    assert "Connect" in driver.title and "Chromium Test Client" in driver.find_element(By.TAG_NAME, "h1").text
    facts = driver.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "127.0.0.1" in facts and "write" in facts
    keep(driver, tmp_path, "consent-sign-in.png")
    driver.find_element(By.ID, "credential").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "button[value=continue]").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "button[value=approve]"))
    page = driver.find_element(By.TAG_NAME, "main").text
    assert "Allow" in page and "write: read and change" in page and "dns, purge" in page and "acme" in page
    assert token not in driver.page_source
    keep(driver, tmp_path, "consent-approve.png")
    driver.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.startswith(callback))
    return str(driver.current_url)


def deny_in_chromium(driver: Any, url: str, callback: str, tmp_path: Path) -> str:
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    driver.get(url)
    keep(driver, tmp_path, "consent-deny.png")
    driver.find_element(By.CSS_SELECTOR, "button[value=deny]").click()  # no token needed to say no
    WebDriverWait(driver, 20).until(lambda d: d.current_url.startswith(callback))
    return str(driver.current_url)


async def test_the_consent_page_in_headless_chromium_approves_and_denies(oauth_server, mint, tmp_path,
                                                                         grant_store, audit_lines):
    require_chromium()
    _, token = mint("write", customers=["acme"], toolsets=["dns", "purge"])
    async with oauth_server() as served:
        with client_callback() as callback, chromium(tmp_path / "profile") as driver:
            oauth = served.client(redirect_uri=callback, )
            assert (await oauth.register(client_name="Chromium Test Client")).status_code == 201
            verifier, challenge = pkce()
            url = oauth.authorize_url(challenge, state="chromium-state", scope="write")
            back = await anyio.to_thread.run_sync(approve_in_chromium, driver, url, token, callback, tmp_path)
            answer = query(back)
            assert answer["state"] == "chromium-state" and answer["iss"] == served.issuer and "error" not in answer
            tokens = await oauth.exchange(answer["code"], verifier)
            assert tokens.status_code == 200 and tokens.json()["scope"] == "read write"
            denied = query(await anyio.to_thread.run_sync(deny_in_chromium, driver,
                                                          oauth.authorize_url(challenge, state="no"), callback,
                                                          tmp_path))
            assert denied["error"] == "access_denied" and denied["state"] == "no" and "code" not in denied
    assert len(grant_store.grants_of()) == 1
    assert {p.name for p in tmp_path.glob("consent-*.png")} == {"consent-sign-in.png", "consent-approve.png",
                                                                "consent-deny.png"}
    lines = audit_lines()
    assert any("action=approve" in line for line in lines) and any("action=deny" in line for line in lines)
