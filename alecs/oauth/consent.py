"""The consent page: a person proves who they are with their alecs token (or a one-time sign-in code), sees exactly
what the grant will get, and approves or denies. Plain HTML and CSS, no JavaScript, works with JavaScript off.

Two steps on one URL (`/authorize/consent`):

1. GET shows the client's name, id and redirect host, and what it asks for, with a form for the token or code.
2. POST `continue` checks the credential (failures limited per presented credential and per address, shared with
   the MCP endpoint's limiter) and shows the grant: scope, customers, toolsets, limits (the token's, never more).
   POST `approve` issues the code and redirects (303) to the client; `deny` redirects with `access_denied`.

Protection: a CSRF token bound to the browser (an HttpOnly, SameSite=Strict cookie, and the form's keyed hash of
it and the request id), `Origin` checked when sent, `Content-Security-Policy` without scripts and with
`form-action` limited to this page and the client's redirect origin, `X-Frame-Options: DENY`, no caching, and
`Referrer-Policy: same-origin` (no referrer leaves for another site). The credential is only ever in a POST body:
never in a URL, a log or the page sent back.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from alecs import metrics
from alecs.auth.cli import limits_text
from alecs.auth.tokens import TokenRecord, parse_token
from alecs.oauth.gate import FailureGate
from alecs.oauth.provider import CONSENT_PATH, AlecsProvider, PendingConsent, client_name, grant_scope
from alecs.oauth.store import normalize_sign_in_code
from alecs.principal import METRICS

CSS_PATH = "/authorize/consent.css"
COOKIE = "alecs_consent"
SCOPE_WORDS = {"read": "read: list and look, change nothing",
               "write": "write: read and change Akamai configuration",
               "admin": "admin: read, change, and manage alecs tokens"}


@dataclass(frozen=True)
class Page:
    """A rendered answer: status, HTML, and extra headers."""

    status: int
    body: str
    headers: tuple[tuple[str, str], ...] = ()


def stylesheet() -> bytes:
    return resources.files("alecs.oauth").joinpath("consent.css").read_bytes()


class ConsentPage:
    """GET and POST of the consent page (see the module docstring)."""

    def __init__(self, provider: AlecsProvider, gate: FailureGate, secure: bool) -> None:
        self.provider, self.gate, self.secure = provider, gate, secure
        self._key = secrets.token_bytes(32)

    # -- HTTP ----------------------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        if request.method == "GET":
            return await self.get(request)
        return await self.post(request)

    async def get(self, request: Request) -> Response:
        pending = self.provider.pending_request(request.query_params.get("request", ""))
        if pending is None:
            return self._answer(None, _gone())
        browser = request.cookies.get(COOKIE) or secrets.token_urlsafe(24)
        response = self._answer(pending, self._sign_in(pending, self._csrf(browser, pending.id)))
        response.set_cookie(COOKIE, browser, path=CONSENT_PATH, httponly=True, secure=self.secure, samesite="strict")
        return response

    async def post(self, request: Request) -> Response:
        form = await request.form()
        field = {k: v for k, v in form.items() if isinstance(v, str)}
        pending = self.provider.pending_request(field.get("request", ""))
        if pending is None:
            return self._answer(None, _gone())
        origin = request.headers.get("origin")
        if origin is not None and origin.rstrip("/") != self.provider.urls().issuer:
            return self._answer(pending, _problem(403, "This form was sent from another site.",
                                                  "Open the sign-in link from your client again."))
        browser = request.cookies.get(COOKIE, "")
        csrf = self._csrf(browser, pending.id)
        if not browser or not hmac.compare_digest(field.get("csrf", ""), csrf):
            return self._answer(pending, _problem(403, "The form's security check failed (CSRF token missing or "
                                                       "wrong).", "Reload the page from your client's sign-in link "
                                                                  "and try again."))
        action = field.get("action", "")
        if action == "deny":
            return self._redirect(self.provider.deny(pending))
        if action == "approve":
            return await self._approve(pending, field, csrf)
        return await self._continue(request, pending, field.get("credential", ""), csrf)

    async def _continue(self, request: Request, pending: PendingConsent, credential: str, csrf: str) -> Response:
        credential = credential.strip()
        keys = self.gate.keys(request, credential)
        # Like the MCP endpoint's Guard: a genuine active token is let in whatever the counts say (nobody's
        # failures lock its owner out); anything else waits out a block first, sign-in codes above all (short).
        record = await self.provider.tokens.lookup(credential) if parse_token(credential) is not None else None
        if record is None or record.state() != "active":
            wait = self.gate.retry_after(keys)
            if wait > 0:
                metrics.auth_refusal("oauth", "rate_limited")
                page = self._sign_in(pending, csrf, f"Too many failed attempts: try again in {int(wait) + 1} s.", 429)
                return self._answer(pending, Page(page.status, page.body, (("Retry-After", str(int(wait) + 1)),)))
            if record is None:
                record = await self._redeem(credential)
        if record is None or record.state() != "active":
            self.gate.failed(keys)
            metrics.auth_refusal("oauth", "unknown_token" if record is None else record.state())
            why = "This token or sign-in code is not valid." if record is None else f"This token is {record.state()}."
            return self._answer(pending, self._sign_in(pending, csrf, why, 401))
        scope = grant_scope(pending.params.scopes, record.scope)
        if scope is None:
            asked = " ".join(pending.params.scopes or [])
            why = (f"Your token's scope is {record.scope}; {client_name(pending.client)} asks for {asked}. Use a "
                   f"token with that scope, or deny.") if record.scope != METRICS else (
                "This is a metrics token: it reads /metrics and signs in nowhere. Use a read, write or admin token.")
            return self._answer(pending, self._sign_in(pending, csrf, why, 403))
        pending.signed_in, pending.scope = record, scope
        pending.approval = secrets.token_urlsafe(24)
        return self._answer(pending, self._confirm(pending, csrf))

    async def _approve(self, pending: PendingConsent, field: dict[str, str], csrf: str) -> Response:
        if pending.signed_in is None or not hmac.compare_digest(field.get("approval", ""), pending.approval):
            return self._answer(pending, self._sign_in(pending, csrf, "Sign in first.", 403))
        current = self.provider.tokens.verify_id(pending.signed_in.id)
        if current is None or current.state() != "active":
            pending.signed_in = None
            state = current.state() if current is not None else "gone"
            return self._answer(pending, self._sign_in(pending, csrf, f"This token is {state}.", 401))
        return self._redirect(self.provider.approve(pending))

    async def _redeem(self, credential: str) -> TokenRecord | None:
        """The token a sign-in code stands for (the code is used up), or None."""
        if normalize_sign_in_code(credential) is None:
            return None
        store = self.provider.grants.store
        token_id = await anyio.to_thread.run_sync(lambda: store.redeem_sign_in_code(credential))
        if token_id is None:
            return None
        record = self.provider.tokens.verify_id(token_id)
        if record is None:  # a token made together with the code, after the last reload
            await anyio.to_thread.run_sync(self.provider.tokens.refresh)
            record = self.provider.tokens.verify_id(token_id)
        return record

    # -- rendering -----------------------------------------------------------------------------------
    def _csrf(self, browser: str, request_id: str) -> str:
        return hmac.new(self._key, f"{browser}:{request_id}".encode(), hashlib.sha256).hexdigest()

    def _facts(self, pending: PendingConsent) -> list[tuple[str, str]]:
        redirect = urlsplit(str(pending.params.redirect_uri))
        returns = redirect.netloc or f"{redirect.scheme}:"
        asked = " ".join(pending.params.scopes or []) or "whatever your token allows"
        return [("Client", client_name(pending.client)), ("Client id", pending.client.client_id),
                ("Returns to", returns), ("Asks for", asked)]

    def _sign_in(self, pending: PendingConsent, csrf: str, error: str = "", status: int = 200) -> Page:
        name = client_name(pending.client)
        body = f"""
