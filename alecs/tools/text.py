"""The text of a result: what a model reads when its client shows only `content` (many do).

Every result's text is a compact rendering of the data itself, not a pointer to the structured content:

- a page of a list is one row per item, `field=value`, the fields the declaration names first, then every id
  (the values a next call needs), then the rest; when the page would not fit `TEXT_LIMIT`, nested fields, then
  other fields, then rows are left out, and a closing line names what was left out and how to read it (a smaller
  `limit`);
- an object is indented `key: value` lines (small objects and lists inline); when it would not fit, the deepest
  parts are summarised (`{… 7 fields}`, `[… 12 items]`) and a closing line names them;
- a diff is one line per change with the old and the new value.

Nothing is dropped silently: `Rendering.left_out` is what a closing line announces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from alecs.tools.spec import RowRenderer

TEXT_LIMIT = 8000  # characters of one result's text (about 2,000 tokens)
VALUE_LIMIT = 300  # characters of one value on a row or an inline value
LIST_LIMIT = 50  # list elements shown in an object before the rest is summarised
INLINE_WIDTH = 100  # an object or list this short (rendered) stays on its key's line
NAMES_SHOWN = 12  # names listed in a closing line before "and N more"
PLAIN = re.compile(r"^[^\s\"'{}\[\],:#][^\n\"{}\[\]]*(?<!\s)$")
ID_FIELD = re.compile(r"(Id|Ids|ID)$")



def scalar(value: Any) -> str:
    """One value as text: strings bare unless quoting is needed to read them back, JSON otherwise."""
    if isinstance(value, str):
        return value if PLAIN.match(value) and value not in ("true", "false", "null") else json.dumps(value)
    return json.dumps(value, default=str)


@dataclass
class Inline:
    """A value rendered on one line, and whether it had to be cut to `VALUE_LIMIT`."""

    text: str
    cut: bool = False


def inline(value: Any, limit: int = VALUE_LIMIT) -> Inline:
    """A value on one line (`{a: 1, b: [x, y]}`), cut with `…` past `limit` characters."""
    text = _inline(value)
    if len(text) <= limit:
        return Inline(text)
    return Inline(text[:limit - 1] + "…", True)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return scalar(value)


def quoted(value: Any, limit: int = VALUE_LIMIT) -> Inline:
    """A value on one line with strings always quoted ("1d" is not 1d): how diffs show old and new values."""
    if isinstance(value, str):
        text = json.dumps(value)
        return Inline(text) if len(text) <= limit else Inline(text[:limit - 1] + "…", True)
    return inline(value, limit)


def names(items: Sequence[str]) -> str:
    """A comma list of at most `NAMES_SHOWN` names, then "and N more"."""
    shown = ", ".join(items[:NAMES_SHOWN])
    return shown + (f" and {len(items) - NAMES_SHOWN} more" if len(items) > NAMES_SHOWN else "")


@dataclass
class Rendering:
    """A result's text and what it leaves out (already announced in the text's closing lines)."""

    text: str
    left_out: list[str] = field(default_factory=list)


# -- pages of lists -----------------------------------------------------------------------------------------------
def _dig(item: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


def _row_fields(item: dict[str, Any], columns: Sequence[str], level: int) -> tuple[list[str], list[str]]:
    """(fields shown in order, top-level fields left out) of one item at a level: 0 everything, 1 no nested
    fields beyond the columns, 2 only the columns and ids."""
    roots = {c.split(".")[0] for c in columns}
    ids = [k for k in item if ID_FIELD.search(k) and k not in roots]
    rest = [k for k in item if k not in roots and k not in ids]
    if level == 0:
        whole = [c for c in columns if "." not in c or c.split(".")[0] not in item] + \
                [k for k in item if k in roots and k not in columns]
        return whole + ids + rest, []
    if level == 1:
        kept = [k for k in rest if not isinstance(item[k], dict | list)]
        return list(columns) + ids + kept, [k for k in rest if k not in kept] + _partial(item, columns)
    return list(columns) + ids, rest + _partial(item, columns)


def _partial(item: dict[str, Any], columns: Sequence[str]) -> list[str]:
    """Nested fields of which a column shows only a part (csr.cn of csr)."""
    return [root for root in dict.fromkeys(c.split(".")[0] for c in columns if "." in c)
            if root in item and root not in columns]


def _row(item: Any, columns: Sequence[str], level: int, out: set[str], cut: list[bool]) -> str:
    if not isinstance(item, dict):
        whole = inline(item)
        cut[0] |= whole.cut
        return "- " + whole.text
    shown, left = _row_fields(item, columns, level)
    out.update(left)
    parts = []
    for name in shown:
        value = _dig(item, name) if "." in name else item.get(name)
        if value is None and (name not in item if "." not in name else True):
            continue
        rendered = inline(value)
        cut[0] |= rendered.cut
        parts.append(f"{name}={rendered.text}")
    return "- " + ", ".join(parts)


def render_page(page: dict[str, Any], columns: Sequence[str] = (), row: RowRenderer | None = None,
                noun: str = "items") -> Rendering:
    """A page of a list (`items`, `total`, `nextCursor`) as a head line and one row per item."""
    items: list[Any] = page["items"]
    head = f"{len(items)} of {page['total']} {noun}"
    if page.get("nextCursor"):
        head += f" (next page: cursor={page['nextCursor']})"
    if not items:
        return Rendering(head + ".")
    if row is not None:
        return _custom_rows(head, items, row)
    for level in (0, 1, 2):
        left: set[str] = set()
        cut = [False]
        lines = [_row(item, columns, level, left, cut) for item in items]
        notes = _row_notes(left, cut[0], items)
        text = "\n".join([head + ":", *lines, *notes])
        if len(text) <= TEXT_LIMIT or level == 2:
            break
    if len(text) <= TEXT_LIMIT:
        return Rendering(text, sorted(left))
    return _cut_rows(head, lines, notes, sorted(left))


def _ordered(left: set[str], items: list[Any]) -> list[str]:
    order = {k: i for item in reversed(items) if isinstance(item, dict) for i, k in enumerate(item)}
    return sorted(left, key=lambda k: (order.get(k, 1_000), k))


def _row_notes(left: set[str], cut: bool, items: list[Any]) -> list[str]:
    notes = []
    if left:
        notes.append(f"Left out of the rows to keep this short: {names(_ordered(left, items))}. A smaller limit "
                     "shows them here; the structured content has every field.")
    if cut:
        notes.append(f"Values longer than {VALUE_LIMIT} characters are cut (…); the structured content has them "
                     "whole.")
    return notes


def _cut_rows(head: str, lines: list[str], notes: list[str], left: list[str]) -> Rendering:
    room = TEXT_LIMIT - len(head) - sum(len(n) + 1 for n in notes) - 200
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) + 1 > room:
            break
        kept.append(line)
    shown = max(len(kept), 1)
    kept = lines[:shown]
    more = len(lines) - shown
    notes = notes + [f"{more} more row(s) of this page are left out of this text: call again with limit={shown} "
                     "(and the cursors that follow) to read every row; the structured content has them all."]
    return Rendering("\n".join([head + ":", *kept, *notes]), left + [f"{more} rows"])


def _custom_rows(head: str, items: list[Any], row: RowRenderer) -> Rendering:
    rendered = [row(item) for item in items]
    lines = [r.text for r in rendered]
    notes = _row_notes(set(), any(r.cut for r in rendered), items)
    text = "\n".join([head + ":", *lines, *notes])
    if len(text) <= TEXT_LIMIT:
        return Rendering(text)
    return _cut_rows(head, lines, notes, [])


# -- objects ------------------------------------------------------------------------------------------------------
def _depth(value: Any) -> int:
    if isinstance(value, dict) and value:
        return 1 + max(_depth(v) for v in value.values())
    if isinstance(value, list) and value:
        return 1 + max(_depth(v) for v in value)
    return 0


def _summary(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{… {len(value)} fields}}"
    return f"[… {len(value)} items]"


class _Writer:
    """Indented `key: value` lines of one object, summarising what lies deeper than `depth`."""

    def __init__(self, depth: int | None) -> None:
        self.depth = depth
        self.lines: list[str] = []
        self.left_out: list[str] = []

    def value(self, value: Any, indent: str, prefix: str, path: str, level: int) -> None:
        if isinstance(value, dict | list) and value:
            if self.depth is not None and level >= self.depth:
                self.lines.append(f"{indent}{prefix}{_summary(value)}")
                self.left_out.append(path or "(all)")
                return
            text = _inline(value)
            if prefix and len(text) <= INLINE_WIDTH and len(indent) + len(prefix) + len(text) <= INLINE_WIDTH + 20:
                self.lines.append(f"{indent}{prefix}{text}")
                return
            if prefix:
                self.lines.append(f"{indent}{prefix.rstrip()}")
                indent += "  "
            if isinstance(value, dict):
                self.mapping(value, indent, path, level + 1)
            else:
                self.sequence(value, indent, path, level + 1)
            return
        text = inline(value, TEXT_LIMIT).text
        self.lines.append(f"{indent}{prefix}{text}")

    def mapping(self, value: dict[str, Any], indent: str, path: str, level: int) -> None:
        for key, item in value.items():
            self.value(item, indent, f"{key}: ", f"{path}.{key}" if path else str(key), level)

    def sequence(self, value: list[Any], indent: str, path: str, level: int) -> None:
        for i, item in enumerate(value[:LIST_LIMIT]):
            where = f"{path}[{i}]"
            if isinstance(item, dict) and item and not (self.depth is not None and level >= self.depth):
                start = len(self.lines)
                text = _inline(item)
                if len(text) <= INLINE_WIDTH:
                    self.lines.append(f"{indent}- {text}")
                    continue
                self.mapping(item, indent + "  ", where, level + 1)
                first = self.lines[start]
                self.lines[start] = indent + "- " + first[len(indent) + 2:]
            else:
                self.value(item, indent, "- ", where, level)
        if len(value) > LIST_LIMIT:
            self.lines.append(f"{indent}- … {len(value) - LIST_LIMIT} more")
            self.left_out.append(f"{path}[{LIST_LIMIT}:]")


def render_object(data: Any) -> Rendering:
    """An object as indented `key: value` lines within `TEXT_LIMIT`, deeper parts summarised when needed."""
    if data is None:
        return Rendering("Done (no content).")
    if isinstance(data, str):
        return _plain(data)
    depth = _depth(data)
    for limit in [None, *range(depth - 1, 0, -1)]:
        writer = _Writer(limit)
        writer.value(data, "", "", "", 0)
        text = "\n".join(writer.lines)
        if len(text) <= TEXT_LIMIT:
            return _with_left_out(text, writer.left_out)
    return _cut_lines(writer.lines, writer.left_out)


def _with_left_out(text: str, left: list[str]) -> Rendering:
    if not left:
        return Rendering(text)
    return Rendering(text + f"\nSummarised to keep this short: {names(left)}; the structured content has them "
                            "whole.", left)


def _plain(text: str) -> Rendering:
    if len(text) <= TEXT_LIMIT:
        return Rendering(text)
    more = len(text) - TEXT_LIMIT
    return Rendering(text[:TEXT_LIMIT] + f"\n… {more} more characters; the structured content has the whole text.",
                     [f"{more} characters"])


def _cut_lines(lines: list[str], left: list[str]) -> Rendering:
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > TEXT_LIMIT - 300:
            break
        kept.append(line)
        size += len(line) + 1
    more = len(lines) - len(kept)
    rest = [line.split(":")[0].strip() for line in lines[len(kept):] if line and not line.startswith(" ")]
    note = f"… {more} more line(s) left out" + (f" (fields {names(rest)})" if rest else "")
    note += "; the structured content has everything."
    return Rendering("\n".join(kept + [note]), left + rest + [f"{more} lines"])


# -- diffs --------------------------------------------------------------------------------------------------------
def diff_line(change: Any) -> Inline:
    """One change of a structural diff: `/path: "old" → "new"`, `/path: added …`, `/path: removed (was …)`."""
    if not isinstance(change, dict):
        value = inline(change)
        return Inline("- " + value.text, value.cut)
    path, op = change.get("path", "/"), change.get("op")
    old, new = quoted(change.get("old")), quoted(change.get("new"))
    if op == "added":
        return Inline(f"- {path}: added {new.text}", new.cut)
    if op == "removed":
        return Inline(f"- {path}: removed (was {old.text})", old.cut)
    return Inline(f"- {path}: {old.text} → {new.text}", old.cut or new.cut)
