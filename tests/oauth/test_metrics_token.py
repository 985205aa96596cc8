"""A metrics token (scope `metrics`, for Prometheus) cannot sign in to an OAuth client: the consent page says why."""

from __future__ import annotations

from alecs.metrics import REGISTRY
from tests.oauth.browser import Page, pkce
from tests.oauth.test_refusals import registered


def sign_in_refusals(reason: str) -> float:
    return REGISTRY.get_sample_value("alecs_auth_refusals_total", {"transport": "oauth", "reason": reason}) or 0.0


async def test_a_metrics_token_cannot_sign_in_on_the_consent_page(oauth_server, mint, grant_store):
    _, metrics_token = mint("metrics")
    async with oauth_server() as served:
        client = await registered(served)
        _, challenge = pkce()
        browser = served.browser()
        for scope in ({}, {"scope": "read write admin"}):  # asking for no scope, or for every one
            page = await browser.open(client.authorize_url(challenge, **scope))
            assert isinstance(page, Page)
            refused = await browser.submit(page, "continue", credential=metrics_token)
            assert isinstance(refused, Page) and refused.status == 403
            assert refused.errors and "metrics token" in refused.errors[0] and "signs in nowhere" in refused.errors[0]
    assert grant_store.grants_of() == []


async def test_failed_sign_ins_on_the_consent_page_are_counted_as_auth_refusals(oauth_server, mint, store):
    revoked_id, revoked = mint("write")
    store.revoke(revoked_id)
    unknown, gone = sign_in_refusals("unknown_token"), sign_in_refusals("revoked")
    async with oauth_server() as served:
        client = await registered(served)
        _, challenge = pkce()
        browser = served.browser()
        page = await browser.open(client.authorize_url(challenge))
        assert isinstance(page, Page)
        for credential in ("ABCDE-FGHJK", revoked):  # a sign-in code nobody issued, a revoked token
            page = await browser.submit(page, "continue", credential=credential)
            assert isinstance(page, Page) and page.status == 401
    assert (sign_in_refusals("unknown_token"), sign_in_refusals("revoked")) == (unknown + 1, gone + 1)
