"""Tools that look alike with `--toolsets all` (issue 17) each say when to use the other: PAPI's view of edge
hostnames and CP codes (ids, one contract and group) beside the Edge Hostnames and CP Codes APIs' (account-wide,
by name, with DNS and reporting settings)."""

from __future__ import annotations

import pytest

from alecs.tools.registry import Registry

REGISTRY = Registry.load()
ALIKE = [("list-edge-hostnames", "search-edge-hostnames"), ("get-edge-hostname", "get-edge-hostname-details"),
         ("get-cpcode", "get-cpcode-details"), ("list-cpcodes", "search-cpcodes")]


@pytest.mark.parametrize(("one", "other"), ALIKE)
def test_tools_that_look_alike_name_each_other_in_their_descriptions(one: str, other: str) -> None:
    first, second = REGISTRY.get(one), REGISTRY.get(other)
    assert first is not None and second is not None
    assert other in first.description, first.description
    assert one in second.description.replace(other, ""), second.description
