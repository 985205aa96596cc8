"""What clients see, pinned: every tool's `tools/list` entry and the `initialize` answers, as JSON files.

The files beside this module are what `alecs serve --sandbox` answers over stdio (raw JSON-RPC lines, the bytes
a client such as Claude Desktop receives) in three configurations: the default selection, `--toolsets all` and
`--dynamic-toolsets`. `tests/tools/test_snapshots.py` compares a live server with them after JSON normalisation (fixed
indentation; key order is kept, since clients show properties in the order they arrive), so a refactor that
changes a schema, a description, an annotation or even the order of a tool's arguments fails CI.

After a deliberate change to what clients see, regenerate and review the diff:

    .venv/bin/python -m tests.tools.snapshots --update
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
PROTOCOL = "2025-11-25"
CONFIGURATIONS: dict[str, tuple[str, ...]] = {
    "default": (),
    "all": ("--toolsets", "all"),
    "dynamic": ("--dynamic-toolsets",),
}
ANSWER_TIMEOUT = 120.0  # seconds for one answer, on a loaded 2-core machine
LINE_LIMIT = 64 * 1024 * 1024  # one JSON-RPC answer per line; `--toolsets all` lists about 300 KB


@dataclass
class Answers:
    """What one `alecs serve --sandbox …` process answered: `initialize` and every `tools/list` entry."""

    initialize: dict[str, Any]
    tools: list[dict[str, Any]]


def normalised(value: Any) -> str:
    """The canonical text of a JSON value (the wire's key order, fixed indentation): how snapshots are stored
    and compared."""
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"


def _environment() -> dict[str, str]:
    # Nothing of the caller's configuration (ALECS_*, TOKEN_MASTER_KEY, .edgerc) may shape the answers.
    keep = ("PATH", "LANG", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k in keep}
    # The SDK answers every request (no start-up snapshot, nothing cached under HOME, which is this folder);
    # tests/launch proves the start-up front's answers identical to these.
    return env | {"HOME": str(HERE), "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path]),
                  "ALECS_STARTUP_SNAPSHOT": "0"}


async def _ask(*flags: str) -> Answers:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "alecs", "serve", "--sandbox", *flags, env=_environment(), cwd=REPO,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        limit=LINE_LIMIT)
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    async def request(ident: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
        stdin.write(json.dumps({"jsonrpc": "2.0", "id": ident, "method": method, "params": params}).encode() + b"\n")
        await stdin.drain()
        while True:
            line = await asyncio.wait_for(stdout.readline(), ANSWER_TIMEOUT)
            if not line:
                raise RuntimeError(f"alecs serve {' '.join(flags)} closed stdout before answering {method}")
            message = json.loads(line)
            if message.get("id") == ident:
                if "result" not in message:
                    raise RuntimeError(f"{method} failed: {message}")
                result: dict[str, Any] = message["result"]
                return result

    try:
        init = await request(1, "initialize", {"protocolVersion": PROTOCOL, "capabilities": {},
                                               "clientInfo": {"name": "snapshots", "version": "1"}})
        stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        for ident in range(2, 100):
            page = await request(ident, "tools/list", {"cursor": cursor} if cursor else {})
            tools += page["tools"]
            cursor = page.get("nextCursor")
            if not cursor:
                break
        stdin.close()
        await asyncio.wait_for(proc.wait(), ANSWER_TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return Answers(init, tools)


def capture() -> dict[str, Answers]:
    """The live answers of every configuration (one server process each, run side by side)."""

    async def all_of() -> dict[str, Answers]:
        answers = await asyncio.gather(*(_ask(*flags) for flags in CONFIGURATIONS.values()))
        return dict(zip(CONFIGURATIONS, answers, strict=True))

    return asyncio.run(all_of())


def files(answers: dict[str, Answers]) -> dict[str, str]:
    """Snapshot file name -> normalised text: one file per toolset (every tool any configuration lists, in
    catalogue order), the two `initialize` answers, and the tool names each configuration lists."""
    every: dict[str, dict[str, Any]] = {}
    for config in ("all", "dynamic", "default"):
        for entry in answers[config].tools:
            every.setdefault(entry["name"], entry)
    toolset_of = _toolsets()
    by_toolset: dict[str, list[dict[str, Any]]] = {}
    for name, entry in every.items():
        by_toolset.setdefault(toolset_of[name], []).append(entry)
    out = {f"tools-{toolset}.json": normalised(entries) for toolset, entries in by_toolset.items()}
    out["initialize-default.json"] = normalised(answers["default"].initialize)
    out["initialize-dynamic.json"] = normalised(answers["dynamic"].initialize)
    out["lists.json"] = normalised({config: [t["name"] for t in answers[config].tools] for config in answers})
    return out


def _toolsets() -> dict[str, str]:
    """Tool name -> toolset name, from the registry (only used to split the files)."""
    from alecs.tools.registry import Registry

    return {spec.name: spec.toolset.name for spec in Registry.load()}


def stored() -> dict[str, str]:
    """The committed snapshot files, by name."""
    return {p.name: p.read_text() for p in sorted(HERE.glob("*.json"))}


def update() -> list[str]:
    """Rewrites the snapshot files from a live server; returns the names of the files that changed."""
    fresh = files(capture())
    old = stored()
    for name in set(old) - set(fresh):
        (HERE / name).unlink()
    changed = sorted(name for name in set(old) | set(fresh) if old.get(name) != fresh.get(name))
    for name, text in fresh.items():
        (HERE / name).write_text(text)
    return changed
