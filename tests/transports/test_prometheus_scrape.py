"""README's Prometheus scrape configuration, run by a real Prometheus (Debian's, from `.ci/metrics-setup.sh`)
against alecs on both transports: with the metrics token in its credentials file the target is up and Prometheus
has the session's tool calls; with an MCP token in that file the target is down with alecs' 403."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from tests.openapi_defs import REPO
from tests.support.net import free_port
from tests.support.waiting import poll
from tests.transports.test_log_secrets import client_for

YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)


def readme_scrape_config() -> dict[str, Any]:
    """The README's `scrape_configs` example, parsed."""
    blocks = [b for b in YAML_BLOCK.findall((REPO / "README.md").read_text()) if "scrape_configs:" in b]
    assert len(blocks) == 1, "README.md should hold exactly one Prometheus scrape_configs example"
    config: dict[str, Any] = yaml.safe_load(blocks[0])
    return config


def require_prometheus() -> str:
    found = shutil.which("prometheus")
    if found is None:
        message = "Prometheus is not installed: run `sudo bash .ci/metrics-setup.sh`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


class Prometheus:
    """A real Prometheus on a free loopback port, scraping every second with `config`; always stopped."""

    def __init__(self, binary: str, config: dict[str, Any], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = open(folder / "prometheus.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [binary, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
             f"--web.listen-address={self.url.removeprefix('http://')}"], stdout=self.log, stderr=subprocess.STDOUT)

    async def query(self, expression: str) -> list[dict[str, Any]]:
        async with httpx2.AsyncClient(timeout=10) as http:
            answer = await http.get(f"{self.url}/api/v1/query", params={"query": expression})
        result: list[dict[str, Any]] = answer.json()["data"]["result"]
        return result

    async def target(self) -> dict[str, Any] | None:
        """The alecs target's health and last error, once Prometheus has scraped it."""
        try:
            async with httpx2.AsyncClient(timeout=10) as http:
                answer = await http.get(f"{self.url}/api/v1/targets")
        except httpx2.TransportError:
            return None  # not listening yet
        if answer.status_code != 200:
            return None  # starting: 503 until its storage is ready
        targets = answer.json()["data"]["activeTargets"]
        scraped = [t for t in targets if t["labels"].get("job") == "alecs" and t["health"] != "unknown"]
        return scraped[0] if scraped else None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Any]:
    binary = require_prometheus()
    started: list[Prometheus] = []

    def start(mcp_url: str, token: str) -> Prometheus:
        """Prometheus with README's configuration for alecs at `mcp_url`, the token in the credentials file."""
        config = readme_scrape_config()
        job = config["scrape_configs"][0]
        credentials = tmp_path / f"alecs-metrics-{len(started)}.token"
        credentials.write_text(token + "\n")  # as `alecs token generate ... > file` leaves it
        credentials.chmod(0o600)
        assert job["authorization"]["credentials_file"].startswith("/etc/prometheus/")
        job["authorization"]["credentials_file"] = str(credentials)
        job["scheme"] = "http"  # the test server is plain HTTP on loopback, as in tunnel mode
        job["static_configs"] = [{"targets": [mcp_url.split("//", 1)[1].split("/", 1)[0]]}]
        config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s"}
        started.append(Prometheus(binary, config, tmp_path / f"prometheus-{len(started)}"))
        return started[-1]
    yield start
    for p in started:
        p.stop()


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_prometheus_with_the_readme_configuration_scrapes_the_session_it_watches(
        serve, mint, prometheus, transport):
    _, token = mint("write")
    _, metrics_token = mint("metrics", description="prometheus")
    async with serve(transport=transport) as remote:
        async with client_for(transport, remote.url, token) as client:
            assert not (await client.call_tool("list-contracts", {})).is_error
        watching = prometheus(remote.url, metrics_token)
        wrong = prometheus(remote.url, token)  # an MCP token in the credentials file

        up = await poll(watching.target, 60, "Prometheus to scrape alecs")
        assert up["health"] == "up", up["lastError"]
        calls = await poll(lambda: watching.query('alecs_tool_calls_total{tool="list-contracts",outcome="ok"}'),
                           30, "the tool call in Prometheus")
        assert float(calls[0]["value"][1]) >= 1
        assert await watching.query(f'alecs_sessions_opened_total{{transport="{transport}"}} >= 1')
        down = await poll(wrong.target, 60, "Prometheus to try alecs with the wrong token")
        assert down["health"] == "down" and "403" in down["lastError"]
