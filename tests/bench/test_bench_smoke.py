"""The bench in smoke mode (tiny counts), so it never rots: every measure runs and lands in the JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness import Sshd
from tests.openapi_defs import REPO


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
    measures = {row["measure"] for row in data["rows"]}
    for expected in ("tools/call over WebSocket", "tools/list over WebSocket", "tools/call through alecs-tunnel (SSH)",
                     "alecs-tunnel launch to initialize answer", "alecs serve start to ready (/healthz)",
                     "idle authenticated sessions held", "load: errors", "Akamai requests: find a property by hostname"):
        assert expected in measures, f"{expected} missing from {sorted(measures)}"
    assert any("MiB tool result through alecs-tunnel" in m for m in measures)
    for row in data["rows"]:
        assert row["value"] == row["value"], f"{row['measure']} is NaN"  # NaN != NaN
        if row["baseline"] is not None:
            assert row["ratio"] is not None and row["ratio"] > 0
    header = next(line for line in proc.stdout.splitlines() if line.startswith("measure"))
    assert "baseline" in header and "ratio" in header and "target" in header and "met" in header
    rows = {r["measure"]: r for r in data["rows"]}
    assert rows["load: errors"]["value"] == 0
    assert rows["idle authenticated sessions held"]["value"] == 50
