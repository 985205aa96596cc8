"""`.edgerc` loading: clear sentences for every mistake, env convention, permission warning, no secret in repr."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from alecs.edgerc import Edgerc, default_edgerc_path
from alecs.errors import ConfigError

GOOD = """[default]
host = akab-host.luna.akamaiapis.net
client_token = akab-client
client_secret = s3cr3t-value
access_token = akab-access

[reseller]
host = akab-host.luna.akamaiapis.net
client_token = akab-client
client_secret = s3cr3t-value
access_token = akab-access
account_switch_key = 1-XYZ
"""


def _write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    p = tmp_path / "edgerc"
    p.write_text(text)
    p.chmod(mode)
    return p


def test_missing_file_names_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"No \.edgerc file at .*nope.*--sandbox"):
        Edgerc(tmp_path / "nope").get("default")


def test_unknown_section_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Section \[other\] is not in .* \(sections: default, reseller\)"):
        Edgerc(_write(tmp_path, GOOD)).get("other")


def test_section_missing_a_field_names_it(tmp_path: Path) -> None:
    text = GOOD.replace("access_token = akab-access\n\n", "\n", 1)
    with pytest.raises(ConfigError, match=r"Section \[default\] .* missing: access_token"):
        Edgerc(_write(tmp_path, text)).get("default")


def test_account_switch_key_is_read(tmp_path: Path) -> None:
    creds = Edgerc(_write(tmp_path, GOOD)).get("reseller")
    assert creds.account_key == "1-XYZ"
    assert creds.base_url == "https://akab-host.luna.akamaiapis.net"


def test_repr_never_shows_secrets(tmp_path: Path) -> None:
    creds = Edgerc(_write(tmp_path, GOOD)).get("default")
    assert "s3cr3t" not in repr(creds) and "akab-access" not in repr(creds)


def test_group_readable_file_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        Edgerc(_write(tmp_path, GOOD, 0o644)).get("default")
    assert "chmod 600" in caplog.text


def test_environment_convention_gives_the_default_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AKAMAI_HOST": "h.luna.akamaiapis.net", "AKAMAI_CLIENT_TOKEN": "ct",
                       "AKAMAI_CLIENT_SECRET": "cs", "AKAMAI_ACCESS_TOKEN": "at"}.items():
        monkeypatch.setenv(key, value)
    creds = Edgerc(tmp_path / "absent").get("default")
    assert creds.host == "h.luna.akamaiapis.net" and creds.client_token == "ct"


def test_path_order_is_flag_then_env_then_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKAMAI_EDGERC", "/env/edgerc")
    assert default_edgerc_path("/flag/edgerc") == Path("/flag/edgerc")
    assert default_edgerc_path(None) == Path("/env/edgerc")
    monkeypatch.delenv("AKAMAI_EDGERC")
    assert default_edgerc_path(None) == Path("~/.edgerc").expanduser()
