"""The tree stays clean: ruff and mypy --strict (rules in pyproject.toml), layers apart, no import circles, no module
loaded by name."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.openapi_defs import REPO
from tests.support.graphs import find_circle


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


def test_mypy_strict_finds_nothing_in_the_product_packages() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "Success" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]


PACKAGES = ("alecs", "alecs_tunnel")


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _own_modules() -> dict[str, Path]:
    return {_module(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def test_the_product_packages_import_each_other_without_circles() -> None:
    modules = _own_modules()
    graph = {name: {m for m in _imported(path) if m in modules and m != name} for name, path in modules.items()}
    assert find_circle(graph) is None


# Modules that load a module by a computed name, and why (none of ours may be loaded that way).
LOADS_BY_NAME = {"alecs_tunnel.lazy_invoke": "defers the third-party 'invoke' package that paramiko imports"}


def test_no_module_of_ours_is_loaded_by_name() -> None:
    offenders = []
    for name, path in _own_modules().items():
        if name in LOADS_BY_NAME:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                    "import_module", "__import__"):
                first = node.args[0] if node.args else None
                if not isinstance(first, ast.Constant) or str(first.value).split(".")[0] in PACKAGES:
                    offenders.append(f"{name}:{node.lineno}")  # a computed name, or one of our own modules
    assert not offenders, offenders
