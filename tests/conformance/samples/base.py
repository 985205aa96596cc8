"""Arguments that exercise each tool against the seeded sandbox account (shared machinery).

Values by argument name serve most tools; a tool that needs something created first has a preparer
that runs other tools through the same client and returns the arguments to use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mcp import Client

from alecs.tools.spec import ToolSpec

BY_NAME: dict[str, Any] = {}

Preparer = Callable[[Client], Awaitable[dict[str, Any]]]
PREPARE: dict[str, Preparer] = {}
# Tools whose prepared operation must still be pending when they run (cancellations): the conformance test
# keeps the sandbox's activations from finishing while these run, whatever the machine's load.
PENDING: set[str] = {"cancel-property-activation", "cancel-edgeworker-activation"}
OVERRIDES: dict[str, dict[str, Any]] = {}


def prepares(name: str) -> Callable[[Preparer], Preparer]:
    def deco(fn: Preparer) -> Preparer:
        PREPARE[name] = fn
        return fn
    return deco


async def call_ok(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert not result.is_error, f"{name} failed while preparing: {result.content[0].text}"
    return result.structured_content or {}


def sample_args(spec: ToolSpec) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for p in spec.params:
        if p.name in OVERRIDES.get(spec.name, {}):
            continue
        if p.name in spec.example:
            args[p.name] = spec.example[p.name]
        elif p.required:
            if p.name not in BY_NAME and spec.name in PREPARE:
                continue
            if p.name not in BY_NAME:
                raise KeyError(f"{spec.name}: no sample for required argument {p.name}; add an example")
            args[p.name] = BY_NAME[p.name]
    args.update(spec.example)
    args.update(OVERRIDES.get(spec.name, {}))
    return args


