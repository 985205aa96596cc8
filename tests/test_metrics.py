"""alecs.metrics: labels stay bounded whatever clients send, token-store reloads are counted, and the exposition is
what Prometheus parses."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading

import pytest
from prometheus_client.parser import text_string_to_metric_families

from alecs import metrics
from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore, TokenStoreError
from alecs.metrics import MAX_LABEL_VALUES, OTHER, REGISTRY, bounded


def reloads(outcome: str) -> float:
    return REGISTRY.get_sample_value("alecs_token_store_reloads_total", {"outcome": outcome}) or 0.0


def test_a_flood_of_distinct_values_never_grows_a_label_past_its_cap() -> None:
    values = {bounded("test_flood", f"name-{i}") for i in range(MAX_LABEL_VALUES * 3)}
    assert len(values) == MAX_LABEL_VALUES + 1 and OTHER in values
    assert bounded("test_flood", "name-0") == "name-0"  # values already seen keep their label


@pytest.mark.parametrize("value", ["", "a b", 'x"}', "line\nbreak", "../../etc", "é", "x" * 65, "-lead"])
def test_values_that_do_not_look_like_names_are_counted_as_other(value: str) -> None:
    assert bounded("test_shape", value) == OTHER


def test_an_akamai_path_is_labelled_by_its_api_alone() -> None:
    assert metrics.api_of("/papi/v1/properties/prp_1/versions/3") == "papi"
    assert metrics.api_of("/config-dns/v2/zones?x=1") == "config-dns"
    assert metrics.api_of("/{weird}/x") == OTHER


def test_the_exposition_parses_and_names_every_metric_the_readme_lists() -> None:
    families = {f.name for f in text_string_to_metric_families(metrics.render()[0].decode())}
    assert {"alecs_sessions_open", "alecs_sessions_opened", "alecs_tool_calls", "alecs_tool_call_duration_seconds",
            "alecs_akamai_requests", "alecs_akamai_request_duration_seconds", "alecs_akamai_retries",
            "alecs_akamai_budget_refusals", "alecs_auth_refusals", "alecs_transport_refusals",
            "alecs_token_store_reloads", "alecs_build_info", "process_resident_memory_bytes"} <= families


def test_token_store_reloads_are_counted_when_it_changed_or_could_not_be_read(tmp_path) -> None:
    store = TokenStore(tmp_path / "tokens.json", "metrics-tests-master-key")
    store.generate(scope="read")
    live = LiveTokens(store)
    changed, failed = reloads("changed"), reloads("failed")
    assert live.refresh(force=True) and not live.refresh()  # the first load, then unchanged: neither is a reload
    assert (reloads("changed"), reloads("failed")) == (changed, failed)
    store.generate(scope="write")
    assert live.refresh()
    (tmp_path / "tokens.json").write_text("not a token store")
    with pytest.raises(TokenStoreError):
        live.refresh()
    assert (reloads("changed"), reloads("failed")) == (changed + 1, failed + 1)


def test_serving_loads_no_metrics_library_before_its_listener_answers(tmp_path) -> None:
    """prometheus_client costs ~50 ms to import: the registry is made on the first count, after the listener."""
    env = {**os.environ, "TOKEN_MASTER_KEY": "metrics-tests-master-key", "ALECS_TOKEN_STORE": str(tmp_path / "t"),
           "ALECS_SANDBOX": "1"}
    subprocess.run([sys.executable, "-m", "alecs", "token", "generate", "--scope", "read"], env=env, check=True,
                   capture_output=True, timeout=60)
    server = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "alecs", "serve", "--transport",
                               "websocket", "--port", "0"], env=env, stderr=subprocess.PIPE, text=True)
    stop = threading.Timer(60, server.kill)  # a server that never listens fails the test, not hangs it
    stop.start()
    try:
        assert server.stderr is not None
        before = list(itertools.takewhile(lambda line: "listening on" not in line, server.stderr))
    finally:
        stop.cancel()
        server.kill()
        server.wait(30)
    assert any("alecs.transports.websocket" in line for line in before), "importtime lines were not seen"
    assert not [line for line in before if "prometheus_client" in line]
