"""The next step an error points at when an assistant gave a name where an id was expected, or a search found
nothing: one sentence naming the tool (and the argument) that finds what it needs."""

from __future__ import annotations

import re
from typing import Any

from alecs.tools.spec import ToolSpec

# Inputs that take an id, the form of that id, and how to find it from a name or hostname.
ID_INPUTS: dict[str, tuple[re.Pattern[str], str]] = {
    "propertyId": (re.compile(r"^(prp_)?\d+$", re.IGNORECASE), "search-properties"),
}


def misplaced_names(spec: ToolSpec, args: dict[str, Any]) -> str | None:
    """A sentence for a call whose id input holds something else (a hostname, a property name), or None."""
    for name, (form, finder) in ID_INPUTS.items():
        value = args.get(name)
        if spec.param(name) is None or not isinstance(value, str) or form.match(value):
            continue
        field = "hostname" if "." in value else "propertyName"
        return (f"Next: {name} takes an id (like prp_123456), not {value!r}; find it with {finder} "
                f"{field}={value}.")
    return None


def no_match(args: dict[str, Any]) -> str:
    """What a property search that matched nothing says, with what to try instead."""
    field, value = next((k, v) for k, v in args.items() if k in ("propertyName", "hostname", "edgeHostname") and v)
    tries = {
        "propertyName": "names match exactly and in full: list-properties shows a group's properties",
        "hostname": "give the exact hostname the property serves (www. or not), or list-account-hostnames to see "
                    "every hostname on the account",
        "edgeHostname": "give the full edge hostname (….edgekey.net, ….edgesuite.net), or search-edge-hostnames",
    }
    return f"No property version has {field} {value}. PAPI's search matches exact values: {tries[field]}."
