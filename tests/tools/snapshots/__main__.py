"""`python -m tests.tools.snapshots [--update]`: compare the live server with the snapshots, or rewrite them."""

from __future__ import annotations

import argparse
import sys

from tests.tools.snapshots import capture, files, stored, update


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.snapshots", description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite the snapshot files from a live server")
    args = parser.parse_args()
    if args.update:
        changed = update()
        print("changed: " + (", ".join(changed) if changed else "nothing"))
        return 0
    live, old = files(capture()), stored()
    differ = sorted(name for name in set(live) | set(old) if live.get(name) != old.get(name))
    print("differ: " + ", ".join(differ) if differ else "the live server matches the snapshots")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
