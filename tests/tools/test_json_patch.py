"""JSON Patch on rule trees: RFC 6902 operations, with rules and behaviors addressable by name."""

from __future__ import annotations

import pytest

from alecs.errors import ToolInputError
from alecs.tools.json_patch import apply_patch

TREE = {"rules": {"name": "default", "behaviors": [{"name": "origin", "options": {"hostname": "o.example.com"}},
                                                   {"name": "caching", "options": {"ttl": "1d"}}],
                  "children": [{"name": "Images", "behaviors": [], "children": []},
                               {"name": "API", "behaviors": [], "children": []}]}}


def test_a_name_stands_for_the_element_that_has_it() -> None:
    out = apply_patch(TREE, [{"op": "replace", "path": "/rules/behaviors/caching/options/ttl", "value": "2d"}])
    assert out["rules"]["behaviors"][1]["options"]["ttl"] == "2d"
    assert TREE["rules"]["behaviors"][1]["options"]["ttl"] == "1d"  # the argument is untouched


def test_paths_may_leave_out_rules_and_use_the_diff_form() -> None:
    out = apply_patch(TREE, [{"op": "remove", "path": "/children/1:API"}], prefix="/rules")
    assert [c["name"] for c in out["rules"]["children"]] == ["Images"]


def test_add_move_copy_and_test_follow_rfc_6902() -> None:
    out = apply_patch(TREE, [
        {"op": "add", "path": "/rules/children/0", "value": {"name": "First", "behaviors": [], "children": []}},
        {"op": "add", "path": "/rules/children/-", "value": {"name": "Last", "behaviors": [], "children": []}},
        {"op": "move", "from": "/rules/children/API", "path": "/rules/children/Images/children/-"},
        {"op": "copy", "from": "/rules/behaviors/caching", "path": "/rules/children/Last/behaviors/-"},
        {"op": "test", "path": "/rules/children/Last/behaviors/caching/options/ttl", "value": "1d"},
    ])
    assert [c["name"] for c in out["rules"]["children"]] == ["First", "Images", "Last"]
    assert out["rules"]["children"][1]["children"][0]["name"] == "API"
    assert out["rules"]["children"][2]["behaviors"] == [{"name": "caching", "options": {"ttl": "1d"}}]


@pytest.mark.parametrize("ops, says", [
    ([{"op": "replace", "path": "/rules/children/Videos", "value": {}}], "nothing named 'Videos' here; the names "
                                                                          "are: Images, API."),
    ([{"op": "test", "path": "/rules/behaviors/caching/options/ttl", "value": "7d"}], "test failed"),
    ([{"op": "replace", "path": "/rules/options/x", "value": 1}], "has no 'options'"),
    ([{"op": "replace", "path": "/rules/behaviors/5", "value": {}}], "index 5 is past the end"),
    ([{"op": "rename", "path": "/rules"}], "op is one of add, remove, replace, move, copy, test"),
    ([{"op": "add", "path": "/rules/name"}], "add needs a value"),
    ([{"op": "remove", "path": "rules/name"}], "a path starts with '/'"),
])
def test_a_bad_operation_is_refused_naming_it_and_why(ops: list[dict[str, object]], says: str) -> None:
    with pytest.raises(ToolInputError, match="operations\\[0\\]") as caught:
        apply_patch(TREE, ops)
    assert says in str(caught.value)


def test_two_elements_with_one_name_need_an_index() -> None:
    twins = {"rules": {"children": [{"name": "A"}, {"name": "A"}]}}
    with pytest.raises(ToolInputError, match="2 elements are named 'A' here; give the index instead"):
        apply_patch(twins, [{"op": "remove", "path": "/rules/children/A"}])
    assert apply_patch(twins, [{"op": "remove", "path": "/rules/children/1"}]) == {"rules": {"children": [
        {"name": "A"}]}}
