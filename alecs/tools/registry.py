"""Every tool alecs offers, grouped in toolsets, and the selection a server exposes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

from alecs.errors import ConfigError
from alecs.tools import (
    akamai_operations,
    api_tokens,
    appsec,
    ccu,
    certs,
    cloudlets,
    cprg,
    datastream,
    diagnostics,
    dns,
    dynamic_toolsets,
    edge_hostnames,
    edgekv,
    edgeworkers,
    gtm,
    iam,
    invoicing,
    netlists,
    papi,
    reporting,
    siem,
)
from alecs.tools.spec import Toolset, ToolSpec

# Modules that declare tools (each has a TOOLS list). Their order is the catalogue's order.
TOOL_MODULES: tuple[ModuleType, ...] = (
    papi, ccu, dns, certs, netlists, appsec, reporting, cprg, edgeworkers, edgekv, gtm, diagnostics, iam, cloudlets,
    datastream, siem, edge_hostnames, invoicing, akamai_operations, api_tokens, dynamic_toolsets,
)
ALL = "all"  # the --toolsets word for every toolset (but the dynamic-toolsets controls)


@dataclass(frozen=True)
class Selection:
    """Which tools a server serves: toolset and tool names as the operator gave them, already checked."""

    toolsets: frozenset[str] | None = None  # None: the default selection
    tools: frozenset[str] = frozenset()
    read_only: bool = False


def _split(value: str | None) -> frozenset[str]:
    return frozenset(x.strip() for x in (value or "").split(",") if x.strip())


class Registry:
    """The tools and toolsets, in catalogue order, and the selections made of them."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self.specs: dict[str, ToolSpec] = {}
        self._toolsets: dict[str, Toolset] = {}
        for spec in specs:
            if spec.name in self.specs:
                raise ValueError(f"duplicate tool name {spec.name}")
            known = self._toolsets.setdefault(spec.toolset.name, spec.toolset)
            if known != spec.toolset:
                raise ValueError(f"toolset {spec.toolset.name} is declared twice, differently")
            self.specs[spec.name] = spec

    @classmethod
    def load(cls) -> Registry:
        """Every tool of every tool module."""
        return cls(spec for module in TOOL_MODULES for spec in module.TOOLS)

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self.specs.values())

    def __len__(self) -> int:
        return len(self.specs)

    def get(self, name: str) -> ToolSpec | None:
        """The tool called `name`, if there is one."""
        return self.specs.get(name)

    def toolsets(self) -> list[Toolset]:
        """Every toolset, in catalogue order."""
        return list(self._toolsets.values())

    def toolset(self, name: str) -> Toolset | None:
        """The toolset called `name`, if there is one."""
        return self._toolsets.get(name)

    def in_toolset(self, toolset: Toolset) -> list[ToolSpec]:
        """The tools of one toolset, in catalogue order."""
        return [s for s in self if s.toolset == toolset]

    def selection_from(self, toolsets: str | None, tools: str | None, read_only: bool) -> Selection:
        """Parse `--toolsets`/`--tools` (or their environment variables); unknown names are an error."""
        sets = _split(toolsets)
        names = _split(tools)
        known = {t.name for t in self.toolsets()}
        if ALL in sets:
            sets = frozenset(t.name for t in self.toolsets() if not t.dynamic_only)
        unknown_sets = sets - known
        if unknown_sets:
            raise ConfigError(f"Unknown toolset(s): {', '.join(sorted(unknown_sets))}. "
                              f"Known: {', '.join(t.name for t in self.toolsets())}, {ALL}.")
        unknown_tools = names - set(self.specs)
        if unknown_tools:
            raise ConfigError(f"Unknown tool(s): {', '.join(sorted(unknown_tools))}. Run 'alecs tools' for the list.")
        chosen: frozenset[str] | None = sets or (frozenset() if names else None)
        return Selection(chosen, names, read_only)

    def restrictable_toolsets(self) -> frozenset[str]:
        """The toolsets a token can be restricted to: Akamai's products, not the token tools or the dynamic-toolsets
        controls (those are governed by scope and mode)."""
        return frozenset(t.name for t in self.toolsets() if not (t.admin_only or t.dynamic_only))

    def default_toolsets(self) -> frozenset[str]:
        """The names of the everyday selection's toolsets."""
        return frozenset(t.name for t in self.toolsets() if t.default)

    def offered(self, sel: Selection, *, dynamic: bool, token_store: bool) -> list[ToolSpec]:
        """Every tool a server with this selection may serve to someone.

        Without dynamic toolsets: the selection; the default selection also carries the admin-only token tools
        when a token store exists. With dynamic toolsets: what sessions start with plus what they may enable,
        which is the explicit selection, or every toolset when none was given (admin-only ones need a store)."""
        if not dynamic:
            default = sel.toolsets is None and not sel.tools
            extra = [s for s in self if s.toolset.admin_only] if default and token_store else []
            return self._read_only(sel, self.selected(sel) + extra)
        explicit = sel.toolsets is not None or bool(sel.tools)
        bounded = self.selected(sel) if explicit else [
            s for s in self if not s.toolset.dynamic_only and (token_store or not s.toolset.admin_only)]
        chosen = set(bounded) | set(self.starting(sel, True, token_store))
        return self._read_only(sel, [s for s in self if s in chosen])

    def starting(self, sel: Selection, dynamic: bool, token_store: bool) -> list[ToolSpec]:
        """What every session lists before it enables anything. In dynamic mode that is exactly the
        dynamic-toolsets controls, and the admin-only token tools when a token store exists, whatever the
        selection says (the selection only bounds what sessions may enable)."""
        if not dynamic:
            return self.offered(sel, dynamic=False, token_store=token_store)
        return self._read_only(sel, [s for s in self if s.toolset.dynamic_only
                                     or (s.toolset.admin_only and token_store)])

    @staticmethod
    def _read_only(sel: Selection, specs: list[ToolSpec]) -> list[ToolSpec]:
        """Under `--read-only`, the tools that only read (and those that choose their operation per call, which
        then refuse every change)."""
        return [s for s in specs if s.read_only or s.any_operation] if sel.read_only else specs

    def selected(self, sel: Selection) -> list[ToolSpec]:
        """The tools a selection names, in catalogue order."""
        sets = self.default_toolsets() if sel.toolsets is None else sel.toolsets
        return self._read_only(sel, [s for s in self if s.toolset.name in sets or s.name in sel.tools])
