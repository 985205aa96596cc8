"""A catalogue every client can hold: the default selection, the selection matrix, dynamic toolsets."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from mcp_types import ListToolsResult, ToolListChangedNotification

from alecs.principal import CURRENT, Principal
from alecs.sandbox.server import Sandbox
from alecs.tool_listing import first_sentence, list_bytes
from alecs.tools.registry import Registry, everyday
from tests.openapi_defs import REPO
from tests.support.mcp import connect, make_server

REGISTRY = Registry.load()
DEFAULT_TOOLSETS = {"property", "purge", "dns", "certs", "api"}  # README "Choosing tools"
EVERYDAY_EXTRAS = {"get-server-time"}  # tools of other toolsets in the default selection (README "Choosing tools")
# The budget for the default tools/list, in bytes of JSON (README "Choosing tools"); lower is better.
DEFAULT_LIST_BUDGET = 72_000


def test_default_selection_is_at_most_100_tools_within_the_byte_budget() -> None:
    chosen = REGISTRY.selected(REGISTRY.selection_from(None, None, False))
    assert DEFAULT_TOOLSETS == REGISTRY.default_toolsets()
    # The tools of the default toolsets but the workflow tools declared everyday=False (they wait for --toolsets
    # or --tools), and the few tools of other toolsets declared everyday=True (the server's clock).
    assert {s.name for s in chosen} == {s.name for s in REGISTRY if s.toolset.name in DEFAULT_TOOLSETS
                                        and s.everyday is not False} | EVERYDAY_EXTRAS
    assert len(chosen) <= 100
    assert list_bytes(chosen) <= DEFAULT_LIST_BUDGET


def test_stats_command_reports_the_default_selection() -> None:
    out = subprocess.run([sys.executable, "-m", "alecs", "tools", "--stats"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    row = next(line.split() for line in out.splitlines() if line.startswith("selected"))
    chosen = REGISTRY.selected(REGISTRY.selection_from(None, None, False))
    assert int(row[1]) == len(chosen) and int(row[2]) == list_bytes(chosen) and int(row[3]) == list_bytes(chosen) // 4


def _stats(*flags: str) -> dict[str, list[str]]:
    out = subprocess.run([sys.executable, "-m", "alecs", "tools", "--stats", *flags], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    return {line.split()[0]: line.split() for line in out.splitlines()[1:]}


@pytest.mark.parametrize("read_only", [False, True])
async def test_stats_all_is_exactly_what_toolsets_all_serves(fresh_sandbox: Sandbox, read_only: bool) -> None:
    row = _stats(*(["--read-only"] if read_only else []))["all"]
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from("all", None, read_only))
    try:
        async with connect(server) as client:
            served = (await client.list_tools()).tools
    finally:
        server.client.close()
    wire = ListToolsResult(tools=served).model_dump_json(by_alias=True, exclude_unset=True).encode()
    assert (int(row[1]), int(row[2])) == (len(served), len(wire))
    assert "search-tools" not in {t.name for t in served}


def test_the_listing_keeps_whole_first_sentences_past_abbreviations() -> None:
    out = subprocess.run([sys.executable, "-m", "alecs", "tools", "--toolsets", "all"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    summaries = {line.split()[0]: line.split(None, 3)[3] for line in out.splitlines()}
    assert summaries["list-rule-formats"] == "Rule format versions (e.g. v2024-10-21, latest)."
    assert summaries["translate-error"].startswith("Explain an Akamai error page's reference string (e.g. "
                                                   "'Reference #18.2a3c2f17.1621415935.409841'): reason")
    for name, summary in summaries.items():
        assert summary.endswith(".") and summary.count("(") == summary.count(")"), (name, summary)
        assert REGISTRY.get(name).description.startswith(summary[:-1])  # type: ignore[union-attr]


@pytest.mark.parametrize("text, first", [
    ("One. Two.", "One."),
    ("Only one sentence", "Only one sentence"),
    ("Versions (e.g. v1, latest).", "Versions (e.g. v1, latest)."),
    ("Change it, e.g. {\"a\": 1}. Then more.", "Change it, e.g. {\"a\": 1}."),
    ("Ids (like 1.2. Or 3.) are kept. Next.", "Ids (like 1.2. Or 3.) are kept."),
    ("Match rules i.e. the conditions. Next.", "Match rules i.e. the conditions."),
    ("Types (A, AAAA, CNAME...) and more. Next.", "Types (A, AAAA, CNAME...) and more."),
])
def test_first_sentence_ignores_abbreviations_and_parentheses(text: str, first: str) -> None:
    assert first_sentence(text) == first


def test_docs_tools_md_is_in_sync_with_the_registry() -> None:
    out = subprocess.run([sys.executable, "-m", "alecs", "tools", "--markdown"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert (REPO / "docs" / "tools.md").read_text() == out, "run: alecs tools --markdown > docs/tools.md"


def _names(toolsets: str | None, tools: str | None, read_only: bool) -> set[str]:
    return {s.name for s in REGISTRY.selected(REGISTRY.selection_from(toolsets, tools, read_only))}


@pytest.mark.parametrize("toolsets", [None, "purge", "property,purge", "all"])
@pytest.mark.parametrize("tools", [None, "list-contracts", "purge-delete"])
@pytest.mark.parametrize("read_only", [False, True])
def test_selection_matrix_combines_as_documented(toolsets: str | None, tools: str | None, read_only: bool) -> None:
    names = _names(toolsets, tools, read_only)
    sets = (set(DEFAULT_TOOLSETS) if toolsets is None and tools is None else
            set() if toolsets is None else
            {t.name for t in REGISTRY.toolsets() if t.name != "catalog"} if toolsets == "all" else
            set(toolsets.split(",")))
    expected = {s.name for s in REGISTRY if s.toolset.name in sets or s.name == tools}
    if toolsets is None and tools is None:  # the default selection: the everyday tools of the default toolsets
        expected = {s.name for s in REGISTRY if everyday(s)}
    if read_only:
        # Tools that choose their Akamai operation per call stay: they refuse each change themselves.
        kept = {s.name for s in REGISTRY if s.read_only or s.any_operation}
        expected &= kept
    assert names == expected
    if toolsets == "all" and not read_only:
        assert names == {s.name for s in REGISTRY if s.toolset.name != "catalog"}


def test_environment_variables_select_like_the_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"ALECS_TOOLSETS": "purge", "ALECS_TOOLS": "list-contracts", "ALECS_READ_ONLY": "1", "PATH": ""}
    out = subprocess.run([sys.executable, "-m", "alecs", "tools"], capture_output=True, text=True, timeout=60,
                         env=env | {"PYTHONPATH": ":".join(sys.path)}, check=True).stdout
    assert [line.split()[0] for line in out.splitlines()] == ["list-contracts"]


# -- dynamic toolsets ---------------------------------------------------------------------------------------
async def test_dynamic_mode_starts_small_and_enables_a_toolset_for_one_session(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False), dynamic=True)
    changes: list[Any] = []

    async def on_message(message: Any) -> None:
        if isinstance(getattr(message, "root", message), ToolListChangedNotification):
            changes.append(message)

    async with connect(server, message_handler=on_message) as first, connect(server) as second:
        start = {t.name for t in (await first.list_tools()).tools}
        assert start == {"list-toolsets", "enable-toolset", "disable-toolset", "search-tools"}

        found = await first.call_tool("search-tools", {"query": "add a TXT record"})
        top = found.structured_content["items"][0]
        assert top["toolset"] == "dns" and "record" in top["tool"], found.content[0].text

        refused = await first.call_tool(top["tool"], {})
        assert refused.is_error and "not available" in refused.content[0].text

        enabled = await first.call_tool("enable-toolset", {"toolset": "dns"})
        assert not enabled.is_error
        after = {t.name for t in (await first.list_tools()).tools}
        assert top["tool"] in after and len(after) > len(start)
        assert changes, "the client received no notifications/tools/list_changed"
        now_callable = await first.call_tool(top["tool"], {})
        assert now_callable.is_error and "Invalid arguments" in now_callable.content[0].text

        other = {t.name for t in (await second.list_tools()).tools}
        assert other == start

        await first.call_tool("disable-toolset", {"toolset": "dns"})
        assert {t.name for t in (await first.list_tools()).tools} == start
    server.client.close()


async def test_token_restricted_to_toolsets_cannot_see_or_call_others(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, REGISTRY)
    token = CURRENT.set(Principal(token_id="tok_1", scope="write", toolsets=frozenset({"purge"})))
    try:
        async with connect(server) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert names == {s.name for s in REGISTRY if s.toolset.name == "purge"}
            refused = await client.call_tool("list-contracts", {})
            assert refused.is_error and "not available" in refused.content[0].text
    finally:
        CURRENT.reset(token)
        server.client.close()



# -- dynamic toolsets with a token store and per-principal views --------------------------------------------
CATALOGUE = {"list-toolsets", "enable-toolset", "disable-toolset", "search-tools"}
TOKEN_TOOLS = {"generate-api-token", "list-api-tokens", "revoke-api-token", "rotate-api-token"}


def _store(tmp_path: Any) -> Any:
    from alecs.auth.tokens import TokenStore

    return TokenStore(tmp_path / "tokens.json", "catalogue-tests-master-key")


async def _as(principal: Principal, server: Any, work: Any) -> Any:
    token = CURRENT.set(principal)
    try:
        async with connect(server) as client:
            return await work(client)
    finally:
        CURRENT.reset(token)


async def _listed(client: Any) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


@pytest.mark.parametrize("scope, expected", [("admin", CATALOGUE | TOKEN_TOOLS), ("write", CATALOGUE),
                                             ("read", CATALOGUE)])
async def test_dynamic_mode_starts_with_the_catalogue_and_only_admins_get_the_token_tools(
        fresh_sandbox: Sandbox, tmp_path: Any, scope: str, expected: set[str]) -> None:
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False), dynamic=True,
                         services={"tokens": _store(tmp_path)})
    try:
        assert await _as(Principal("tok_1", scope), server, _listed) == expected  # type: ignore[arg-type]
    finally:
        server.client.close()


async def test_without_a_store_dynamic_mode_offers_no_token_tools(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False), dynamic=True)

    async def work(client: Any) -> None:
        assert await _listed(client) == CATALOGUE
        rows = (await client.call_tool("list-toolsets", {})).structured_content["items"]
        assert "tokens" not in {r["toolset"] for r in rows}
        refused = await client.call_tool("enable-toolset", {"toolset": "tokens"})
        assert refused.is_error and "Unknown toolset" in refused.content[0].text
    try:
        await _as(Principal(), server, work)
    finally:
        server.client.close()


async def test_an_explicit_selection_bounds_what_a_dynamic_session_may_enable(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from("dns", "list-gtm-domains", False),
                         dynamic=True)

    async def work(client: Any) -> None:
        assert await _listed(client) == CATALOGUE
        rows = (await client.call_tool("list-toolsets", {})).structured_content["items"]
        dns = sum(1 for s in REGISTRY if s.toolset.name == "dns")
        assert [(r["toolset"], r["tools"]) for r in rows] == [("dns", dns), ("gtm", 1)]
        refused = await client.call_tool("enable-toolset", {"toolset": "property"})
        assert refused.is_error and "Unknown toolset 'property'" in refused.content[0].text
        enabled = (await client.call_tool("enable-toolset", {"toolset": "gtm"})).structured_content
        assert enabled["tools"] == ["list-gtm-domains"]
        found = (await client.call_tool("search-tools", {"query": "activate a property"})).structured_content
        assert {hit["toolset"] for hit in found["items"]} <= {"dns", "gtm"}
    try:
        await _as(Principal(), server, work)
    finally:
        server.client.close()


async def test_a_read_token_enables_only_the_read_tools_of_a_toolset(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False), dynamic=True)
    reads = {s.name for s in REGISTRY if s.toolset.name == "dns" and s.read_only}

    async def work(client: Any) -> None:
        row = next(r for r in (await client.call_tool("list-toolsets", {})).structured_content["items"]
                   if r["toolset"] == "dns")
        assert row["tools"] == len(reads)
        await client.call_tool("enable-toolset", {"toolset": "dns"})
        assert await _listed(client) == CATALOGUE | reads
    try:
        await _as(Principal("tok_r", "read"), server, work)
    finally:
        server.client.close()


async def test_with_a_store_the_default_selection_carries_the_token_tools_for_admins_only(
        fresh_sandbox: Sandbox, tmp_path: Any) -> None:
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False),
                         services={"tokens": _store(tmp_path)})
    default = {s.name for s in REGISTRY if everyday(s)}
    try:
        assert await _as(Principal(), server, _listed) == default | TOKEN_TOOLS
        assert await _as(Principal("tok_w", "write"), server, _listed) == default
    finally:
        server.client.close()
