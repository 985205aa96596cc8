"""The caller travels one way: on the request context, as the SDK's authenticated user; never guessed when missing."""

from __future__ import annotations

import pytest
from starlette.requests import HTTPConnection

from alecs.caller import UnauthenticatedRequest, authenticated, principal_of
from alecs.principal import Principal


def scope(**extra: object) -> dict[str, object]:
    return {"type": "http", "path": "/mcp", "headers": [], **extra}


def test_a_local_message_has_no_caller_of_its_own():
    assert principal_of(None) is None


def test_the_caller_is_read_back_from_the_request_user():
    who = Principal(token_id="tok_abc", scope="read", customers=frozenset({"acme"}))
    assert principal_of(HTTPConnection(scope(user=authenticated(who)))) is who
    websocket = HTTPConnection({"type": "websocket", "path": "/mcp", "headers": [], "user": authenticated(who)})
    assert principal_of(websocket) is who


def test_the_user_the_sdk_sees_names_the_token_id_and_scope_never_a_secret():
    user = authenticated(Principal(token_id="tok_abc", scope="write"), expires_at=1_900_000_000.7)
    token = user.access_token
    assert (user.username, token.token, token.client_id, token.scopes, token.expires_at) == (
        "tok_abc", "tok_abc", "tok_abc", ["write"], 1_900_000_000)


@pytest.mark.parametrize("request_context", [
    HTTPConnection(scope()),
    HTTPConnection(scope(user="tok_abc")),
    {"scope": {"alecs.principal": Principal(scope="admin")}},
    object(),
])
def test_a_remote_request_without_an_authenticated_caller_is_refused_not_taken_for_the_operator(request_context):
    with pytest.raises(UnauthenticatedRequest):
        principal_of(request_context)
