"""Circles in a dependency graph (module -> the modules it imports), for the import-structure tests."""

from __future__ import annotations


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph, as the path that closes it (`["a", "b", "a"]`), or None when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None
    return next((c for n in sorted(graph) if n not in state and (c := visit(n))), None)
