"""Tools for this API domain (declarations only; see spec.py)."""

from __future__ import annotations

from alecs.tools.spec import ToolSpec

TOOLS: list[ToolSpec] = []