<h1>Connect <strong>{_e(name)}</strong> to alecs</h1>
<p class="lead">{_e(name)} wants to use this alecs server's Akamai tools on your behalf.</p>
{_facts_html(self._facts(pending))}
{_error_html(error)}
<form method="post" action="{CONSENT_PATH}" autocomplete="off">
  <input type="hidden" name="request" value="{_e(pending.id)}">
  <input type="hidden" name="csrf" value="{_e(csrf)}">
  <label for="credential">Your alecs token or sign-in code</label>
  <input id="credential" name="credential" type="password" required spellcheck="false" autocomplete="off">
  <p class="hint">The token your administrator gave you (<code>alecs_…</code>), or a one-time sign-in code
  (<code>ABCDE-FGHJK</code>) from <code>alecs token generate --sign-in-code</code>. It is checked here once and
  never given to the client.</p>
  <div class="actions">
    <button type="submit" name="action" value="continue" class="primary">Continue</button>
    <button type="submit" name="action" value="deny" formnovalidate>Deny</button>
  </div>
</form>"""
        return Page(status, _document(f"Connect {name} to alecs", body))

    def _confirm(self, pending: PendingConsent, csrf: str) -> Page:
        record, scope = pending.signed_in, pending.scope
        assert record is not None and scope is not None
        name = client_name(pending.client)
        who = f"{record.id} ({record.description})" if record.description else record.id
        facts = self._facts(pending)[:3] + [
            ("Your token", who), ("Scope", SCOPE_WORDS[scope]),
            ("Customers", ", ".join(record.customers) if record.customers else "all of this server's accounts"),
            ("Toolsets", ", ".join(record.toolsets) if record.toolsets else "all this server offers"),
            ("Limits", limits_text(record) if limits_text(record) != "-" else "the server's defaults"),
            ("Ends", "when your token is revoked, expires or is rotated, or with `alecs token revoke-grant`")]
        body = f"""
