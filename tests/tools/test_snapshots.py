"""What clients see does not change by accident: a live `alecs serve --sandbox` against the committed snapshots.

Regenerate after a deliberate change (and review the diff): `.venv/bin/python -m tests.tools.snapshots --update`.
"""

from __future__ import annotations

import difflib
import subprocess
import sys

import pytest

from tests.tools import snapshots

STORED = snapshots.stored()


@pytest.fixture(scope="module")
def live() -> dict[str, str]:
    return snapshots.files(snapshots.capture())


def test_the_live_server_answers_in_the_snapshotted_files_and_no_others(live: dict[str, str]) -> None:
    assert sorted(live) == sorted(STORED), "run: .venv/bin/python -m tests.tools.snapshots --update"
    assert {"initialize-default.json", "initialize-dynamic.json", "lists.json", "tools-dns.json"} <= set(STORED)


@pytest.mark.parametrize("name", sorted(STORED))
def test_every_tools_list_entry_and_initialize_answer_matches_its_snapshot(live: dict[str, str], name: str) -> None:
    if live.get(name) != STORED[name]:
        diff = difflib.unified_diff(STORED[name].splitlines(), (live.get(name) or "").splitlines(),
                                    f"snapshot {name}", f"live {name}", lineterm="", n=2)
        pytest.fail(f"{name} differs from what the server answers; if deliberate, run "
                    f"`.venv/bin/python -m tests.tools.snapshots --update`:\n" + "\n".join(list(diff)[:80]))


def test_the_documented_snapshot_command_runs_and_finds_no_drift() -> None:
    # README/Development: `python -m tests.tools.snapshots --update` rewrites; without --update it only compares.
    proc = subprocess.run([sys.executable, "-m", "tests.tools.snapshots"], cwd=snapshots.REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0 and "matches the snapshots" in proc.stdout, proc.stdout + proc.stderr[-2000:]
