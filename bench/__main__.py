"""Run every measure side by side on loopback, print the table, write it as JSON (`python -m bench --help`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import launch, measures
from bench.harness import AlecsProcess, Sshd, tempdir
from bench.stats import Row, compare, table

MEASURES = ("efficiency", "validation", "launch", "overhead", "limits", "tunnel", "bulk", "startup", "load",
            "capacity")


async def run(plan: measures.Plan, workdir: Path, only: set[str]) -> list[Row]:
    rows: list[Row] = []
    if "efficiency" in only:
        rows += await measures.akamai_efficiency()
    if "validation" in only:
        rows += measures.request_validation(plan)
    if "launch" in only:
        rows += await launch.stdio_launches(workdir, plan.startups)
        rows += await launch.first_call(workdir, plan.startups)
    if not only - {"efficiency", "validation"}:
        return rows
    needs_ssh = bool(only & {"tunnel", "bulk", "startup"})
    if needs_ssh and not Sshd.available():
        print("bench: OpenSSH server not installed; tunnel, bulk and startup skipped", file=sys.stderr)
    alecs = AlecsProcess(workdir, measures.roomy_limits(max(1000, 2 * plan.load_sessions)))
    sshd = Sshd(workdir) if needs_ssh and Sshd.available() else None
    try:
        alecs.start()
        if sshd is not None:
            sshd.start()
        if "launch" in only:
            rows += await launch.websocket_ready(workdir, alecs.token, plan.startups)
        if "overhead" in only:
            rows += await measures.server_overhead(alecs, workdir, plan)
        if sshd is not None:
            if "tunnel" in only:
                rows += await measures.tunnel_overhead(alecs, sshd, plan)
            if "bulk" in only:
                rows += await measures.bulk_transfer(alecs, sshd, plan)
            if "startup" in only:
                rows += await measures.startup(alecs, sshd, plan)
        if "load" in only:
            rows += await measures.load(alecs, plan)
    finally:
        alecs.stop()
        if sshd is not None:
            sshd.stop()
    if "limits" in only:
        rows += await measures.limits_overhead(workdir, plan, alecs.token)
    if "capacity" in only:
        rows += await measures.capacity(workdir, plan, alecs.token)
    return rows


def _git() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10,
                             cwd=Path(__file__).parent)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts: checks the bench works (CI)")
    parser.add_argument("--out", default="bench/results/latest.json", help="where to write the JSON")
    parser.add_argument("--only", help=f"comma list of {','.join(MEASURES)} (default: all)")
    parser.add_argument("--compare", metavar="JSON", help="also print the change against an earlier run's JSON")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else set(MEASURES)
    if only - set(MEASURES):
        parser.error(f"unknown measure(s): {', '.join(sorted(only - set(MEASURES)))}")
    earlier: dict[str, Any] | None = json.loads(Path(args.compare).read_text()) if args.compare else None
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 5,000 sessions need ~10,000 descriptors
    plan = measures.Plan.smoke() if args.smoke else measures.Plan()
    started = time.time()
    with tempdir() as tmp:
        rows = asyncio.run(run(plan, Path(tmp), only))
    seconds = time.time() - started
    print(table(rows))
    if earlier is not None:
        print("\n" + compare(earlier["rows"], rows))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "started": started, "seconds": seconds, "smoke": args.smoke, "git": _git(), "plan": asdict(plan),
        "machine": {"python": platform.python_version(), "cpus": len(os.sched_getaffinity(0)),
                    "load_average": os.getloadavg()},
        "rows": [r.as_dict() for r in rows]}, indent=1))
    print(f"\n{len(rows)} rows written to {out} in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
