"""Invariants every tool declaration keeps; a new tool that breaks one fails CI."""

from __future__ import annotations

import re

import pytest

from alecs.tools.model import input_schema
from alecs.tools.registry import Registry

REGISTRY = Registry.load()
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def test_names_are_unique_and_valid() -> None:
    names = [s.name for s in REGISTRY]
    assert len(names) == len(set(names))
    for name in names:
        assert NAME.match(name) and len(name) <= 64, name


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: s.name)
def test_declaration_is_complete(spec: object) -> None:
    from alecs.tools.spec import ToolSpec

    assert isinstance(spec, ToolSpec)
    assert isinstance(spec.read_only, bool)
    assert isinstance(spec.destructive, bool)
    assert not (spec.read_only and spec.destructive)
    assert spec.description.strip() and spec.title.strip()
    assert spec.toolset.description.strip() and REGISTRY.toolset(spec.toolset.name) == spec.toolset
    schema = input_schema(spec)
    assert schema["type"] == "object"
    assert not {"anyOf", "oneOf", "allOf"} & set(schema), "top-level anyOf/oneOf/allOf"
    assert schema.get("additionalProperties") is False
    assert "customer" in schema["properties"]
    for placeholder in spec.placeholders():
        param = next((p for p in spec.params if p.wire_name == placeholder), None)
        assert param is not None and param.where == "path", f"{{{placeholder}}} is bound to no path input"
    for p in spec.params:
        if p.where == "path":
            assert "{" + p.wire_name + "}" in spec.path, f"path input {p.name} is not in {spec.path}"
    if not spec.local and not spec.any_operation:  # call-akamai-operation: its operation is chosen per call
        assert spec.method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        assert spec.path.startswith("/") and spec.api
        if spec.method == "GET":
            assert spec.read_only or spec.handler is not None
        if spec.method == "DELETE":
            assert spec.destructive, "a DELETE must be marked destructive"


def test_destructive_tools_say_so_in_their_description() -> None:
    quiet = [s.name for s in REGISTRY if s.destructive and "destructive" not in s.description.lower()
             and "delete" not in s.description.lower() and "remove" not in s.description.lower()]
    assert not quiet, f"destructive tools that do not say so: {quiet}"


def test_every_declared_tool_is_registered_and_no_module_is_loaded_by_name() -> None:
    import importlib
    import pkgutil

    import alecs.tools
    from alecs.tools.registry import TOOL_MODULES

    registered = set(REGISTRY.specs.values())
    for info in pkgutil.iter_modules(alecs.tools.__path__):
        module = importlib.import_module(f"alecs.tools.{info.name}")
        source = open(module.__file__ or "").read()
        assert "import_module" not in source and "__import__" not in source, info.name
        declared = getattr(module, "TOOLS", [])
        assert all(spec in registered for spec in declared), f"{info.name} declares tools the registry lacks"
    assert all(hasattr(module, "TOOLS") for module in TOOL_MODULES)
