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


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if abs(value) >= 1000 or float(value).is_integer() else f"{value:.3g}" if value < 1 else \
        f"{value:.2f}"


def table(rows: list[Row]) -> str:
    """One line per row: measure, value and unit, baseline, ratio, target, and whether the target is met."""
    width = max([len("measure"), *(len(r.measure) for r in rows)])
    base_width = max([len("baseline"), *(len(r.baseline_name) for r in rows)])
    head = f"{'measure':<{width}}  {'value':>14}  {'baseline':>10}  {'ratio':>7}  {'target':<9} {'met':<4} baseline is"
    lines = [head, "-" * (len(head) + base_width - len("baseline is"))]
    for r in rows:
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        met = {True: "yes", False: "NO", None: "-"}[r.met]
        value = f"{_fmt(r.value)} {r.unit}"
        lines.append(f"{r.measure:<{width}}  {value:>14}  {_fmt(r.baseline):>10}  {ratio:>7}  {r.target:<9} "
                     f"{met:<4} {r.baseline_name}".rstrip())
    missed = [r.measure for r in rows if r.met is False]
    met_count = sum(1 for r in rows if r.met)
    lines.append(f"\ntargets met: {met_count} of {met_count + len(missed)}" +
                 (f"; missed: {'; '.join(missed)}" if missed else ""))
    return "\n".join(lines)


def compare(earlier: list[dict[str, Any]], rows: list[Row]) -> str:
    """The change of each value and ratio against an earlier run's rows (from its JSON)."""
    before = {r["measure"]: r for r in earlier}
    width = max([len("measure"), *(len(r.measure) for r in rows)])
    lines = [f"{'measure':<{width}}  {'before':>10}  {'now':>10}  {'change':>8}  {'ratio before':>12}  "
             f"{'ratio now':>9}"]
    for r in rows:
        old = before.get(r.measure)
        if old is None:
            continue
        change = f"{(r.value - old['value']) / old['value'] * 100:+.0f}%" if old["value"] else "-"
        old_ratio = f"{old['ratio']:.2f}x" if old.get("ratio") is not None else "-"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        lines.append(f"{r.measure:<{width}}  {_fmt(old['value']):>10}  {_fmt(r.value):>10}  {change:>8}  "
                     f"{old_ratio:>12}  {ratio:>9}")
    return "\n".join(lines)
