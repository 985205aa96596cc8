"""Where the time goes: drive one call in a loop and sample the process that serves it with py-spy.

    python -m bench.profile server-call     # the alecs server answering tools/call (cached read)
    python -m bench.profile server-list     # the alecs server answering tools/list
    python -m bench.profile tunnel-call     # the alecs-tunnel process relaying tools/call over SSH

Needs py-spy (`pip install py-spy`) and, for the tunnel, OpenSSH's sshd. Samples only while a thread holds the GIL
(`--gil`), so the shares are of CPU spent in Python, not of waiting. Writes the raw samples next to the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import AlecsProcess, RawSession, Sshd, tempdir
from bench.measures import CALL, TunnelProcess
from bench.stats import median


def summarise(raw: Path, top: int) -> str:
    """Self and inclusive shares per function (py-spy's raw format: `frame;frame;... count` per line)."""
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    threads: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        if frames[0].startswith("thread"):
            threads[frames[0].split(": ")[-1]] += n
            frames = frames[1:]
        if frames:
            own[frames[-1]] += n
        for frame in set(frames):
            incl[frame] += n
    out = [f"{total} samples"]
    if len(threads) > 1:
        out += ["-- threads"] + [f"{100 * n / total:5.1f}% {t}" for t, n in threads.most_common()]
    out += ["-- self"] + [f"{100 * n / total:5.1f}% {f}" for f, n in own.most_common(top)]
    # asyncio tasks resumed from C show without the event loop's frames, so the roots' shares are understated
    out += ["-- inclusive"] + [f"{100 * n / total:5.1f}% {f}" for f, n in incl.most_common(top)]
    return "\n".join(out)


async def drive(target: str, seconds: float, out: Path, top: int) -> None:
    spy_bin = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy_bin).exists():
        raise SystemExit("py-spy not found: pip install py-spy")
    method, params = ("tools/list", {}) if target.endswith("list") else ("tools/call", CALL)
    with tempdir() as tmp:
        alecs = AlecsProcess(Path(tmp)).start()
        sshd = Sshd(Path(tmp)) if target.startswith("tunnel") else None
        tunnel: TunnelProcess | None = None
        session: RawSession | None = None
        try:
            if sshd is not None:
                sshd.start()
                tunnel = await TunnelProcess.start(alecs, sshd)
                await tunnel.initialize()
                pid = tunnel.proc.pid
                call = tunnel.request
            else:
                session = await RawSession.open(alecs.url, alecs.token)
                assert alecs.proc is not None
                pid = alecs.proc.pid
                call = session.request
            for _ in range(20):
                await call(method, params)
            spy = subprocess.Popen([spy_bin, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "500",
                                    "-f", "raw", "-o", str(out), "--nonblocking", "--gil", "--threads"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times: list[float] = []
            deadline = time.monotonic() + seconds + 30
            while spy.poll() is None and time.monotonic() < deadline:
                t0 = time.perf_counter()
                await call(method, params)
                times.append((time.perf_counter() - t0) * 1000)
            if spy.poll() is None:
                spy.kill()
            spy.wait(10)
        finally:
            if session is not None:
                await session.close()
            if tunnel is not None:
                await tunnel.close()
            if sshd is not None:
                sshd.stop()
            alecs.stop()
    print(f"{target}: {len(times)} calls while sampling, median {median(times):.3f} ms (py-spy slows it)")
    print(summarise(out, top))
    print(f"raw samples: {out}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", choices=("server-call", "server-list", "tunnel-call", "tunnel-list"))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", help="raw samples file (default bench/results/profile-TARGET.txt)")
    args = parser.parse_args()
    out = Path(args.out or f"bench/results/profile-{args.target}.txt")
    out.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(drive(args.target, args.seconds, out, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
