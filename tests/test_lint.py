"""The tree stays ruff-clean (the rules are in pyproject.toml)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.openapi_defs import REPO


def test_ruff_finds_nothing() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _imported(path: Path) -> set[str]:
    """Absolute modules a file imports (``from a import b`` counts as ``a`` and ``a.b``); relative ones skipped."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_layers_stay_apart_transports_tools_and_the_desktop_client() -> None:
    offenders = []
    pairs = (("alecs/transports", "alecs.tools"), ("alecs/tools", "alecs.transports"), ("alecs_tunnel", "alecs"),
             ("alecs_tunnel", "mcp"), ("alecs_tunnel", "mcp_types"))
    for folder, forbidden in pairs:
        files = sorted((REPO / folder).rglob("*.py"))
        assert files, f"{folder} has no Python files: the layer check would pass vacuously"
        for path in files:
            if any(m == forbidden or m.startswith(forbidden + ".") for m in _imported(path)):
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, offenders
