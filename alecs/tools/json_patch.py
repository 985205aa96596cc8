"""JSON Patch (RFC 6902) for documents whose lists hold named objects, such as PAPI rule trees.

A path is a JSON Pointer (RFC 6901) whose list steps may name an element instead of giving its index: in
`/rules/children/Images/behaviors/caching/options/ttl`, `Images` is the child rule named Images and `caching` the
behavior named caching. `2:caching` (the form diff-property-versions prints) is the element named caching, or the
third one when no element has that name. Names are looked up in the document as each operation finds it, so an
operation can address what an earlier one added.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from alecs.errors import ToolInputError

OPS = ("add", "remove", "replace", "move", "copy", "test")


def _tokens(pointer: str, where: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ToolInputError(f"{where}: a path starts with '/', e.g. /rules/behaviors/caching (got {pointer!r}).")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _index(items: list[Any], token: str, where: str, *, end_ok: bool) -> int:
    """The index a list step names: a number, '-' (the end, when adding), a name, or 'N:name'."""
    if token == "-" and end_ok:
        return len(items)
    number, colon, name = token.partition(":")
    if not (colon and number.isdigit()):
        number, name = "", token
    if token.isdigit():
        position = int(token)
        if position > len(items) or (position == len(items) and not end_ok):
            raise ToolInputError(f"{where}: index {position} is past the end of a list of {len(items)}.")
        return position
    named = [i for i, item in enumerate(items) if isinstance(item, Mapping) and item.get("name") == name]
    if len(named) == 1:
        return named[0]
    if not named and number and int(number) < len(items):
        return int(number)
    names = [str(item.get("name")) for item in items if isinstance(item, Mapping) and "name" in item]
    if named:
        raise ToolInputError(f"{where}: {len(named)} elements are named {name!r} here; give the index instead "
                             f"({', '.join(str(i) for i in named)}).")
    raise ToolInputError(f"{where}: nothing named {name!r} here" + (f"; the names are: {', '.join(names)}."
                                                                     if names else "; this list has no names."))


def _parent(doc: Any, tokens: Sequence[str], where: str) -> Any:
    node = doc
    for i, token in enumerate(tokens):
        if isinstance(node, list):
            node = node[_index(node, token, where, end_ok=False)]
        elif isinstance(node, dict):
            if token not in node:
                at = "/" + "/".join(tokens[:i]) if i else "the top"
                keys = ", ".join(node) or "none"
                raise ToolInputError(f"{where}: {at} has no {token!r} (its fields: {keys}).")
            node = node[token]
        else:
            raise ToolInputError(f"{where}: {token!r} is below a value that is neither an object nor a list.")
    return node


def _get(doc: Any, pointer: str, where: str) -> Any:
    tokens = _tokens(pointer, where)
    if not tokens:
        return doc
    parent = _parent(doc, tokens[:-1], where)
    if isinstance(parent, list):
        return parent[_index(parent, tokens[-1], where, end_ok=False)]
    if isinstance(parent, dict) and tokens[-1] in parent:
        return parent[tokens[-1]]
    raise ToolInputError(f"{where}: nothing at {pointer}.")


def _remove(doc: Any, pointer: str, where: str) -> Any:
    tokens = _tokens(pointer, where)
    if not tokens:
        raise ToolInputError(f"{where}: the whole document cannot be removed.")
    parent = _parent(doc, tokens[:-1], where)
    if isinstance(parent, list):
        return parent.pop(_index(parent, tokens[-1], where, end_ok=False))
    if isinstance(parent, dict) and tokens[-1] in parent:
        return parent.pop(tokens[-1])
    raise ToolInputError(f"{where}: nothing at {pointer} to remove.")


def _add(doc: Any, pointer: str, value: Any, where: str, *, replace: bool = False) -> Any:
    tokens = _tokens(pointer, where)
    if not tokens:
        return copy.deepcopy(value)
    parent = _parent(doc, tokens[:-1], where)
    if isinstance(parent, list):
        position = _index(parent, tokens[-1], where, end_ok=not replace)
        if replace:
            parent[position] = copy.deepcopy(value)
        else:
            parent.insert(position, copy.deepcopy(value))
    elif isinstance(parent, dict):
        if replace and tokens[-1] not in parent:
            raise ToolInputError(f"{where}: nothing at {pointer} to replace (add creates it).")
        parent[tokens[-1]] = copy.deepcopy(value)
    else:
        raise ToolInputError(f"{where}: {pointer} is below a value that is neither an object nor a list.")
    return doc


def apply_patch(document: Any, operations: Sequence[Mapping[str, Any]], *, prefix: str = "") -> Any:
    """`document` after `operations` (a copy; the argument is untouched). Paths that do not start with `prefix`
    get it (rule tree paths may leave out '/rules'). Any failure names the operation and why."""
    doc = copy.deepcopy(document)
    for n, op in enumerate(operations):
        where = f"operations[{n}]"
        kind = op.get("op")
        if kind not in OPS:
            raise ToolInputError(f"{where}: op is one of {', '.join(OPS)} (got {kind!r}).")
        path = _prefixed(op.get("path"), prefix, where)
        if kind in ("add", "replace", "test") and "value" not in op:
            raise ToolInputError(f"{where}: {kind} needs a value.")
        if kind == "add":
            doc = _add(doc, path, op["value"], where)
        elif kind == "replace":
            doc = _add(doc, path, op["value"], where, replace=True)
        elif kind == "remove":
            _remove(doc, path, where)
        elif kind == "test":
            if _get(doc, path, where) != op["value"]:
                raise ToolInputError(f"{where}: test failed: {path} is not {op['value']!r}; nothing was saved.")
        else:
            source = _prefixed(op.get("from"), prefix, where)
            value = _remove(doc, source, where) if kind == "move" else copy.deepcopy(_get(doc, source, where))
            doc = _add(doc, path, value, where)
    return doc


def _prefixed(path: Any, prefix: str, where: str) -> str:
    if not isinstance(path, str):
        raise ToolInputError(f"{where}: give the path as a string, e.g. /rules/behaviors/caching/options/ttl.")
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        return prefix + ("" if path in ("", "/") else path)
    return path
