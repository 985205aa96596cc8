"""Akamai's published OpenAPI definitions, read from their folder and made self-contained.

The definitions live outside the package (`AKAMAI_OPENAPI_DIR`, default `../shared/akamai-openapi` beside the
checkout): Akamai's public `akamai-apis` repository. Each API folder (`apis/<api>/<version>/`) has root files whose
`paths` point with `$ref` into `paths/`, `schemas/`, `parameters/` and `examples/`. `document(api)` merges one
folder's roots and inlines every `$ref` (a cycle becomes `{}`), and drops `$schema` keys (PAPI mixes draft-04 into
OpenAPI 3.1). Three upstream quirks are mended where they are met, each with a comment: `$ref` letter case, media
types written without `application/`, and a closed schema beside `allOf`. None of them loosens what a request must
carry. The index generator (`alecs.openapi.build`) and the conformance tests (`tests/openapi_defs.py`) both read the
definitions through this module, so both see exactly the same operations.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

CHECKOUT = Path(__file__).resolve().parents[2]
# What request validation never needs. `document(api, requests_only=False)` keeps examples and responses (the
# index generator reads request examples and response media types from them).
REQUEST_ONLY_SKIP = frozenset({"$schema", "example", "examples", "x-akamai", "responses"})
FULL_SKIP = frozenset({"$schema"})
METHODS = ("get", "put", "post", "delete", "patch", "head")

MISSING_HELP = ("Akamai's OpenAPI definitions were not found at {dir}. Set AKAMAI_OPENAPI_DIR to a checkout of "
                "Akamai's public akamai-apis repository (its folder that contains apis/).")


def definitions_dir() -> Path:
    """Where the definitions are: `AKAMAI_OPENAPI_DIR`, else `../shared/akamai-openapi` beside the checkout."""
    return Path(os.environ.get("AKAMAI_OPENAPI_DIR", CHECKOUT.parent / "shared" / "akamai-openapi"))


def available() -> bool:
    """Whether the definitions folder is present."""
    return (definitions_dir() / "apis").is_dir()


def _yaml12(base: type) -> type:
    """A loader with YAML 1.2 booleans: only true/false (YAML 1.1 would turn enum values like `on`/`off` into
    booleans)."""
    loader: Any = type(f"Yaml12{base.__name__}", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in base.yaml_implicit_resolvers.items()  # type: ignore[attr-defined]
    }
    loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                 re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    return loader  # type: ignore[no-any-return]


# libyaml's parser when PyYAML was built with it (several times faster); the resolver stays the Python one.
_Loader = _yaml12(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def _load(path: str) -> Any:
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith(".json"):
        return json.loads(text)
    if path.endswith((".yaml", ".yml")):
        return yaml.load(text, Loader=_Loader)  # noqa: S506
    return text  # examples in other formats (csv, xml, html) are kept as they are written


def _pointer(doc: Any, fragment: str) -> Any:
    for part in [p for p in fragment.lstrip("/").split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


@functools.cache
def _target(current: Path, file_part: str) -> Path:
    """The file a `$ref` names, relative to the file it is written in."""
    path = Path(os.path.normpath(current.parent / file_part))
    if path.exists() or not path.parent.is_dir():
        return path
    # Upstream quirk (config-dns): a $ref may differ from the file name on disk in letter case.
    return next((p for p in path.parent.iterdir() if p.name.lower() == path.name.lower()), path)


def inline(node: Any, current: Path, skip: frozenset[str] = REQUEST_ONLY_SKIP,
           stack: tuple[tuple[str, str], ...] = ()) -> Any:
    """`node` (read from the file `current`) with every `$ref` replaced by what it points to and the quirks
    mended; keys in `skip` are dropped."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            file_part, _, fragment = ref.partition("#")
            target = _target(current, file_part) if file_part else current
            key = (str(target), fragment)
            if key in stack:
                return {}
            return inline(_pointer(_load(str(target)), fragment), target, skip, stack + (key,))
        return _mend({k: inline(v, current, skip, stack) for k, v in node.items() if k not in skip})
    if isinstance(node, list):
        return [inline(v, current, skip, stack) for v in node]
    return node


def _mend(out: dict[str, Any]) -> dict[str, Any]:
    """Upstream quirks that make a schema refuse every value (or a media type unreadable), mended where met.
    Each mend only turns what nothing could satisfy into what the definition evidently means."""
    if (out.get("additionalProperties") is False and "properties" not in out
            and any(k in out for k in ("allOf", "oneOf", "anyOf"))):
        # Quirk (edgekv namespace, IAM groupAccess): closed next to allOf (or oneOf/anyOf) with no own properties
        # rejects every object the members describe; the members' own closure is what is meant.
        del out["additionalProperties"]
    if "content" in out and isinstance(out["content"], dict):
        # Quirk (config-gtm): media types written without their `application/` type.
        out["content"] = {k if "/" in k else f"application/{k}": v for k, v in out["content"].items()}
    for key in ("oneOf", "anyOf"):
        alternatives = out.get(key)
        if (out.get("type") == "object" and "properties" not in out and isinstance(alternatives, list)
                and alternatives and all(_typed_not_object(a) for a in alternatives)):
            # Quirk (appsec rapid rule action): `type: object` beside alternatives that are all strings.
            del out["type"]
    schema = out.get("schema")
    if (out.get("in") == "query" and isinstance(schema, dict) and "JSON" in str(out.get("description", ""))
            and (schema.get("type") == "object" or "properties" in schema)):
        # Quirk (etp-report `filters`): an object query parameter that the API reads as JSON text, written with
        # `schema` (which OpenAPI serializes as exploded form fields) instead of `content: application/json`.
        out["content"] = {"application/json": {"schema": out.pop("schema")}}
    _move_closure_up(out)
    alternatives = out.get("oneOf")
    if isinstance(alternatives, list) and _overlapping_scalars(alternatives):
        # Quirk (datastream JSON Patch `value`): two plain alternatives of one type (e.g. two strings) make
        # oneOf refuse every value of that type; what is meant is "any of these shapes".
        out["anyOf"] = out.pop("oneOf")
    return out


