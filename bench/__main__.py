"""Run every measure side by side, print the table, write it as JSON (`python -m bench --help`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import sys
import time
from pathlib import Path

from bench import measures
from bench.harness import AlecsProcess, Sshd, tempdir
from bench.stats import Row, table


async def run(plan: measures.Plan, workdir: Path, only: set[str] | None) -> list[Row]:
    rows: list[Row] = []

    def want(name: str) -> bool:
        return only is None or name in only

    if want("efficiency"):
        rows += await measures.akamai_efficiency()
    alecs = AlecsProcess(workdir).start()
    sshd = Sshd(workdir).start() if Sshd.available() else None
    try:
        direct = 0.0
        if want("overhead") or want("tunnel"):
            server_rows, direct = await measures.server_overhead(alecs, plan)
            rows += server_rows if want("overhead") else []
        if sshd is None and (want("tunnel") or want("bulk") or want("startup")):
            print("bench: OpenSSH server not installed; tunnel measures skipped", file=sys.stderr)
        elif sshd is not None:
            if want("tunnel"):
                rows += await measures.tunnel_overhead(alecs, sshd, direct, plan)
            if want("bulk"):
                rows += await measures.bulk_transfer(alecs, sshd, plan)
            if want("startup"):
                rows += await measures.startup(alecs, sshd, plan)
        if want("load"):
            rows += await measures.load(alecs, plan)
    finally:
        alecs.stop()
        if sshd is not None:
            sshd.stop()
    if want("capacity"):
        rows += await measures.capacity(workdir, plan)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts: checks the bench works (CI)")
    parser.add_argument("--out", default="bench/results/latest.json", help="where to write the JSON")
    parser.add_argument("--only", help="comma list: efficiency,overhead,tunnel,bulk,startup,load,capacity")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 5,000 sessions need ~10,000 descriptors
    plan = measures.Plan.smoke() if args.smoke else measures.Plan()
    started = time.time()
    with tempdir() as tmp:
        rows = asyncio.run(run(plan, Path(tmp), set(args.only.split(",")) if args.only else None))
    print(table(rows))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"started": started, "seconds": time.time() - started, "smoke": args.smoke,
                               "machine": {"python": platform.python_version(), "cpus": len(__import__("os").sched_getaffinity(0))},
                               "rows": [r.as_dict() for r in rows]}, indent=1))
    print(f"\nwritten to {out} in {time.time() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
