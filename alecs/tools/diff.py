"""A structural diff of two JSON documents (rule trees), as JSON-pointer-like paths."""

from __future__ import annotations

from typing import Any


def _key(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return f"{index}:{item['name']}"
    return str(index)


def json_diff(old: Any, new: Any, where: str = "") -> list[dict[str, Any]]:
    """The differences from `old` to `new`: added, removed and changed values with their paths."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict[str, Any]] = []
        for k in old.keys() | new.keys():
            sub = f"{where}/{k}"
            if k not in new:
                out.append({"op": "removed", "path": sub, "old": old[k]})
            elif k not in old:
                out.append({"op": "added", "path": sub, "new": new[k]})
            else:
                out.extend(json_diff(old[k], new[k], sub))
        return sorted(out, key=lambda c: c["path"])
    if isinstance(old, list) and isinstance(new, list):
        out = []
        for i in range(max(len(old), len(new))):
            sub = f"{where}/{_key(new[i] if i < len(new) else old[i], i)}"
            if i >= len(new):
                out.append({"op": "removed", "path": sub, "old": old[i]})
            elif i >= len(old):
                out.append({"op": "added", "path": sub, "new": new[i]})
            else:
                out.extend(json_diff(old[i], new[i], sub))
        return out
    if old != new:
        return [{"op": "changed", "path": where or "/", "old": old, "new": new}]
    return []


def change_lines(changes: list[dict[str, Any]], limit: int = 20) -> list[str]:
    """Changes as short lines (op and path), at most `limit` of them: what a person reads before confirming."""
    lines = [f"- {c['op']} {c['path']}" for c in changes[:limit]]
    if len(changes) > limit:
        lines.append(f"- ... and {len(changes) - limit} more")
    return lines
