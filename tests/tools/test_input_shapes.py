"""Tool inputs show the nested shapes Akamai requires (issue 18 point 2): wherever a tool's input is an object (or a
list of objects) that goes into a request body, its schema declares every field Akamai's definition requires in
that object, or gives it a default, so the model sees what to send instead of learning it from a refusal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alecs.openapi import outgoing
from alecs.openapi.validate import is_json
from alecs.tools.model import input_model, input_schema
from alecs.tools.registry import Registry
from alecs.tools.spec import ToolSpec

REGISTRY = Registry.load()


def _unmet(ours: Any, theirs: Any, where: str) -> list[str]:
    """Where `ours` (an input schema) leaves out a field `theirs` (the published body schema) requires."""
    if not isinstance(ours, Mapping) or not isinstance(theirs, Mapping):
        return []
    if "items" in theirs:
        return _unmet(ours.get("items"), theirs["items"], where + "[]")
    props = theirs.get("properties")
    if not props:
        return []
    need = set(theirs.get("required", ()))
    mine = ours.get("properties")
    if mine is None:
        return [f"{where}: an untyped object where Akamai requires {sorted(need)}"] if need else []
    have = set(ours.get("required", ())) | {k for k, v in mine.items() if "default" in v}
    out = [f"{where}.{name}: required by Akamai, not by the input" for name in sorted(need - have)]
    for name, sub in mine.items():
        out += _unmet(sub, props.get(name), f"{where}.{name}")
    return out


def _body_schema(spec: ToolSpec) -> Mapping[str, Any] | None:
    try:
        op = outgoing.operation_for(spec.api, spec.method, spec.path, published=spec.published)
    except outgoing.NoDefinition:  # a route chosen per call ({kind}-requests): its handler's requests are probed
        return None
    return next((schema for media, schema in op.bodies.items() if is_json(media)), None)


def test_every_nested_input_declares_what_akamai_requires_inside_it() -> None:
    unmet: list[str] = []
    checked = 0
    for spec in REGISTRY:
        if spec.local or spec.any_operation or not spec.path:
            continue
        body = _body_schema(spec)
        if body is None:
            continue
        schema = input_schema(spec)
        for p in spec.params:
            if p.where == "body":
                theirs = (body.get("properties") or {}).get(p.wire_name)
            elif p.where == "body_root":
                theirs = body
            else:
                continue
            checked += 1
            unmet += [f"{spec.name}: {gap}" for gap in _unmet(schema["properties"][p.name], theirs, p.name)]
    assert checked > 200
    assert not unmet, "\n".join(unmet)


def test_ids_akamai_types_as_integers_are_integers_in_the_input() -> None:
    for name, field in (("get-bulk-activation", "bulkActivationId"), ("get-edgeworker-version", "version"),
                        ("delete-edgeworker-version", "version")):
        spec = REGISTRY.get(name)
        assert spec is not None
        assert input_schema(spec)["properties"][field]["type"] == "integer", name


def test_a_shape_sends_only_what_was_given_and_its_defaults() -> None:
    spec = REGISTRY.get("bulk-activate-properties")
    assert spec is not None
    args = input_model(spec).model_validate({"activatePropertyVersions": [
        {"propertyId": "prp_1", "propertyVersion": 2, "network": "STAGING", "acknowledgeWarnings": ["msg_1"]}]})
    dumped = args.model_dump(exclude_none=False)
    assert dumped["activatePropertyVersions"] == [
        {"propertyId": "prp_1", "propertyVersion": 2, "network": "STAGING", "acknowledgeWarnings": ["msg_1"]}]
    query = REGISTRY.get("bulk-search-properties")
    assert query is not None
    searched = input_model(query).model_validate({"bulkSearchQuery": {"match": "$..behaviors"}})
    assert searched.model_dump()["bulkSearchQuery"] == {"match": "$..behaviors", "syntax": "JSONPATH"}
