"""A tool is data: its name, its inputs and the Akamai operation it calls."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from alecs.tools.call import ToolCall

Where = Literal["path", "query", "body", "body_root", "header", "local"]
Handler = Callable[["ToolCall", dict[str, Any]], Awaitable[Any]]



@dataclass(frozen=True)
class Param:
    """One input field and where it goes in the request."""

    name: str
    description: str
    type: Any = str
    where: Where = "query"
    required: bool = False
    default: Any = None
    api_name: str | None = None
    constraints: Mapping[str, Any] = field(default_factory=dict)

    @property
    def wire_name(self) -> str:
        return self.api_name or self.name


def path(name: str, description: str, type: Any = str, *, api_name: str | None = None, **constraints: Any) -> Param:
    """A path segment: the value is percent-encoded into it (see call.fill_path and model._segment)."""
    return Param(name, description, type, "path", True, api_name=api_name, constraints=constraints)


def query(name: str, description: str, type: Any = str, *, required: bool = False, default: Any = None,
          api_name: str | None = None, **constraints: Any) -> Param:
    return Param(name, description, type, "query", required, default, api_name, constraints)


def body(name: str, description: str, type: Any = str, *, required: bool = False, default: Any = None,
         api_name: str | None = None, **constraints: Any) -> Param:
    return Param(name, description, type, "body", required, default, api_name, constraints)


def header(name: str, description: str, *, api_name: str, required: bool = False) -> Param:
    return Param(name, description, str, "header", required, None, api_name)


def whole_body(name: str, description: str, type: Any = dict[str, Any], *, required: bool = True) -> Param:
    """The argument is the whole JSON request body (rule trees, complex Akamai objects)."""
    return Param(name, description, type, "body_root", required)


def local(name: str, description: str, type: Any = str, *, required: bool = False, default: Any = None,
          **constraints: Any) -> Param:
    """An input only the tool's handler reads (never sent as is)."""
    return Param(name, description, type, "local", required, default, constraints=constraints)


@dataclass(frozen=True, eq=False)
class ToolSpec:
    name: str
    toolset: str
    title: str
    description: str
    read_only: bool
    method: str
    path: str
    api: str
    params: tuple[Param, ...] = ()
    destructive: bool = False
    idempotent: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    items: str | None = None
    columns: tuple[str, ...] = ()
    handler: Handler | None = None
    example: Mapping[str, Any] = field(default_factory=dict)
    published: bool = True
    # The tool calls whichever published Akamai operation its arguments name (call-akamai-operation): whether a
    # call changes anything is known per call, so read-only callers see the tool and its handler refuses each
    # call that would change something.
    any_operation: bool = False

    @property
    def local(self) -> bool:
        """A tool of alecs itself (tokens, catalogue, operation search): it calls no Akamai API."""
        return not self.api and not self.any_operation

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.read_only or self.method in ("PUT", "DELETE")

    def placeholders(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def tool(
    name: str,
    toolset: str,
    title: str,
    description: str,
    method: str,
    path_: str,
    api: str,
    *params: Param,
    read_only: bool | None = None,
    **kw: Any,
) -> ToolSpec:
    """Shorthand for declarations: reads are read-only unless said otherwise."""
    ro = method == "GET" if read_only is None else read_only
    return ToolSpec(name=name, toolset=toolset, title=title, description=description, read_only=ro,
                    method=method, path=path_, api=api, params=params, **kw)
