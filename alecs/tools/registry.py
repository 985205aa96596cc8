"""Every tool alecs offers, grouped in toolsets, and the selection a server exposes."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from alecs.errors import ConfigError
from alecs.tools.spec import ToolSpec

# Modules that declare tools (each has a TOOLS list). Order is the catalogue's order.
MODULES: tuple[str, ...] = tuple(f"alecs.tools.{m}" for m in (
    "papi", "ccu", "dns", "certs", "netlists", "appsec", "reporting", "cprg", "edgeworkers", "edgekv", "gtm",
    "diagnostics", "iam", "cloudlets", "datastream", "siem", "edge_hostnames", "invoicing", "akamai_operations",
    "tokens", "catalog",
))

# Toolset name -> one-line description (dynamic mode and `alecs tools --stats` show it).
TOOLSETS: dict[str, str] = {
    "property": "Property Manager: properties, versions, rule trees, hostnames, activations, includes",
    "purge": "Fast Purge: invalidate or delete cached content by URL, CP code or cache tag",
    "dns": "Edge DNS: zones, record sets, changelists, zone versions, DNSSEC, TSIG keys, bulk zone jobs",
    "certs": "Certificates (CPS): enrollments, DV challenges, pending changes, deployments, history",
    "netlists": "Network lists: IP and geo lists, elements, activations, snapshots",
    "appsec": "Application security: configurations, policies, WAF, rate and custom rules, activations",
    "reporting": "Reporting: report types, definitions, traffic and error reports for a time range",
    "cpcodes": "CP codes and reporting groups: names, contracts, products, groupings",
    "edgeworkers": "EdgeWorkers: ids, versions and bundles, activations, resource tiers, logging",
    "edgekv": "EdgeKV: namespaces, groups, items, access tokens",
    "gtm": "Global Traffic Management: domains, properties, datacenters, resources, maps, status",
    "diagnostics": "Edge diagnostics: curl, dig, mtr from the edge, IP location, error translation",
    "iam": "Identity and access: users, roles, groups, API clients and credentials",
    "cloudlets": "Cloudlets: policies, versions, match rules, activations",
    "datastream": "DataStream 2: log streams, destinations, activations",
    "siem": "SIEM: security events for a configuration",
    "edge-hostnames": "Edge hostnames (HAPI): list, inspect, change and delete edge hostnames",
    "billing": "Invoicing: invoices, files and usage for a contract",
    "api": "Any published Akamai API operation: find, describe and call it, checked against Akamai's definitions",
    "tokens": "API tokens for remote serving (admin only)",
    "catalog": "Dynamic toolsets: list, enable and disable toolsets, search the catalogue",
}

DEFAULT_TOOLSETS = ("property", "purge", "dns", "certs", "api")
CATALOG = "catalog"
# Toolsets that manage alecs itself rather than an Akamai product: a token's toolset list does not apply to them.
SELF_TOOLSETS = frozenset({"tokens", CATALOG})


@dataclass(frozen=True)
class Selection:
    toolsets: frozenset[str] | None = None  # None: the default selection
    tools: frozenset[str] = frozenset()
    read_only: bool = False


def _split(value: str | None) -> frozenset[str]:
    return frozenset(x.strip() for x in (value or "").split(",") if x.strip())


class Registry:
    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self.specs: dict[str, ToolSpec] = {}
        for spec in specs:
            if spec.name in self.specs:
                raise ValueError(f"duplicate tool name {spec.name}")
            self.specs[spec.name] = spec

    @classmethod
    def load(cls) -> Registry:
        specs: list[ToolSpec] = []
        for module in MODULES:
            specs.extend(importlib.import_module(module).TOOLS)
        return cls(specs)

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self.specs.values())

    def __len__(self) -> int:
        return len(self.specs)

    def get(self, name: str) -> ToolSpec | None:
        return self.specs.get(name)

    def toolsets(self) -> list[str]:
        return list(dict.fromkeys(s.toolset for s in self))

    def selection_from(self, toolsets: str | None, tools: str | None, read_only: bool) -> Selection:
        """Parse `--toolsets`/`--tools` (or their environment variables); unknown names are an error."""
        sets = _split(toolsets)
        names = _split(tools)
        if "all" in sets:
            sets = frozenset(t for t in self.toolsets() if t != CATALOG)
        unknown_sets = sets - set(self.toolsets())
        if unknown_sets:
            raise ConfigError(f"Unknown toolset(s): {', '.join(sorted(unknown_sets))}. "
                              f"Known: {', '.join(self.toolsets())}, all.")
        unknown_tools = names - set(self.specs)
        if unknown_tools:
            raise ConfigError(f"Unknown tool(s): {', '.join(sorted(unknown_tools))}. Run 'alecs tools' for the list.")
        chosen: frozenset[str] | None = sets or (frozenset() if names else None)
        return Selection(chosen, names, read_only)

    def exposed(self, sel: Selection, dynamic: bool) -> list[ToolSpec]:
        """What every session starts with: the selection, or in dynamic mode the catalogue tools plus any
        explicitly selected toolsets and tools."""
        if not dynamic:
            return self.selected(sel)
        explicit = self.selected(Selection(sel.toolsets or frozenset(), sel.tools, sel.read_only))
        return [s for s in self if s.toolset == CATALOG] + [s for s in explicit if s.toolset != CATALOG]

    def selected(self, sel: Selection) -> list[ToolSpec]:
        sets = frozenset(DEFAULT_TOOLSETS) if sel.toolsets is None else sel.toolsets
        out = [s for s in self if s.toolset in sets or s.name in sel.tools]
        if sel.read_only:
            out = [s for s in out if s.read_only or s.any_operation]
        return out

    def toolset_description(self, name: str) -> str:
        return TOOLSETS.get(name, name)
