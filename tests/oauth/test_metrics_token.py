"""A metrics token (scope `metrics`, for Prometheus) cannot sign in to an OAuth client: the consent page says why."""

from __future__ import annotations

from tests.oauth.browser import Page, pkce
from tests.oauth.test_refusals import registered


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
