"""The compiled index of Akamai's published operations, shipped as package data and read on first use.

`python -m alecs.openapi build` writes it from the definitions (see `alecs.openapi.build`). Nothing imports this
module at start-up: the `api` tools load it the first time one of them runs.
"""

from __future__ import annotations

import functools
import json
import lzma
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

INDEX_FILE = "index.json.xz"
READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Parameter:
    """One path, query or header parameter of an operation."""

    location: str  # path, query or header
    name: str
    required: bool
    schema: Mapping[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Operation:
    """One published Akamai operation: where it lives, what it takes, what it answers."""

    api: str  # the API folder and version as the curated tools name it, e.g. "papi/v1"
    id: str  # Akamai's operationId, unique within its API
    method: str
    path: str  # the full path template, base included, e.g. "/papi/v1/properties/{propertyId}"
    summary: str
    description: str
    params: tuple[Parameter, ...]
    body_required: bool
    bodies: Mapping[str, Mapping[str, Any]]  # media type -> schema
    responses: tuple[str, ...]  # media types of the success answers
    example: Mapping[str, Any] | None  # {"parameters": {...}, "body": ...} that the validator accepts
    example_source: str  # "published", "synthesized" or "" (none)
    openapi: str = "3.0.0"
    tags: tuple[str, ...] = ()  # the OpenAPI version of its definition: 3.0 and 3.1 validate schemas differently

    @property
    def key(self) -> str:
        """The operation's name across all APIs, e.g. 'papi/v1:get-properties'."""
        return f"{self.api}:{self.id}"

    @property
    def version(self) -> str:
        """The API version, e.g. 'v1'."""
        return self.api.rsplit("/", 1)[-1]

    @property
    def changes(self) -> bool:
        """Whether calling it may change anything: anything but GET and HEAD (the index records it per operation;
        read scope and read-only servers may call only operations that do not)."""
        return self.method not in READS

    @property
    def label(self) -> str:
        """How problems name the operation, e.g. 'POST /papi/v1/bulk/rules-search-requests-synch'."""
        return f"{self.method} {self.path}"

    @functools.cached_property
    def _route(self) -> tuple[re.Pattern[str], tuple[str, ...]]:
        return _pattern(self.path)

    def path_values(self, path: str) -> dict[str, str] | None:
        """The path parameters in a concrete path of this operation (still percent-encoded), or None when the
        path is not one of this operation's."""
        pattern, names = self._route
        found = pattern.match(path)
        return dict(zip(names, found.groups(), strict=True)) if found else None

    def param(self, name: str) -> Parameter | None:
        """The parameter called `name` (header names compare without regard to case)."""
        low = name.lower()
        return next((p for p in self.params if p.name == name or (p.location == "header" and p.name.lower() == low)),
                    None)


@dataclass(frozen=True)
class Api:
    """One API version: its title and description from Akamai's list of APIs."""

    id: str
    title: str
    description: str
    base: str
    openapi: str


def _operation(row: dict[str, Any], openapi: str) -> Operation:
    return Operation(
        api=row["api"], id=row["id"], method=row["method"], path=row["path"], summary=row.get("summary", ""),
        description=row.get("description", ""),
        params=tuple(Parameter(p["in"], p["name"], p.get("required", False), p.get("schema") or {},
                               p.get("description", "")) for p in row.get("params", ())),
        body_required=row.get("bodyRequired", False), bodies=row.get("bodies") or {},
        responses=tuple(row.get("responses", ())), example=row.get("example"),
        example_source=row.get("exampleSource", ""), openapi=openapi, tags=tuple(row.get("tags", ())),
    )


class Index:
    """Every operation, by key and by (api, method, concrete path)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.apis = {a["id"]: Api(a["id"], a["title"], a["description"], a["base"], a["openapi"])
                     for a in data["apis"]}
        self.operations = [_operation(row, self.apis[row["api"]].openapi) for row in data["operations"]]
        self.excluded: Mapping[str, str] = data.get("excluded", {})
        self._by_key = {op.key: op for op in self.operations}
        self._by_id: dict[str, list[Operation]] = {}
        for op in self.operations:
            self._by_id.setdefault(op.id, []).append(op)
        self._routes: dict[tuple[str, str], list[Operation]] = {}
        for op in sorted(self.operations, key=_specificity):
            self._routes.setdefault((op.api, op.method), []).append(op)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def __len__(self) -> int:
        return len(self.operations)

    def get(self, key: str) -> Operation | None:
        """By 'api:operationId' (e.g. 'papi/v1:get-properties'), or by a bare operationId that only one API has."""
        if key in self._by_key:
            return self._by_key[key]
        same = self._by_id.get(key, [])
        return same[0] if len(same) == 1 else None

    def candidates(self, operation_id: str) -> list[Operation]:
        """Every API's operation with this bare operationId."""
        return list(self._by_id.get(operation_id, []))

    def route(self, method: str, path: str) -> Operation | None:
        """The operation of any API for a method and a path (a template or a concrete path), e.g.
        ('GET', '/papi/v1/properties')."""
        for api in self.apis.values():
            if path == api.base or path.startswith(api.base.rstrip("/") + "/"):
                found = self.match(api.id, method, path)
                if found:
                    return found[0]
        return None

    def match(self, api: str, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation a concrete request path belongs to, and its path values (still percent-encoded)."""
        for op in self._routes.get((api, method.upper()), ()):
            values = op.path_values(path)
            if values is not None:
                return op, values
        return None


def _pattern(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    parts = re.split(r"({[^}/]+})", template.rstrip("/"))
    regex = "".join("([^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$"), tuple(p[1:-1] for p in parts if p.startswith("{"))


def _specificity(op: Operation) -> tuple[int, int]:
    """Templates with more literal segments win: /versions/latest before /versions/{version}."""
    segments = op.path.strip("/").split("/")
    return (-sum(1 for s in segments if "{" not in s), -len(segments))


def read(blob: bytes) -> Index:
    """An index from the bytes `build` wrote."""
    return Index(json.loads(lzma.decompress(blob)))


@functools.cache
def load() -> Index:
    """The shipped index, read once, on first use."""
    return read(resources.files("alecs.openapi").joinpath(INDEX_FILE).read_bytes())
