"""The grant store keeps no secret: only keyed hashes, sealed like the token store (0600, AEAD, wrong key refused)."""

from __future__ import annotations

import json
import stat

import pytest

from alecs.auth.sealed import SealedStoreError
from alecs.auth.tokens import TokenStore
from alecs.oauth.store import GrantStore


async def test_the_grant_store_holds_only_digests_sealed_and_private(oauth_server, mint, store, grant_store):
    _, token = mint("write")
    async with oauth_server() as served:
        client = served.client()
        assert (await client.register(token_endpoint_auth_method="client_secret_post")).status_code == 201
        _, tokens = await served.authorize(token)
    code, _ = grant_store.new_sign_in_code(store.records()[0].id)
    raw = grant_store.path.read_bytes()
    assert stat.S_IMODE(grant_store.path.stat().st_mode) == 0o600
    assert json.loads(raw)["format"] == "alecs-oauth-store" and b"grt_" not in raw and b"Test Client" not in raw
    opened = grant_store._file.open().payload
    plain = json.dumps(opened)
    for secret in (tokens["access_token"][26:], tokens["refresh_token"][26:], client.client_secret, code,
                   code.replace("-", ""), token.split("_", 2)[2]):
        assert secret and secret not in plain
    assert opened is not None and opened["grants"][0]["refresh_digest"] and opened["clients"]


def test_a_grant_store_under_another_master_key_is_refused_with_one_sentence(store, grant_store):
    grant_store.new_sign_in_code("tok_0123456789abcdef")
    other = GrantStore.beside(TokenStore(store.path, "another-master-key"))
    with pytest.raises(SealedStoreError, match="TOKEN_MASTER_KEY does not open the OAuth grant store"):
        other.load()
