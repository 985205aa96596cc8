"""Akamai's published OpenAPI definitions, loaded for request validation.

The definitions live outside the repository (`AKAMAI_OPENAPI_DIR`, default `../shared/akamai-openapi`).
Each API folder's root files are merged, every `$ref` is inlined (cycles become `{}`), `$schema` keys
are dropped (PAPI mixes draft-04 into 3.1), examples and responses are ignored. Three upstream quirks are
mended where they are met (see the comments): $ref letter case, media types missing `application/`, and a
closed schema beside `allOf`. None of them loosens what a request must carry.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
SKIP_KEYS = {"$schema", "example", "examples", "x-akamai", "responses"}  # only requests are validated


def definitions_dir() -> Path:
    return Path(os.environ.get("AKAMAI_OPENAPI_DIR", REPO.parent / "shared" / "akamai-openapi"))


def available() -> bool:
    return (definitions_dir() / "apis").is_dir()


MISSING_HELP = ("Akamai's OpenAPI definitions were not found at {dir}. Set AKAMAI_OPENAPI_DIR to a checkout of "
                "Akamai's public akamai-apis repository (its folder that contains apis/).")


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false (YAML 1.1 would turn enum values like `on`/`off` into booleans)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))


@functools.cache
def _load(path: str) -> Any:
    text = Path(path).read_text(encoding="utf-8")
    return json.loads(text) if path.endswith(".json") else yaml.load(text, Loader=_Yaml12Loader)  # noqa: S506


def _pointer(doc: Any, fragment: str) -> Any:
    for part in [p for p in fragment.lstrip("/").split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def _inline(node: Any, current: Path, stack: tuple[tuple[str, str], ...] = ()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            file_part, _, fragment = ref.partition("#")
            target = _existing((current.parent / file_part).resolve()) if file_part else current
            key = (str(target), fragment)
            if key in stack:
                return {}
            return _inline(_pointer(_load(str(target)), fragment), target, stack + (key,))
        out = {k: _inline(v, current, stack) for k, v in node.items() if k not in SKIP_KEYS}
        if out.get("additionalProperties") is False and "allOf" in out and "properties" not in out:
            # Upstream quirk (edgekv namespace): closed next to allOf with no own properties rejects every body.
            del out["additionalProperties"]
        if "content" in out and isinstance(out["content"], dict):
            # Upstream quirk (config-gtm): media types written without their `application/` type.
            out["content"] = {k if "/" in k else f"application/{k}": v for k, v in out["content"].items()}
        return out
    if isinstance(node, list):
        return [_inline(v, current, stack) for v in node]
    return node


def _existing(path: Path) -> Path:
    """Upstream quirk (config-dns): a $ref may differ from the file name on disk in letter case."""
    if path.exists() or not path.parent.is_dir():
        return path
    return next((p for p in path.parent.iterdir() if p.name.lower() == path.name.lower()), path)


def roots(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.yaml"))
    numbered = [f for f in files if f.name[:2].isdigit()]
    return numbered or files


@functools.cache
def document(api: str) -> dict[str, Any]:
    """One self-contained OpenAPI document for `api`, e.g. 'papi/v1'."""
    folder = definitions_dir() / "apis" / api
    if not folder.is_dir():
        raise FileNotFoundError(f"no definitions for {api} under {definitions_dir()}")
    paths: dict[str, Any] = {}
    base = None
    version = "3.0.0"
    for root in roots(folder):
        doc = _load(str(root))
        version = doc.get("openapi", version)
        if base is None and doc.get("servers"):
            base = doc["servers"][0]["url"].split("}", 1)[-1]
        for route, item in (doc.get("paths") or {}).items():
            inlined = _inline(item, root)
            paths.setdefault(route, {}).update(inlined)
    return {"openapi": version, "info": {"title": api, "version": "1"},
            "servers": [{"url": "https://{hostname}" + (base or ""),
                         "variables": {"hostname": {"default": "example.com"}}}],
            "paths": paths}


def operations(api: str) -> set[tuple[str, str]]:
    doc = document(api)
    base = doc["servers"][0]["url"].split("}", 1)[-1]
    methods = {"get", "post", "put", "patch", "delete"}
    return {(m.upper(), base + route) for route, item in doc["paths"].items() for m in item if m in methods}


def _media_types(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, dict):
                found.update(value)
            _media_types(value, found)
    elif isinstance(node, list):
        for value in node:
            _media_types(value, found)
    return found


@functools.cache
def validator(api: str) -> Any:
    from jsonschema_path import SchemaPath
    from openapi_core import Config, OpenAPI

    doc = document(api)
    media = _media_types(doc["paths"], set())
    deserializers: dict[str, Any] = {m: json.loads for m in media if "json" in m and m != "application/json"}
    deserializers |= {m: _text for m in media if m.startswith("text/") and m != "text/plain"}
    config = Config(spec_validator_cls=None, extra_media_type_deserializers=deserializers)
    return OpenAPI(SchemaPath.from_dict(doc), config=config)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def validate_request(api: str, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                     body: bytes) -> None:
    """Raises openapi-core's error when the request does not match the published definition."""
    from openapi_core.testing import MockRequest

    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    request = MockRequest("https://example.com", method.lower(), path, args=query, headers=headers,
                          data=body or None, content_type=(content_type or "application/json").split(";")[0])
    validator(api).validate_request(request)
