"""`python -m alecs.openapi build` writes the compiled index; `... build --check` fails when it would change."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from alecs.openapi import definitions

REGENERATE = "python -m alecs.openapi build"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m alecs.openapi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="regenerate alecs/openapi/index.json.xz from AKAMAI_OPENAPI_DIR")
    build_cmd.add_argument("--check", action="store_true",
                           help="build into a temporary folder and fail if the shipped index differs")
    args = parser.parse_args(argv)
    if not definitions.available():
        print(definitions.MISSING_HELP.format(dir=definitions.definitions_dir()), file=sys.stderr)
        return 2
    from alecs.openapi import build

    if not args.check:
        target, count = build.write()
        print(f"wrote {target} ({count} operations, {target.stat().st_size:,} bytes)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        count = build.write(Path(tmp))[1]
        stale = stale_files(Path(tmp), build.PACKAGE_DIR)
    if stale:
        print(f"The shipped OpenAPI index is out of date ({', '.join(stale)} differ from what "
              f"{definitions.definitions_dir()} gives). Regenerate it: {REGENERATE}", file=sys.stderr)
        return 1
    print(f"index up to date ({count} operations)")
    return 0


def stale_files(fresh: Path, shipped: Path) -> list[str]:
    """The generated files whose shipped copy differs from the fresh build (or is missing)."""
    from alecs.openapi.build import NOTICE_FILE
    from alecs.openapi.index import INDEX_FILE

    return [name for name in (INDEX_FILE, NOTICE_FILE)
            if not (shipped / name).exists() or (shipped / name).read_bytes() != (fresh / name).read_bytes()]


if __name__ == "__main__":
    sys.exit(main())
