"""The simulator's modules form a plain tree of imports: no circles (type-checking imports included), nothing
loaded from a string, and every simulated API listed as an imported value."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

from alecs.sandbox import simulators
from alecs.sandbox.account import Account, Settings
from alecs.sandbox.http import Router
from tests.support.graphs import find_circle

PACKAGE = Path(simulators.__file__).parent


def _imports() -> dict[str, set[str]]:
    """module -> the alecs.sandbox modules it imports anywhere in its text."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        name = f"alecs.sandbox.{path.stem}"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "alecs.sandbox":
                    found.update(f"alecs.sandbox.{alias.name}" for alias in node.names)
                elif node.module.startswith("alecs.sandbox."):
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("alecs.sandbox."))
        graph[name] = found - {name}
    return graph


def test_cycle_finder_finds_a_circle_through_three_modules() -> None:
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_simulator_modules_import_each_other_without_circles() -> None:
    graph = _imports()
    assert len(graph) > 30 and "alecs.sandbox.dns_zones" in graph["alecs.sandbox.dns_ops"]
    assert find_circle(graph) is None, " -> ".join(find_circle(graph) or [])


def test_no_simulator_module_is_loaded_from_a_string() -> None:
    offenders = []
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import | ast.ImportFrom) else []
            module = node.module if isinstance(node, ast.ImportFrom) else None
            called = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
            if "importlib" in names or module == "importlib" or called == "__import__":
                offenders.append(path.name)
    assert not offenders, offenders


def test_every_simulated_api_is_built_and_routed() -> None:
    sims = simulators.simulate(Account(Settings()))
    router = Router()
    sims.routes(router)
    assert {f.name for f in fields(sims)} >= {"papi", "dns", "appsec", "certs", "netlists", "reporting", "cprg"}
    assert all(callable(sim.routes) for sim in sims)
    templates = {pattern.pattern for _, pattern, _ in router.routes}
    assert any("/papi/v1/cpcodes" in t for t in templates) and any("/cprg/v1/cpcodes" in t for t in templates)
    assert sims.edge_hostnames.properties is sims.papi.store  # one property store, two APIs
    assert sims.cprg.cpcodes is sims.reporting.cpcodes  # one CP code store, three APIs