<h1>Allow <strong>{_e(name)}</strong> to use alecs as you?</h1>
<p class="lead">The grant gets exactly these rights, never more than your token's.</p>
{_facts_html(facts)}
<form method="post" action="{CONSENT_PATH}">
  <input type="hidden" name="request" value="{_e(pending.id)}">
  <input type="hidden" name="csrf" value="{_e(csrf)}">
  <input type="hidden" name="approval" value="{_e(pending.approval)}">
  <div class="actions">
    <button type="submit" name="action" value="approve" class="primary">Approve</button>
    <button type="submit" name="action" value="deny">Deny</button>
  </div>
</form>"""
        return Page(200, _document(f"Allow {name}?", body))

    def _answer(self, pending: PendingConsent | None, page: Page) -> Response:
        headers = dict(security_headers(pending))
        headers.update(page.headers)
        return HTMLResponse(page.body, status_code=page.status, headers=headers)

    def _redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store",
                                                               "Referrer-Policy": "no-referrer"})


def security_headers(pending: PendingConsent | None) -> tuple[tuple[str, str], ...]:
    """CSP (no scripts; forms post here and redirect only to the client's redirect origin), no framing, no
    referrer, no caching."""
    targets = "'self'"
    if pending is not None:
        redirect = urlsplit(str(pending.params.redirect_uri))
        targets += f" {redirect.scheme}://{redirect.netloc}" if redirect.netloc else f" {redirect.scheme}:"
    csp = (f"default-src 'none'; style-src 'self'; img-src 'none'; form-action {targets}; frame-ancestors 'none'; "
           f"base-uri 'none'")
    # same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the form's POST, which the
    # Origin check must refuse; nothing leaves for another origin either way.
    return (("Content-Security-Policy", csp), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
            ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"))


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _facts_html(facts: list[tuple[str, str]]) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return f'<dl class="facts">{rows}</dl>'


def _error_html(error: str) -> str:
    return f'<p class="error" role="alert">{_e(error)}</p>' if error else ""


def _document(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>{_e(title)}</title>
<link rel="stylesheet" href="{CSS_PATH}"></head>
<body><main class="card">{body}
<p class="foot">alecs · Akamai control plane · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}</p>
</main></body></html>
"""


def _problem(status: int, title: str, advice: str) -> Page:
    return Page(status, _document("alecs sign-in", f'<h1>{_e(title)}</h1><p class="lead">{_e(advice)}</p>'))


def _gone() -> Page:
    return _problem(400, "This sign-in request is unknown or has expired.",
                    "Start again from your client (Claude, ChatGPT, Cursor, VS Code, ...): it opens a fresh page.")

