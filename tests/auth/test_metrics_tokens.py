"""Tokens of scope `metrics`: made by `alecs token generate --scope metrics`, listed and rotated like any other, and
refused every restriction that would not apply to them (and an OAuth sign-in code, which they cannot use)."""

from __future__ import annotations

import json
import shlex

import pytest

from alecs.auth.rights import InvalidTokenSetting
from alecs.auth.tokens import TokenStore
from alecs.oauth.provider import grant_scope
from tests.auth.test_token_commands import alecs, env  # noqa: F401 - the fixture
from tests.openapi_defs import REPO


def test_generate_makes_a_metrics_token_that_lists_and_rotates_as_metrics(env):  # noqa: F811
    made = json.loads(alecs(env, "generate", "--scope", "metrics", "--description", "prometheus", "--json").stdout)
    assert made["token"].startswith("alecs_")
    listed = {t["id"]: t for t in json.loads(alecs(env, "list", "--json").stdout)}
    assert listed[made["id"]]["scope"] == "metrics" and listed[made["id"]]["description"] == "prometheus"
    rotated = json.loads(alecs(env, "rotate", made["id"], "--json").stdout)
    listed = {t["id"]: t for t in json.loads(alecs(env, "list", "--json").stdout)}
    assert listed[rotated["id"]]["scope"] == "metrics"


@pytest.mark.parametrize("args, says", [
    (("--customers", "default"), "customers would not apply"),
    (("--toolsets", "dns", "--rate", "5/min"), "toolsets, rate would not apply"),
    (("--sign-in-code",), "cannot sign in to OAuth clients"),
])
def test_a_metrics_token_with_restrictions_or_a_sign_in_code_is_refused_and_nothing_is_written(
        env, args, says):  # noqa: F811
    out = alecs(env, "generate", "--scope", "metrics", *args, check=False)
    assert out.returncode != 0 and says in out.stderr and "Traceback" not in out.stderr
    assert json.loads(alecs(env, "list", "--json").stdout) == []


def test_the_store_refuses_restrictions_on_a_metrics_token(tmp_path):
    store = TokenStore(tmp_path / "tokens.json", "metrics-token-tests-key")
    with pytest.raises(InvalidTokenSetting, match="networks would not apply"):
        store.generate(scope="metrics", networks="staging")
    with pytest.raises(InvalidTokenSetting, match="Unknown scope 'prometheus'.*metrics"):
        store.generate(scope="prometheus")
    assert store.records() == []


def test_a_metrics_token_gets_no_oauth_grant_whatever_the_client_asks():
    assert grant_scope(None, "metrics") is None
    assert grant_scope(["read", "write", "admin"], "metrics") is None
    assert grant_scope(["metrics"], "admin") is None  # and no client gets the metrics scope from another token


def test_the_readme_command_for_a_metrics_token_works_as_written(env):  # noqa: F811
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Watching it run: `/metrics`", 1)[1]
    command = section.split("```bash\n", 1)[1].split("\n```", 1)[0].strip()
    assert command.startswith("alecs token generate --scope metrics")
    out = alecs(env, *shlex.split(command)[2:])
    assert "scope:   metrics" in out.stdout and "token:   alecs_" in out.stdout
