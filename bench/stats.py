"""Medians, percentiles and the result rows the bench prints and saves."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Row:
    measure: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""  # e.g. "<= 2.5x", ">= 0.5x", "<= 1024 MiB", "== 0"
    detail: dict[str, Any] | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    @property
    def met(self) -> bool | None:
        if not self.target:
            return None
        op, number = self.target.split()[:2]
        subject = self.ratio if number.endswith("x") else self.value
        if subject is None:
            return None
        limit = float(number.rstrip("x"))
        return {"<=": subject <= limit, ">=": subject >= limit, "==": subject == limit}[op]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ratio": self.ratio, "met": self.met}


def table(rows: list[Row]) -> str:
    head = f"{'measure':<44} {'value':>12} {'baseline':>12} {'ratio':>7}  {'target':<12} met"
    lines = [head, "-" * len(head)]
    for r in rows:
        base = f"{r.baseline:.3f}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        met = {True: "yes", False: "NO", None: "-"}[r.met]
        lines.append(f"{r.measure:<44} {r.value:>9.3f} {r.unit:<2} {base:>12} {ratio:>7}  {r.target:<12} {met}")
    return "\n".join(lines)
