"""The compiled index: regenerated in CI and equal to the shipped one, small, attributed, in the wheel, and never
loaded when `alecs serve` starts."""

from __future__ import annotations

import json
import lzma
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from alecs.openapi import __main__ as cli
from alecs.openapi import build
from alecs.openapi.index import INDEX_FILE
from alecs.tools import presend
from tests import openapi_defs
from tests.openapi.rig import needs_definitions
from tests.openapi_defs import REPO

PACKAGE = REPO / "alecs" / "openapi"


@needs_definitions
def test_the_shipped_index_is_what_the_definitions_give() -> None:
    proc = subprocess.run([sys.executable, "-m", "alecs.openapi", "build", "--check"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "index up to date" in proc.stdout


def test_a_stale_index_fails_the_check_naming_the_command_that_regenerates_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    tiny = {"format": build.FORMAT, "apis": [], "operations": [], "excluded": {}}
    monkeypatch.setattr(build, "build", lambda: tiny)
    monkeypatch.setattr(cli.definitions, "available", lambda: True)
    monkeypatch.setattr(build, "PACKAGE_DIR", shipped)
    assert cli.main(["build"]) == 0 and (shipped / INDEX_FILE).exists() and (shipped / "NOTICE").exists()
    assert cli.main(["build", "--check"]) == 0
    (shipped / INDEX_FILE).write_bytes(build.encode(tiny | {"format": 0}))
    assert cli.main(["build", "--check"]) == 1
    assert "Regenerate it: python -m alecs.openapi build" in capsys.readouterr().err


def test_the_index_is_small_and_carries_the_definitions_notice() -> None:
    blob = (PACKAGE / INDEX_FILE).read_bytes()
    assert len(blob) < 3 * 2**20
    data = json.loads(lzma.decompress(blob))
    assert len(data["operations"]) > 1500 and len(data["apis"]) > 50
    notice = (PACKAGE / "NOTICE").read_text()
    assert "Apache License" in notice and "Akamai" in notice and INDEX_FILE in notice
    assert set(data["excluded"]) == {"netstorage-usage-api", "edge-data-stream/v1"}


def test_the_index_and_its_notice_are_in_the_wheel(tmp_path: Path) -> None:
    source = tmp_path / "src"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split()
    for name in files:
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                           "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheel = next((tmp_path / "dist").glob("alecs-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"alecs/openapi/{INDEX_FILE}", "alecs/openapi/NOTICE"} <= names


def test_serve_loads_the_index_only_in_the_warm_up_that_follows_the_first_tools_list(tmp_path: Path) -> None:
    """`alecs serve` as a client drives it: start-up and the first answers import nothing of alecs.openapi; the
    checker is loaded by the warm-up (its log line comes before every import of it), and the call that follows
    works. stderr carries `-X importtime` and the debug log in the order they happened."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    with (tmp_path / "stderr").open("w+b") as err:
        proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "alecs", "serve", "--sandbox",
                                 "--log-level", "debug"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err)
        assert proc.stdin is not None and proc.stdout is not None

        def exchange(*lines: str) -> dict[str, Any]:
            for line in lines:
                proc.stdin.write(line.encode() + b"\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            return dict(json.loads(proc.stdout.readline()))  # type: ignore[union-attr]

        try:
            exchange('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
                     '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}')
            listed = exchange('{"jsonrpc":"2.0","method":"notifications/initialized"}',
                              '{"jsonrpc":"2.0","id":2,"method":"tools/list"}')
            called = exchange('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list-contracts",'
                              '"arguments":{}}}')
            proc.stdin.close()
            assert proc.wait(60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        err.seek(0)
        lines = err.read().decode().splitlines()
    names = {t["name"] for t in listed["result"]["tools"]}
    assert {"find-akamai-operations", "describe-akamai-operation", "call-akamai-operation"} <= names
    assert called["result"]["isError"] is False, called
    assert any(line.startswith("import time:") for line in lines), "importtime output missing"
    warming = next(i for i, line in enumerate(lines) if presend.WARMING in line)
    checker = [i for i, line in enumerate(lines) if line.startswith("import time:")
               and ("alecs.openapi" in line or "openapi_schema_validator" in line)]
    assert checker and min(checker) > warming


def test_the_conformance_checker_reads_the_definitions_through_the_package() -> None:
    from alecs.openapi import definitions

    assert openapi_defs.document is definitions.document
    assert openapi_defs.definitions_dir() == definitions.definitions_dir()
