"""Generate the variable table of ansible/README.md from the role's meta/argument_specs.yml.

python ansible/gen_readme_vars.py          # rewrite the table in place
python ansible/gen_readme_vars.py --check  # exit 1 if the README's table is out of date (CI)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SPECS = HERE / "roles" / "alecs" / "meta" / "argument_specs.yml"
README = HERE / "README.md"
BEGIN = "<!-- BEGIN GENERATED VARIABLES (ansible/gen_readme_vars.py) -->"
END = "<!-- END GENERATED VARIABLES -->"


def _markup(text: str) -> str:
    """Ansible doc markup (C(x), I(x)) to Markdown, and escape table pipes."""
    text = re.sub(r"[CI]\(([^)]*)\)", r"`\1`", text)
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _default(opt: dict[str, Any]) -> str:
    if opt.get("required"):
        return "**required**"
    value = opt.get("default")
    if value is None:
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ("", [], {}):
        return f"`{value!r}`" if value == "" else f"`{value}`"
    return f"`{value}`"


def _type(opt: dict[str, Any]) -> str:
    kind = str(opt.get("type", "str"))
    if kind == "list" and "elements" in opt:
        kind = f"list of {opt['elements']}"
    if "choices" in opt:
        kind += " (" + ", ".join(f"`{c!r}`" if c == "" else f"`{c}`" for c in opt["choices"]) + ")"
    return kind


def render_table(specs_path: Path = SPECS) -> str:
    spec = yaml.safe_load(specs_path.read_text())["argument_specs"]["main"]["options"]
    lines = ["| Variable | Type | Default | Description |", "|---|---|---|---|"]
    for name in sorted(spec):
        opt = spec[name]
        desc = opt.get("description", "")
        if isinstance(desc, list):
            desc = " ".join(desc)
        if opt.get("no_log"):
            desc += " (secret: never logged)"
        lines.append(f"| `{name}` | {_type(opt)} | {_default(opt)} | {_markup(str(desc))} |")
    return "\n".join(lines) + "\n"


def render_readme(readme: str, table: str) -> str:
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n" + table + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if README.md is out of date")
    args = parser.parse_args(argv)
    current = README.read_text()
    wanted = render_readme(current, render_table())
    if args.check:
        if current != wanted:
            print("ansible/README.md: variable table is out of date; run python ansible/gen_readme_vars.py")
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
