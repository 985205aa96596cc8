"""Builds the compiled index from Akamai's published definitions (`python -m alecs.openapi build`).

For each operation: its API and version, method, full path template, operationId, summary, parameters (in, name,
required, schema, a short description), request body schemas by media type, success answer media types, and a
request example the validator accepts: Akamai's published one where it passes, else one synthesized from the
schemas. Schemas keep what validation needs; descriptions are cut to their first sentence and annotations
(examples, titles, `x-` extensions) are dropped. The output is deterministic: the same definitions always give the
same bytes, so CI can rebuild it and compare.

Only EdgeGrid APIs are indexed: an `.edgerc` cannot sign the others (see `excluded` in the index).
"""

from __future__ import annotations

import json
import lzma
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alecs.openapi import definitions
from alecs.openapi.calls import CallRefused, prepare
from alecs.openapi.index import INDEX_FILE, Index
from alecs.openapi.samples import sample

FORMAT = 1
PACKAGE_DIR = Path(__file__).resolve().parent
NOTICE_FILE = "NOTICE"
DROP = frozenset({"example", "examples", "externalDocs", "xml", "title", "deprecated", "$comment"})
SUBSCHEMA = frozenset({"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"})
SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
SUBSCHEMA_LISTS = frozenset({"allOf", "oneOf", "anyOf", "prefixItems"})
MANAGED = ("content-type",)


