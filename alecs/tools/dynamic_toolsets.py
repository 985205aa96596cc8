"""Dynamic toolsets: the assistant starts small, searches the catalogue and enables what it needs."""

from __future__ import annotations

from typing import Any

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall
from alecs.tools.declare import Toolset, body, custom_tool
from alecs.tools.results import ToolOutput
from alecs.tools.spec import ToolSpec
from alecs.tools.tool_search import rank, words

CATALOG = Toolset("catalog", "Dynamic toolsets: list, enable and disable toolsets, search the catalogue",
                  dynamic_only=True)
async def list_toolsets(call: ToolCall, args: dict[str, Any]) -> Any:
    """The toolsets the caller may enable, with their size and whether this session enabled them."""
    session = call.session
    enabled = session.enabled()
    rows = [{"toolset": t.name, "tools": len(session.tools_of(t.name)), "enabled": t.name in enabled,
             "description": t.description} for t in session.toolsets()]
    text = "\n".join(f"- {r['toolset']} ({r['tools']} tools{', enabled' if r['enabled'] else ''}): "
                     f"{r['description']}" for r in rows)
    return ToolOutput({"items": rows}, text)


async def _toggle(call: ToolCall, args: dict[str, Any], on: bool) -> Any:
    session = call.session
    name = args["toolset"]
    tools = [s.name for s in session.tools_of(name)]
    if not tools:
        raise ToolInputError(f"Unknown toolset '{name}'. Call list-toolsets for the names.")
    chosen = tuple(dict.fromkeys(args.get("tools") or ()))
    unknown = [t for t in chosen if t not in tools]
    if unknown:
        raise ToolInputError(f"Not tools of {name}: {', '.join(unknown)}. Its tools: {', '.join(tools)}.")
    await session.set_enabled(name, on, chosen if on else ())
    tools = list(chosen) or tools
    listed = f"{len(tools)} tools ({', '.join(tools)})"
    text = f"Enabled {name}: {listed}." if on else f"{name} is no longer enabled: its {listed} are not listed."
    return ToolOutput({"toolset": name, "enabled": on, "tools": tools}, text)


async def enable_toolset(call: ToolCall, args: dict[str, Any]) -> Any:
    """Adds a toolset's tools to this session's list."""
    return await _toggle(call, args, True)


async def disable_toolset(call: ToolCall, args: dict[str, Any]) -> Any:
    """Removes a toolset's tools from this session's list."""
    return await _toggle(call, args, False)


async def search_tools(call: ToolCall, args: dict[str, Any]) -> Any:
    """The tools (of toolsets the caller may see) that best match the words of a job."""
    session = call.session
    if not words(args["query"]):
        raise ToolInputError("Give a few words describing the job, e.g. 'add a TXT record'.")
    candidates = [s for t in session.toolsets() for s in session.tools_of(t.name)]
    ranked = rank(candidates, args["query"])
    hits = [{"tool": s.name, "toolset": s.toolset.name, "description": s.description}
            for _, s in ranked[: args.get("limit") or 8]]
    enabled = session.enabled()
    on = [{h["toolset"], f"{h['toolset']}/{h['tool']}"} & enabled for h in hits]
    text = "\n".join(f"- {h['tool']} [{h['toolset']}{'' if listed else ', not enabled'}]: {h['description']}"
                     for h, listed in zip(hits, on, strict=True))
    text = text or "No tool matches; try other words or list-toolsets."
    return ToolOutput({"items": hits}, text)


TOOLSET_NAME = body("toolset", "Toolset name from list-toolsets, e.g. dns.", required=True, max_length=40)

TOOLS: list[ToolSpec] = [
    custom_tool(CATALOG, "list-toolsets", title="List toolsets",
                doc="Toolsets with a one-line description, tool count and whether they are enabled in this session.",
                handler=list_toolsets, calls_akamai=False, read_only=True),
    custom_tool(CATALOG, "enable-toolset", title="Enable toolset",
                doc="Make a toolset's tools available in this session (the tool list changes); with tools, only "
                    "those (keeps the list small).",
                params=(TOOLSET_NAME, body("tools", "Only these tools of it (names from search-tools).", list[str],
                                           max_length=50)),
                handler=enable_toolset, calls_akamai=False, read_only=True, idempotent=True),
    custom_tool(CATALOG, "disable-toolset", title="Disable toolset",
                doc="Hide a toolset's tools again in this session.",
                params=(TOOLSET_NAME,),
                handler=disable_toolset, calls_akamai=False, read_only=True, idempotent=True),
    custom_tool(CATALOG, "search-tools", title="Search tools",
                doc="Find tools for a job by words (e.g. 'add a TXT record'); returns the best matches and their "
                    "toolset to enable.",
                params=(body("query", "Words describing the job.", required=True, min_length=1, max_length=200),
                        body("limit", "Most results (default 8).", int, ge=1, le=25)),
                handler=search_tools, calls_akamai=False, read_only=True),
]