def _typed_not_object(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") not in (None, "object")


def _names(schema: Any) -> set[str]:
    return set(schema.get("properties") or {}) if isinstance(schema, dict) else set()


def _move_closure_up(out: dict[str, Any]) -> None:
    """Quirk (imaging policies, IAM API clients): a closed member of allOf (or a closed oneOf/anyOf alternative)
    refuses the properties its siblings (or its parent) declare, so the composition accepts nothing that uses
    them. What is meant is one closed object over all the declared names: the closure moves to the parent."""
    contradicted: list[dict[str, Any]] = []
    for key in ("allOf", "oneOf", "anyOf"):
        members = [m for m in out.get(key) or () if isinstance(m, dict)]
        for member in members:
            if member.get("additionalProperties") is not False:
                continue
            others = _names(out) | (set().union(*(_names(m) for m in members if m is not member))
                                    if key == "allOf" else set())
            if others - _names(member):
                contradicted.append(member)
    if not contradicted:
        return
    every = _names(out) | set().union(*(_names(m) for k in ("allOf", "oneOf", "anyOf")
                                        for m in out.get(k) or () if isinstance(m, dict)))
    for member in contradicted:
        del member["additionalProperties"]
    if "additionalProperties" not in out:
        out["properties"] = {name: {} for name in sorted(every)} | (out.get("properties") or {})
        out["additionalProperties"] = False


SCALARS = ("string", "integer", "number", "boolean")
DISTINCT = ("enum", "const", "pattern", "format", "minimum", "maximum", "minLength", "multipleOf")


def _overlapping_scalars(alternatives: list[Any]) -> bool:
    plain = [a.get("type") for a in alternatives
             if isinstance(a, dict) and a.get("type") in SCALARS and not any(k in a for k in DISTINCT)]
    return len(plain) != len(set(plain))


def roots(folder: Path) -> list[Path]:
    """The root files of one API folder: the numbered ones where there are (config-dns v2 keeps stale others)."""
    files = sorted(folder.glob("*.yaml"))
    numbered = [f for f in files if f.name[:2].isdigit()]
    return numbered or files


def api_ids() -> list[str]:
    """Every `<api>/<version>` folder with root files, e.g. `papi/v1`, in name order."""
    base = definitions_dir() / "apis"
    return sorted(f"{api.name}/{version.name}" for api in base.iterdir() if api.is_dir()
                  for version in api.iterdir() if re.fullmatch(r"v\d+", version.name) and roots(version))


@functools.cache
def document(api: str, requests_only: bool = True) -> dict[str, Any]:
    """One self-contained OpenAPI document for `api`, e.g. 'papi/v1'. With `requests_only` (what the conformance
    checker loads), examples, responses and `x-akamai` notes are left out."""
    folder = definitions_dir() / "apis" / api
    if not folder.is_dir():
        raise FileNotFoundError(f"no definitions for {api} under {definitions_dir()}")
    skip = REQUEST_ONLY_SKIP if requests_only else FULL_SKIP
    paths: dict[str, Any] = {}
    base = None
    version = "3.0.0"
    auth = set()
    for root in roots(folder):
        doc = _load(str(root))
        version = doc.get("openapi", version)
        auth.add((doc.get("x-akamai") or {}).get("auth-type", "EDGE_GRID"))
        if base is None and doc.get("servers"):
            base = doc["servers"][0]["url"].split("}", 1)[-1]
        for route, item in (doc.get("paths") or {}).items():
            paths.setdefault(route, {}).update(inline(item, root, skip))
    out = {"openapi": version, "info": {"title": api, "version": "1"},
           "servers": [{"url": "https://{hostname}" + (base or ""),
                        "variables": {"hostname": {"default": "example.com"}}}],
           "paths": paths}
    if not requests_only:
        out["x-auth"] = sorted(auth)
    return out


def document_servers(folder: Path) -> list[str]:
    """The server URLs the root files of a folder name."""
    urls = [server.get("url", "") for root in roots(folder) for server in _load(str(root)).get("servers") or ()]
    return sorted(set(urls))


def base_path(api: str) -> str:
    """The path every operation of `api` starts with, e.g. '/papi/v1' ('/network-list/v2' for network-lists/v2)."""
    return str(document(api)["servers"][0]["url"].split("}", 1)[-1])


def operations(api: str) -> set[tuple[str, str]]:
    """(METHOD, full path template) of every operation of `api`."""
    return {(method.upper(), base_path(api) + route) for route, method, _ in walk(document(api))}


def walk(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(route, method, operation) for each operation of a document, in document order."""
    for route, item in doc["paths"].items():
        for method in METHODS:
            if isinstance(item.get(method), dict):
                yield route, method, item[method]


def media_types(node: Any, found: set[str] | None = None) -> set[str]:
    """Every media type named under a `content` key anywhere in `node`."""
    found = set() if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict):
                found.update(value)
            media_types(value, found)
    elif isinstance(node, list):
        for value in node:
            media_types(value, found)
    return found
