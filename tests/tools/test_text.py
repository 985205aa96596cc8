"""The text of results: rows that carry every field until they cannot, objects summarised from the deepest part
up, diffs with old and new values, and a closing line for whatever is left out."""

from __future__ import annotations

from typing import Any

from alecs.tools import text
from alecs.tools.text import TEXT_LIMIT, diff_line, render_object, render_page


def _page(items: list[Any], total: int | None = None, cursor: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"items": items, "total": len(items) if total is None else total}
    if cursor:
        page["nextCursor"] = cursor
    return page


def test_a_row_shows_the_columns_then_every_id_then_the_rest() -> None:
    item = {"updatedDate": "2025-01-15", "propertyName": "www", "contractId": "ctr_1", "propertyId": "prp_1",
            "groupId": "grp_1", "note": "first version"}
    out = render_page(_page([item], total=3, cursor="1"), ("propertyId", "propertyName"), noun="versions")
    head, row = out.text.splitlines()
    assert head == "1 of 3 versions (next page: cursor=1):"
    assert row == ("- propertyId=prp_1, propertyName=www, contractId=ctr_1, groupId=grp_1, updatedDate=2025-01-15, "
                   "note=first version")
    assert out.left_out == []


def test_rows_that_do_not_fit_lose_nested_fields_first_and_say_which() -> None:
    items = [{"id": i, "name": f"list-{i}", "elements": [f"192.0.2.{n}" for n in range(60)]} for i in range(40)]
    out = render_page(_page(items), ("id", "name"))
    assert len(out.text) <= TEXT_LIMIT
    assert "- id=0, name=list-0" in out.text and "192.0.2." not in out.text
    assert out.left_out == ["elements"]
    assert out.text.splitlines()[-1].startswith("Left out of the rows to keep this short: elements. A smaller limit")


def test_rows_that_still_do_not_fit_are_cut_with_the_limit_that_shows_them() -> None:
    items = [{"id": f"{'x' * 150}{i}"} for i in range(100)]
    out = render_page(_page(items), ("id",))
    assert len(out.text) <= TEXT_LIMIT
    shown = [line for line in out.text.splitlines() if line.startswith("- ")]
    assert 0 < len(shown) < 100
    assert f"{100 - len(shown)} more row(s) of this page are left out of this text: call again with " \
           f"limit={len(shown)}" in out.text


def test_a_long_value_is_cut_and_the_text_says_so() -> None:
    out = render_page(_page([{"id": 1, "description": "y" * 1000}]), ("id",))
    assert "…" in out.text and "Values longer than 300 characters are cut" in out.text


def test_an_empty_page_says_so_in_one_line() -> None:
    assert render_page(_page([]), ("id",), noun="zones").text == "0 of 0 zones."


def test_an_object_is_indented_lines_with_small_parts_inline() -> None:
    out = render_object({"propertyId": "prp_1", "hostnames": ["www.example.com", "shop.example.com"],
                         "rules": {"name": "default", "behaviors": [{"name": "caching", "options": {"ttl": "1d"}}],
                                   "options": {"is_secure": True}, "comments": "x" * 120}})
    assert out.text.splitlines() == [
        "propertyId: prp_1",
        "hostnames: [www.example.com, shop.example.com]",
        "rules:",
        "  name: default",
        "  behaviors: [{name: caching, options: {ttl: 1d}}]",
        "  options: {is_secure: true}",
        "  comments: " + "x" * 120,
    ]


def test_an_object_too_large_is_summarised_from_the_deepest_part_and_names_it() -> None:
    big = {"rules": {"name": "default", "children": [
        {"name": f"rule {i}", "behaviors": [{"name": "caching", "options": {"ttl": f"{i}d", "pad": "p" * 80}}]}
        for i in range(200)]}}
    out = render_object(big)
    assert len(out.text) <= TEXT_LIMIT
    assert out.left_out and "Summarised to keep this short:" in out.text
    assert "name: default" in out.text


def test_strings_are_bare_unless_they_would_read_as_something_else() -> None:
    assert text.scalar("1d") == "1d" and text.scalar("true") == '"true"' and text.scalar("") == '""'
    assert text.scalar(" padded") == '" padded"' and text.scalar(3) == "3" and text.scalar(None) == "null"


def test_a_diff_line_says_the_old_and_the_new_value() -> None:
    assert diff_line({"op": "changed", "path": "/behaviors/2:caching/options/ttl", "old": "1d", "new": "2d"}).text \
        == '- /behaviors/2:caching/options/ttl: "1d" → "2d"'
    assert diff_line({"op": "added", "path": "/children/0:Images", "new": {"name": "Images"}}).text \
        == "- /children/0:Images: added {name: Images}"
    assert diff_line({"op": "removed", "path": "/options/is_secure", "old": True}).text \
        == "- /options/is_secure: removed (was true)"
