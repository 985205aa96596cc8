"""The table of Akamai's published limits: what each counts, how operators change it, and bad settings refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alecs.akamai.budget import Budget
from alecs.akamai.client import AkamaiClient
from alecs.akamai.limits import PUBLISHED, LimitTable, Rate, parse_overrides
from alecs.edgerc import Edgerc
from alecs.errors import ConfigError


def _names(table: LimitTable, method: str, path: str) -> list[str]:
    return [limit.name for limit in table.for_request(method, path)]


def test_every_published_limit_cites_the_akamai_page_that_publishes_it() -> None:
    assert len({limit.name for limit in PUBLISHED}) == len(PUBLISHED)
    assert all(limit.doc.startswith("https://techdocs.akamai.com/") for limit in PUBLISHED)


def test_papi_is_100_a_minute_with_a_burst_of_1000_per_account() -> None:
    (papi,) = LimitTable().for_request("GET", "/papi/v1/groups")
    assert papi.rate == Rate(100 / 60, 1000) and papi.reported == 100 and papi.per == "account"


def test_a_url_purge_takes_a_request_token_and_one_token_per_url() -> None:
    table = LimitTable()
    limits = table.for_request("POST", "/ccu/v3/invalidate/url/production")
    assert [limit.name for limit in limits] == ["ccu", "ccu-url"]
    body = {"objects": ["https://www.example.com/a", "https://www.example.com/b", "https://www.example.com/c"]}
    assert [limit.cost(body) for limit in limits] == [1, 3]
    assert _names(table, "POST", "/ccu/v3/delete/cpcode/staging") == ["ccu", "ccu-cpcode"]
    assert _names(table, "POST", "/ccu/v3/invalidate/tag/production") == ["ccu", "ccu-tag"]


def test_edge_diagnostics_limits_each_operation_at_its_published_rate() -> None:
    table = LimitTable()
    (dig,) = table.for_request("POST", "/edge-diagnostics/v1/dig")
    (mtr,) = table.for_request("POST", "/edge-diagnostics/v1/mtr")
    (verify,) = table.for_request("POST", "/edge-diagnostics/v1/verify-edge-ip")
    assert (dig.rate.burst, mtr.rate.burst, verify.rate.burst) == (40, 20, 60)
    assert table.for_request("GET", "/edge-diagnostics/v1/curl") == ()  # the limit counts starting a curl only


def test_the_narrower_appsec_limits_apply_instead_of_the_general_one() -> None:
    table = LimitTable()
    assert _names(table, "GET", "/appsec/v1/configs") == ["appsec"]
    assert _names(table, "GET", "/appsec/v1/export/configs/1/versions/2") == ["appsec-export"]
    assert _names(table, "GET", "/appsec/v1/hostname-coverage") == ["appsec-hostname-coverage"]


def test_apis_that_publish_no_number_have_no_client_side_limit() -> None:
    table = LimitTable()
    assert table.for_request("GET", "/config-dns/v2/zones") == ()
    assert table.for_request("GET", "/config-gtm/v1/domains") == ()


def test_edgeworkers_activations_are_counted_per_network() -> None:
    (limit,) = LimitTable().for_request("POST", "/edgeworkers/v1/ids/42/activations")
    assert limit.scope("/edgeworkers/v1/ids/42/activations", {"network": "staging", "version": "1"}) == "STAGING"


def test_operators_raise_lower_or_lift_limits_by_name_or_family() -> None:
    overrides = parse_overrides("papi=200/min burst 2000; acme:diagnostics=off; ccu-url=300/s")
    assert overrides[""]["papi"] == Rate(200 / 60, 2000)
    assert overrides[""]["ccu-url"] == Rate(300.0, 300.0)
    budget = Budget(overrides)
    assert _names(budget.table("acme"), "POST", "/edge-diagnostics/v1/dig") == []
    assert _names(budget.table("default"), "POST", "/edge-diagnostics/v1/dig") == ["diagnostics-dig"]
    (papi,) = budget.table("acme").for_request("GET", "/papi/v1/groups")
    assert papi.rate.burst == 2000


@pytest.mark.parametrize("text", ["papi", "papi=fast", "papi=-3/min", "nosuch=10/min", "papi=10/fortnight"])
def test_a_bad_limit_setting_stops_the_server_with_one_clear_sentence(text: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALECS_AKAMAI_LIMITS", text)
    with pytest.raises(ConfigError, match="ALECS_AKAMAI_LIMITS"):
        Budget.from_env()


def test_the_readme_example_for_raised_limits_works_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    value = re.search(r'`ALECS_AKAMAI_LIMITS="([^"]+)"`', readme)
    assert value, "the README shows an ALECS_AKAMAI_LIMITS example"
    monkeypatch.setenv("ALECS_AKAMAI_LIMITS", value.group(1))
    budget = Budget.from_env()
    (papi,) = budget.table("default").for_request("GET", "/papi/v1/groups")
    assert papi.rate == Rate(200 / 60, 2000)
    url = budget.table("acme").for_request("POST", "/ccu/v3/invalidate/url/production")[1]
    assert url.rate == Rate(400.0, 20000)
    assert budget.table("default").for_request("POST", "/edge-diagnostics/v1/dig") == ()


@pytest.mark.parametrize("value", ["soon", "-1", "7200"])
def test_a_bad_max_wait_stops_the_server_with_one_clear_sentence(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALECS_AKAMAI_MAX_WAIT", value)
    with pytest.raises(ConfigError, match="ALECS_AKAMAI_MAX_WAIT"):
        AkamaiClient(Edgerc(None, use_env=False))


def test_max_wait_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALECS_AKAMAI_MAX_WAIT", "7.5")
    client = AkamaiClient(Edgerc(None, use_env=False))
    try:
        assert client.queue.max_wait == 7.5
    finally:
        client.close()


def test_buckets_that_remember_nothing_are_forgotten_so_many_report_names_cannot_grow_memory(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from alecs.akamai import budget as budget_module

    monkeypatch.setattr(budget_module, "MAX_BUCKETS", 50)
    budget = Budget()
    account = budget_module.Account("host", "token", None, "default")
    busy = budget.charge(account, "GET", "/reporting-api/v1/reports/hits/versions/1/report-data", None, 0.0)
    busy.take(0.0)  # in flight: remembered
    for i in range(200):
        budget.charge(account, "GET", f"/reporting-api/v1/reports/r{i}/versions/1/report-data", None, 0.0)
    assert len(budget._buckets) <= 51
    assert all(b in budget._buckets.values() for b, _ in busy.items)
