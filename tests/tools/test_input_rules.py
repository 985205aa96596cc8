"""Rules between inputs and on their form (issue 17): "give exactly one of X or Y" and purge objects that are
URLs are enforced before any request, with a sentence that says what to give instead."""

from __future__ import annotations

import json

import pytest

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from tests.support.mcp import connect
from tests.tools.workflow import error_text, ok

REGISTRY = Registry.load()


@pytest.mark.parametrize(("tool", "args"), [("run-edge-dig", {"hostname": "www.example.com"}),
                                            ("run-edge-curl", {"url": "https://www.example.com/"})])
async def test_an_edge_diagnostic_needs_exactly_one_of_a_location_or_an_edge_ip(
        tool: str, args: dict[str, str], server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        neither = await error_text(client, tool, args)
        both = await error_text(client, tool, args | {"edgeLocationId": "seattle-wa-unitedstates",
                                                      "edgeIp": "192.0.2.10"})
        assert not fresh_sandbox.requests  # refused before any request
        assert neither == "Invalid arguments: give exactly one of edgeLocationId or edgeIp"
        assert both.endswith("give exactly one of edgeLocationId or edgeIp, not edgeLocationId and edgeIp")
        await ok(client, tool, args | {"edgeLocationId": "seattle-wa-unitedstates"})
    assert len(fresh_sandbox.requests) >= 1


def test_every_one_of_group_names_optional_inputs_whose_descriptions_say_the_rule() -> None:
    grouped = [s for s in REGISTRY if s.one_of]
    assert {"run-edge-dig", "run-edge-curl"} <= {s.name for s in grouped}
    for spec in grouped:
        for group in spec.one_of:
            for name in group:
                param = spec.param(name)
                assert param is not None and not param.required, (spec.name, name)
                others = [n for n in group if n != name]
                assert all(n in param.description for n in others), (spec.name, name, param.description)


async def test_a_url_purge_refuses_what_is_not_a_url_and_says_what_to_give(server: AlecsServer,
                                                                           fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        text = await error_text(client, "purge-invalidate", {"by": "url", "objects": [
            "not a url", "www.example.com/a.css", "/b.css", "https://www.example.com/c.css"]})
        assert text.startswith("Nothing was purged: 'not a url' is not a URL; ")
        assert "www.example.com/a.css has no scheme: did you mean https://www.example.com/a.css?" in text
        assert "/b.css is a path: give hostname too" in text
        assert "https://www.example.com/c.css" not in text  # the good one is not blamed
        assert text.endswith("Give full URLs (https://www.example.com/a.css), or paths (/a.css) with "
                             "hostname=www.example.com.")
        text = await error_text(client, "purge-delete", {"by": "url", "hostname": "www.example.com",
                                                         "objects": ["https://www.example.com/c.css"]})
        assert "is a full URL: with hostname, give paths" in text
        text = await error_text(client, "purge-invalidate", {"by": "tag", "objects": ["product-42"],
                                                             "hostname": "www.example.com"})
        assert text == "hostname applies to by=url (paths on one host); by=tag takes none."
        assert not fresh_sandbox.requests
        await ok(client, "purge-invalidate", {"by": "url", "hostname": "www.example.com", "network": "staging",
                                              "objects": ["/a.css", "/img/b.png?v=2"]})
    [sent] = [json.loads(r.body) for r in fresh_sandbox.requests]
    assert sent == {"objects": ["https://www.example.com/a.css", "https://www.example.com/img/b.png?v=2"]}
