"""Tools of alecs itself (no Akamai API); see spec.py."""

from __future__ import annotations

from alecs.tools.spec import ToolSpec

TOOLS: list[ToolSpec] = []
