"""A browser for the consent page, the way a person's browser uses it: GET the authorization URL, follow alecs'
redirects, keep cookies, read the form actually served (hidden fields included), and submit it with a button's
name and value. Also the client half of an authorization: PKCE, registration, the token requests."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"), "fields": {},
                               "buttons": []})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms and a.get("name"):
            self.forms[-1]["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "p" and "error" in a.get("class", ""):
            self._in_error = True

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.errors.append(data.strip())
            self._in_error = False


@dataclass
class Page:
    """A consent page as served."""

    url: str
    response: httpx2.Response
    forms: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.text

    def form(self) -> dict[str, Any]:
        assert self.forms, f"no form on the page ({self.status}): {self.text[:500]}"
        return self.forms[0]


class ConsentBrowser:
    """Drives the consent page over HTTP like a browser (cookies kept, forms read from the page)."""

    def __init__(self, http: httpx2.AsyncClient, issuer: str) -> None:
        self.http, self.issuer = http, issuer

    def _page(self, url: str, response: httpx2.Response) -> Page:
        parser = _Forms()
        parser.feed(response.text)
        return Page(url, response, parser.forms, parser.errors)

    async def open(self, url: str) -> Page | str:
        """GET the authorization URL and follow alecs' redirects; the consent page, or the URL alecs sent the
        browser to outside alecs (a redirect to the client)."""
        for _ in range(5):
            response = await self.http.get(url, follow_redirects=False)
            if response.status_code in (302, 303):
                target = urljoin(url, response.headers["location"])
                if not target.startswith(self.issuer):
                    return target
                url = target
                continue
            return self._page(url, response)
        raise AssertionError("too many redirects")

    async def submit(self, page: Page, action: str, drop: tuple[str, ...] = (), **values: str) -> Page | str:
        """Submit the page's form with the button `action` (its name=value), the hidden fields as served, and
        `values`; fields in `drop` are left out (as a forged form would). A redirect out of alecs is returned."""
        form = page.form()
        button = next((b for b in form["buttons"] if b[1] == action), None)
        assert button is not None, f"no '{action}' button on the page: {form['buttons']}"
        data = {**form["fields"], **values, button[0]: button[1]}
        for name in drop:
            data.pop(name, None)
        url = urljoin(page.url, form["action"])
        response = await self.http.post(url, data=data, follow_redirects=False,
                                        headers={"Origin": self.issuer, "Referer": page.url})
        if response.status_code in (302, 303):
            return urljoin(url, response.headers["location"])
        return self._page(url, response)

    async def authorize(self, url: str, credential: str) -> str:
        """Sign in and approve: the redirect URL carrying the code."""
        page = await self.open(url)
        assert isinstance(page, Page) and page.status == 200, page if isinstance(page, str) else page.text[:800]
        confirm = await self.submit(page, "continue", credential=credential)
        assert isinstance(confirm, Page) and confirm.status == 200, confirm if isinstance(confirm, str) else (
            confirm.status, confirm.errors)
        done = await self.submit(confirm, "approve")
        assert isinstance(done, str), (done.status, done.errors)
        return done


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class OAuthClient:
    """The client half: registration, the authorization URL, token requests (what MCP clients send)."""

    http: httpx2.AsyncClient
    issuer: str
    resource: str
    redirect_uri: str = "http://127.0.0.1:33418/callback"
    client_id: str = ""
    client_secret: str | None = None

    async def register(self, **metadata: Any) -> httpx2.Response:
        body = {"redirect_uris": [self.redirect_uri], "client_name": "Test Client",
                "token_endpoint_auth_method": "none", "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"], **metadata}
        response = await self.http.post(f"{self.issuer}/register", json=body)
        if response.status_code == 201:
            self.client_id = response.json()["client_id"]
            self.client_secret = response.json().get("client_secret")
        return response

    def authorize_url(self, challenge: str | None, state: str = "st-123", method: str | None = "S256",
                      **extra: str) -> str:
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                  "state": state, "resource": self.resource, **extra}
        if challenge is not None:
            params["code_challenge"] = challenge
        if method is not None:
            params["code_challenge_method"] = method
        return f"{self.issuer}/authorize?{urlencode(params)}"

    async def token(self, **form: str) -> httpx2.Response:
        data = {"client_id": self.client_id, **form}
        if self.client_secret:
            data["client_secret"] = self.client_secret
        return await self.http.post(f"{self.issuer}/token", data=data)

    async def exchange(self, code: str, verifier: str, **extra: str) -> httpx2.Response:
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                "redirect_uri": self.redirect_uri, "resource": self.resource, **extra}
        return await self.token(**form)

    async def refresh(self, refresh_token: str) -> httpx2.Response:
        return await self.token(grant_type="refresh_token", refresh_token=refresh_token, resource=self.resource)
