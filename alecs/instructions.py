"""The server's instructions (the `initialize` answer): how Akamai's workflows go and how alecs answers, said once
rather than in every tool's description. Tools are named only when the server offers them."""

from __future__ import annotations

from collections.abc import Collection


def _named(offered: Collection[str], *names: str) -> str:
    """' (a or b)' for the tools of `names` the server offers, or '' when it offers none of them."""
    found = [n for n in names if n in offered]
    return f" ({' or '.join(found)})" if found else ""


def instructions(offered: Collection[str], dynamic: bool) -> str:
    """What a model needs to know before its first call, for a server offering the tools `offered`."""
    lines = [
        "alecs: Akamai's control plane. Ids carry prefixes: ctr_ contract, grp_ group, prp_ property, atv_ "
        "activation, ehn_ edge hostname, cpc_ CP code.",
        "Accounts: every tool takes an optional 'customer', the .edgerc section (Akamai account) to use; default "
        "'default'.",
        "Changes go through versions: a version that was ever activated is locked. Create a version from the one in "
        f"use{_named(offered, 'create-property-version')}, change it"
        f"{_named(offered, 'patch-property-rules', 'update-property-rules', 'add-property-hostnames')}, activate it "
        f"on STAGING, check it, then on PRODUCTION{_named(offered, 'activate-property')}. Security configurations "
        f"work the same way{_named(offered, 'clone-appsec-config-version')}.",
        "Activating changes live traffic on that network and takes minutes: wait=true follows an activation to its "
        "end with progress; otherwise poll its status."
        + (f" To undo one, roll back{_named(offered, 'rollback-property')}." if "rollback-property" in offered
           else ""),
        "Lists answer items, total and, while there are more, nextCursor: pass cursor (and limit, default 50, at "
        "most 500) for the next page.",
        "Results: the text is a compact rendering of the data (list rows carry the ids a next call needs; diffs "
        "old and new values); a closing line says what it left out and how to get it (a smaller limit; full=true "
        "for links, PEM bodies and contacts). The structured content has everything.",
    ]
    if "get-server-time" in offered:
        lines.append("Time: get-server-time gives the current date and time (UTC) that ranges such as 'the last 24 "
                     "hours' or 'expiring in 30 days' count from.")
    if dynamic:
        lines.append("Dynamic toolsets: few tools are listed at first. search-tools finds the tool for a job from "
                     "words (e.g. 'block an IP range') and names its toolset; enable-toolset adds a toolset's tools "
                     "to this session (the tool list changes), or with tools only those it found (keeps the list "
                     "small), disable-toolset removes them, list-toolsets shows them all. A tool named above may "
                     "need its toolset enabled first.")
    return "\n".join(lines)
