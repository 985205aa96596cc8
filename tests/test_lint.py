"""The tree stays ruff-clean (the rules are in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from tests.openapi_defs import REPO


def test_ruff_finds_nothing() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_layers_stay_apart_transports_tools_and_the_desktop_client() -> None:
    offenders = []
    pairs = (("alecs/transports", "alecs.tools"), ("alecs/tools", "alecs.transports"), ("tunnel", "alecs"),
             ("tunnel", "mcp"))
    for folder, forbidden in pairs:
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text()
            if f"from {forbidden}" in text or f"import {forbidden}" in text:
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, offenders