def short(text: Any, limit: int = 160) -> str:
    """The first sentence of a Markdown description, links reduced to their text, at most `limit` characters."""
    if not isinstance(text, str):
        return ""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z`])", text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def clean(schema: Any) -> Any:
    """A schema with what validation needs (and short descriptions); property names are never touched."""
    if isinstance(schema, list):
        return [clean(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in DROP or key.startswith("x-"):
            continue
        if key == "description":
            if short(value):
                out[key] = short(value, 120)
        elif key in SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: clean(sub) for name, sub in value.items()}
        elif key in SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [clean(sub) for sub in value]
        elif key in SUBSCHEMA and isinstance(value, dict):
            out[key] = clean(value)
        else:
            out[key] = value
    return out


def api_titles() -> dict[str, tuple[str, str]]:
    """API id -> (title, description) from the definitions' INDEX.md table."""
    path = definitions.definitions_dir() / "INDEX.md"
    found: dict[str, tuple[str, str]] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        row = re.match(r"^\| \[([^\]]+)\]\(apis/([^)]+)\) \| [^|]* \| (.*) \|$", line)
        if row:
            description = re.sub(r"\s*\(\[Learn more[^)]*\)\)\s*$", "", row.group(3)).strip()
            found[row.group(2).strip("/")] = (row.group(1), description)
    return found


def _first_example(content: dict[str, Any]) -> tuple[bool, Any]:
    if "example" in content:
        return True, content["example"]
    for named in (content.get("examples") or {}).values():
        if isinstance(named, dict) and "value" in named:
            return True, named["value"]
    return False, None


def _parameter_example(param: dict[str, Any]) -> tuple[bool, Any]:
    schema = _parameter_schema(param)
    found, value = _first_example(param)
    if found:
        return True, value
    for key in ("example", "default"):
        if key in schema:
            return True, schema[key]
    if schema.get("enum"):
        return True, schema["enum"][0]
    return False, sample(schema)


def _parameter_schema(param: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema, also when it is given as `content` (JSON in the query)."""
    if isinstance(param.get("schema"), dict):
        return param["schema"]  # type: ignore[no-any-return]
    for media in (param.get("content") or {}).values():
        if isinstance(media, dict) and isinstance(media.get("schema"), dict):
            return media["schema"]  # type: ignore[no-any-return]
    return {}


def _operation(api: str, base: str, item: dict[str, Any], method: str, op: dict[str, Any]) -> dict[str, Any]:
    merged = {(p["in"], p["name"]): p for p in item.get("parameters", []) if isinstance(p, dict)}
    merged |= {(p["in"], p["name"]): p for p in op.get("parameters", []) if isinstance(p, dict)}
    params = [p for (where, _), p in merged.items() if where in ("path", "query", "header")]
    row: dict[str, Any] = {
        "api": api, "version": api.rpartition("/")[2], "id": op["operationId"], "method": method.upper(),
        "path": base + item["__route__"], "changes": method.upper() not in ("GET", "HEAD"),
        "summary": " ".join(str(op.get("summary", "")).split()), "description": short(op.get("description"), 300),
        "tags": [str(t) for t in op.get("tags") or ()],
        "params": [{"in": p["in"], "name": p["name"], "required": bool(p.get("required") or p["in"] == "path"),
                    "schema": clean(_parameter_schema(p)), "description": short(p.get("description"))}
                   for p in params],
    }
    body = op.get("requestBody") or {}
    if body.get("content"):
        row["bodyRequired"] = bool(body.get("required"))
        row["bodies"] = {media: clean(spec.get("schema") or {}) for media, spec in body["content"].items()}
    responses = op.get("responses") or {}
    media: list[str] = []
    for status, answer in responses.items():
        if str(status).startswith("2") and isinstance(answer, dict):
            media += [m for m in answer.get("content") or {} if m not in media]
    row["responses"] = media
    row["_raw"] = (params, body)
    return row


def _examples(row: dict[str, Any], openapi: str) -> None:
    """Adds the first request example the validator accepts: Akamai's published values where they pass, values
    synthesized from the schemas where they do not (or where none are published)."""
    params, body = row.pop("_raw")
    op = Index({"apis": [{"id": row["api"], "title": "", "description": "", "base": "", "openapi": openapi}],
                "operations": [row]}).operations[0]
    wanted = {p["name"]: p for p in params
              if (p.get("required") or p["in"] == "path") and p["name"].lower() not in MANAGED}
    published: dict[str, Any] = {}
    for name, p in wanted.items():
        found, value = _parameter_example(p)
        if found:
            published[name] = value
    media = _json_media(op.bodies)
    content = (body.get("content") or {}).get(media, {}) if media else {}
    bodies: list[tuple[bool, Any]] = [(True, None)] if not op.bodies else []
    if media:
        found, example = _first_example(content)
        if isinstance(example, str):
            try:
                example = json.loads(example)
            except ValueError:
                found = False
        if found:
            bodies.append((True, example))
        schema = content.get("schema") or {}
        bodies += [(False, sample(schema, choice=n)) for n in range(3)] + [(False, sample(clean(schema)))]
    for body_published, example_body in bodies:
        args = {name: published.get(name, sample(_parameter_schema(p))) for name, p in wanted.items()}
        replaced = set(wanted) - set(published)
        for _ in range(3):
            try:
                call = prepare(op, args, example_body)
            except CallRefused:
                return
            if not call.problems:
                exact = body_published and not replaced
                row["example"] = {"parameters": args} | ({"body": example_body} if op.bodies else {})
                row["exampleSource"] = "published" if exact else "synthesized"
                return
            bad = {p.parameter for p in call.problems if p.parameter in args} - replaced
            if not bad:
                break
            for name in bad:
                args[name] = sample(clean(_parameter_schema(wanted[name])))
            replaced |= bad


def _json_media(bodies: Mapping[str, Any]) -> str | None:
    from alecs.openapi.validate import is_json

    json_types = [m for m in bodies if is_json(m)]
    if "application/json" in json_types:
        return "application/json"
    return json_types[-1] if json_types else None


def build() -> dict[str, Any]:
    """The index as a JSON-ready dict, from the definitions under `definitions_dir()`."""
    titles = api_titles()
    apis: list[dict[str, Any]] = []
    operations: list[dict[str, Any]] = []
    excluded: dict[str, str] = {}
    for folder in sorted((definitions.definitions_dir() / "apis").iterdir()):
        if folder.is_dir() and list(folder.glob("*.yaml")):
            servers = definitions.document_servers(folder)
            excluded[folder.name] = (f"no version folder, served from {', '.join(servers) or 'its own hosts'}: "
                                     "not an Akamai API host an .edgerc section can sign for")
    for api in definitions.api_ids():
        doc = definitions.document(api, requests_only=False)
        if doc["x-auth"] != ["EDGE_GRID"]:
            excluded[api] = f"not an EdgeGrid API: it authenticates with {', '.join(doc['x-auth'])}"
            continue
        base = definitions.base_path(api)
        title, description = titles.get(api, (api, ""))
        apis.append({"id": api, "title": title, "description": description, "base": base,
                     "openapi": doc["openapi"]})
        for route, method, op in definitions.walk(doc):
            item = dict(doc["paths"][route], __route__=route)
            row = _operation(api, base, item, method, op)
            _examples(row, doc["openapi"])
            operations.append(row)
    return {"format": FORMAT, "apis": apis, "operations": operations, "excluded": excluded}


def encode(index: dict[str, Any]) -> bytes:
    """Deterministic bytes: compact JSON, xz-compressed."""
    text = json.dumps(index, separators=(",", ":"), ensure_ascii=False)
    return lzma.compress(text.encode(), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=9)


def notice() -> str:
    """The attribution kept beside the index: the definitions are Akamai's, under the Apache License 2.0."""
    source = definitions.definitions_dir() / "LICENSE"
    license_text = source.read_text(encoding="utf-8") if source.exists() else ""
    return ("The file index.json.xz in this folder is derived from Akamai's published OpenAPI definitions\n"
            "(https://github.com/akamai/akamai-apis), Copyright Akamai Technologies, Inc., licensed under the\n"
            "Apache License, Version 2.0. It keeps each operation's method, path, parameters, request schemas,\n"
            "summaries and request examples, shortened; it was generated by `python -m alecs.openapi build`.\n"
            "The license of the definitions follows.\n\n" + license_text)


def write(folder: Path | None = None) -> tuple[Path, int]:
    """Builds and writes the index and its notice into `folder` (the package by default); returns the index path
    and the operation count."""
    folder = PACKAGE_DIR if folder is None else folder
    index = build()
    target = folder / INDEX_FILE
    target.write_bytes(encode(index))
    (folder / NOTICE_FILE).write_text(notice(), encoding="utf-8")
    return target, len(index["operations"])
