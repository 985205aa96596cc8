"""The bench in smoke mode (tiny counts), so it never rots: every measure runs and lands in the JSON.

Timings are not asserted (only that each measure ran, has a baseline where it should, and is not NaN), except the
request validation cost, loosely: the brief for the pre-send check sets a budget per call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness import Sshd
from bench.stats import Row, compare, table
from tests.openapi_defs import REPO

EXPECTED = ("tools/call over WebSocket", "tools/list over WebSocket", "tools/call over WebSocket, limits and queues on",
            "tools/call through alecs-tunnel (SSH)",
            "tools/list through alecs-tunnel (SSH)", "tools/call through ssh -L (reference)",
            "alecs-tunnel launch to initialize answer", "alecs serve --transport websocket start to /healthz 200",
            "stdio launch to tools/list (default, sandbox)", "stdio launch to tools/list (all, sandbox)",
            "stdio launch to tools/list (default, .edgerc)", "stdio launch to tools/list (all, .edgerc)",
            "stdio launch to tools/list, first launch after install (default, sandbox)",
            "first tool call once loaded, over the same call warm",
            "tool call sent right after the tools/list answer (waits for loading)",
            "idle authenticated sessions held", "server memory with those sessions", "load: p99 latency",
            "load: errors", "load: starved sessions (< 25% of mean calls)",
            "Akamai requests: find a property by hostname", "Akamai requests: list every property of the account",
            "Akamai requests: read a property's rule tree by name", "Akamai requests: the same read 5 times in a row",
            "Akamai requests: read, write, read again (cache invalidated)",
            "request validation per call (pre-send check)")


def test_bench_smoke_run_prints_and_saves_every_measure(tmp_path: Path) -> None:
    if not Sshd.available():
        if os.environ.get("CI"):
            pytest.fail("OpenSSH server missing: .ci/tunnel-setup.sh installs it")
        pytest.skip("OpenSSH server not installed (apt-get install openssh-server)")
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["smoke"] is True and data["plan"]["sessions"] == 50
    measures = {row["measure"] for row in data["rows"]}
    for expected in EXPECTED:
        assert expected in measures, f"{expected} missing from {sorted(measures)}"
    assert any("MiB tool result through alecs-tunnel" in m for m in measures)
    for row in data["rows"]:
        assert row["value"] == row["value"], f"{row['measure']} is NaN"  # NaN != NaN
        if row["baseline"] is not None:
            assert row["ratio"] is not None and row["ratio"] > 0, row
        if row["target"]:
            assert row["met"] in (True, False), row
    header = next(line for line in proc.stdout.splitlines() if line.startswith("measure"))
    assert "baseline" in header and "ratio" in header and "target" in header and "met" in header
    assert "targets met:" in proc.stdout
    rows = {r["measure"]: r for r in data["rows"]}
    assert rows["load: errors"]["value"] == 0
    assert rows["idle authenticated sessions held"]["value"] == 50
    assert rows["Akamai requests: read, write, read again (cache invalidated)"]["met"] is True
    # The one timing asserted here, loosely (target 1 ms; a loaded CI box gets 5x): the executor's pre-send check.
    validation = rows["request validation per call (pre-send check)"]
    assert validation["detail"]["requests"] > 150 and validation["value"] < 5, validation


def test_rows_judge_their_targets() -> None:
    assert Row("a", 2.0, "ms", 1.0, "b", "<= 2.5x").met is True
    assert Row("a", 3.0, "ms", 1.0, "b", "<= 2.5x").met is False
    assert Row("a", 0.4, "MiB/s", 1.0, "b", ">= 0.5x").met is False
    assert Row("a", 5000, "n", None, "", ">= 5000").met is True
    assert Row("a", 0, "n", None, "", "== 0").met is True
    assert Row("a", 2, "n", 3, "b", "== 1x").met is False
    assert Row("a", 1.0, "s").met is None and Row("a", 1.0, "s").ratio is None


def test_table_and_comparison_name_every_row() -> None:
    rows = [Row("fast thing", 1.0, "ms", 0.5, "floor", "<= 2.5x"), Row("slow thing", 9.0, "ms", 1.0, "floor",
                                                                        "<= 2.5x")]
    text = table(rows)
    assert "fast thing" in text and "2.00x" in text and "yes" in text and "NO" in text
    assert "targets met: 1 of 2; missed: slow thing" in text
    earlier = [r.as_dict() | {"value": r.value * 2} for r in rows]
    assert "-50%" in compare(earlier, rows)
