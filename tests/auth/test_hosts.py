"""The Host allow-list: loopback, the listen address, the public URL, the certificate's names, ALECS_ALLOWED_HOSTS."""

from __future__ import annotations

import pytest
import trustme

from alecs.auth.hosts import HostAllowList, host_allow_list, host_name
from alecs.errors import ConfigError


def test_host_values_are_compared_by_name_without_port_case_or_trailing_dot():
    assert host_name("MCP.Example.com.:443") == "mcp.example.com"
    assert host_name("[::1]:8082") == "::1" and host_name("[0:0::1]") == "::1"
    assert host_name("127.0.0.1:8082") == "127.0.0.1"
    for bad in ("", "a b", "evil.example:x", "[::1", "[::1]x", "a/b", "évil.example"):
        assert host_name(bad) is None, bad


def test_by_default_only_loopback_names_and_addresses_are_served():
    hosts = host_allow_list()
    for ok in ("localhost", "localhost:8082", "127.0.0.1:8082", "127.8.9.10", "[::1]:8082", "LOCALHOST.",
               "10.0.0.5:8082", "[2001:db8::5]"):  # no DNS, no rebinding: addresses are served
        assert hosts.allows([ok]), ok
    for refused in ("evil.example", "localhost.evil.example", "0.0.0.0", "[::]", "2130706433"):
        assert not hosts.allows([refused]), refused
    assert not hosts.allows([]) and not hosts.allows(["localhost", "localhost"])  # missing or repeated Host


def test_the_listen_address_public_url_and_allowed_hosts_are_added():
    hosts = host_allow_list(listen_host="alecs.internal", public_url="https://MCP.example.com:8443/mcp",
                            allowed="ops.example.net, *.corp.example, [2001:db8::5]")
    for ok in ("alecs.internal:8082", "mcp.example.com", "ops.example.net", "a.corp.example", "b.a.corp.example",
               "[2001:db8::5]:443", "localhost"):
        assert hosts.allows([ok]), ok
    for refused in ("corp.example", "xcorp.example", "mcp.example.com.evil.example", "mcp.example"):
        assert not hosts.allows([refused]), refused
    wildcard_bind = host_allow_list(listen_host="0.0.0.0")
    assert not wildcard_bind.allows(["0.0.0.0"]) and wildcard_bind == HostAllowList()


def test_a_star_turns_the_check_off_and_malformed_settings_are_named():
    assert host_allow_list(allowed="*").allows(["anything.example"])
    with pytest.raises(ConfigError, match="ALECS_ALLOWED_HOSTS: 'bad host' is not a host name"):
        host_allow_list(allowed="ok.example,bad host")
    with pytest.raises(ConfigError, match="ALECS_PUBLIC_URL must be the URL clients use"):
        host_allow_list(public_url="mcp.example.com")


def test_the_served_certificate_names_are_allowed(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("mcp.example.org", "*.edge.example.org", "192.0.2.10")
    path = tmp_path / "fullchain.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(path))
    hosts = host_allow_list(listen_host="0.0.0.0", certificate=str(path))
    for ok in ("mcp.example.org", "a.edge.example.org"):
        assert hosts.allows([ok]), ok
    assert not hosts.allows(["example.org"])
    assert host_allow_list(certificate=str(tmp_path / "missing.pem")) == HostAllowList()
