"""Remote callers read EdgeWorkers bundles only from inside ALECS_UPLOAD_DIR, whatever happens on disk meanwhile."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import anyio
import pytest

from alecs.errors import ToolInputError
from alecs.principal import CURRENT, Principal
from alecs.sandbox.server import Sandbox
from alecs.services import Services
from alecs.tools.edgeworkers_bundle import read_bundle
from alecs.tools.registry import Registry
from tests.conformance.samples.edgeworkers import make_bundle
from tests.support.mcp import connect, make_server

RACES = 1000
CONCURRENT = 8


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    uploads, outside = tmp_path / "uploads", tmp_path / "outside"
    for base, version in ((uploads, "1.0.0-inside"), (outside, "6.6.6-outside")):
        (base / "team").mkdir(parents=True)
        make_bundle(base / "team", version).rename(base / "team" / "bundle.tgz")
    return uploads, outside


class Swapper(threading.Thread):
    """Swaps uploads/team between the real folder and a symbolic link to a folder outside, as fast as it can."""

    def __init__(self, uploads: Path, outside: Path) -> None:
        super().__init__(daemon=True)
        self.team, self.parked, self.link = uploads / "team", uploads / ".team-real", uploads / ".team-link"
        self.link.symlink_to(outside / "team", target_is_directory=True)
        self.stop = threading.Event()
        self.swaps = 0

    def run(self) -> None:
        while not self.stop.is_set():
            os.rename(self.team, self.parked)  # the real folder steps aside ...
            os.rename(self.link, self.team)  # ... a link to outside takes its name ...
            os.rename(self.team, self.link)
            os.rename(self.parked, self.team)  # ... and the real folder comes back
            self.swaps += 1


async def test_swapping_a_folder_for_a_symlink_never_lets_a_bundle_be_read_from_outside(
        fresh_sandbox: Sandbox, registry: Registry, tmp_path: Path) -> None:
    uploads, outside = _folders(tmp_path)
    inside_bytes = (uploads / "team" / "bundle.tgz").read_bytes()
    outside_bytes = (outside / "team" / "bundle.tgz").read_bytes()
    server = make_server(fresh_sandbox, registry, services=Services(upload_dir=str(uploads)))
    outcomes: dict[str, int] = {"sent": 0, "refused": 0, "internal": 0}
    args = {"edgeWorkerId": 4201, "bundlePath": str(uploads / "team" / "bundle.tgz")}
    swapper = Swapper(uploads, outside)
    token = CURRENT.set(Principal(token_id="tok_remote", scope="write"))
    try:
        async with connect(server) as client:
            fresh_sandbox.server.request_log.clear()
            swapper.start()
            limiter = anyio.Semaphore(CONCURRENT)

            async def upload() -> None:
                async with limiter:
                    result = await client.call_tool("upload-edgeworker-version", args)
                text = result.content[0].text  # type: ignore[union-attr]
                if not result.is_error or text.startswith("Akamai error"):  # 409: the version exists (sent)
                    outcomes["sent"] += 1
                else:
                    outcomes["internal" if text.startswith("Internal error") else "refused"] += 1

            async with anyio.create_task_group() as tg:
                for _ in range(RACES):
                    tg.start_soon(upload)
    finally:
        swapper.stop.set()
        swapper.join(10)
        CURRENT.reset(token)
        server.client.close()
    bodies = [r.body for r in fresh_sandbox.requests if r.path.endswith("/versions")]
    escaped = sum(1 for body in bodies if body == outside_bytes)
    assert escaped == 0, f"{escaped} of {RACES} uploads sent the bundle from outside the upload folder"
    assert all(body == inside_bytes for body in bodies)
    # The race really ran: the folder was swapped while calls were in flight, and both outcomes happened.
    assert swapper.swaps > 100 and outcomes["sent"] > 0 and outcomes["refused"] > 0, (swapper.swaps, outcomes)
    assert outcomes["internal"] == 0
    assert sum(outcomes.values()) == RACES


def _layout(tmp_path: Path) -> tuple[Path, dict[str, tuple[str, str | None]]]:
    uploads, outside = _folders(tmp_path)
    (uploads / "linked").symlink_to(outside / "team", target_is_directory=True)
    (uploads / "team" / "link.tgz").symlink_to(outside / "team" / "bundle.tgz")
    (uploads / "team" / "dir.tgz").mkdir()
    os.mkfifo(uploads / "team" / "pipe.tgz")
    (uploads / "team" / "deeper").mkdir()
    make_bundle(uploads / "team" / "deeper", "2.0.0")
    return uploads, {
        "a bundle in a subfolder": (f"{uploads}/team/bundle.tgz", None),
        "two levels down": (f"{uploads}/team/deeper/bundle-2.0.0.tgz", None),
        "a folder that is a symlink": (f"{uploads}/linked/bundle.tgz", "symbolic link"),
        "a file that is a symlink": (f"{uploads}/team/link.tgz", "symbolic link"),
        "dot-dot out of the folder": (f"{uploads}/team/../../outside/team/bundle.tgz", "inside the upload folder"),
        "dot-dot staying inside": (f"{uploads}/team/../team/bundle.tgz", "inside the upload folder"),
        "outside the folder": (f"{outside}/team/bundle.tgz", "inside the upload folder"),
        "a sibling with the same prefix": (f"{uploads}-evil/bundle.tgz", "inside the upload folder"),
        "a directory": (f"{uploads}/team/dir.tgz", "not a regular file"),
        "a fifo": (f"{uploads}/team/pipe.tgz", "not a regular file"),
        "missing": (f"{uploads}/team/nothing.tgz", "No file at"),
        "a file used as a folder": (f"{uploads}/team/bundle.tgz/x.tgz", "not a folder"),
    }


@pytest.mark.parametrize("case", ["a bundle in a subfolder", "two levels down", "a folder that is a symlink",
                                  "a file that is a symlink", "dot-dot out of the folder", "dot-dot staying inside",
                                  "outside the folder", "a sibling with the same prefix", "a directory", "a fifo",
                                  "missing", "a file used as a folder"])
def test_only_regular_files_reached_without_symlinks_inside_the_upload_folder_are_read(
        tmp_path: Path, case: str) -> None:
    uploads, cases = _layout(tmp_path)
    path, refusal = cases[case]
    if refusal is None:
        assert read_bundle(path, str(uploads), remote=True).manifest["edgeworker-version"] in ("1.0.0-inside",
                                                                                              "2.0.0")
        return
    with pytest.raises(ToolInputError) as refused:
        read_bundle(path, str(uploads), remote=True)
    assert refusal in str(refused.value)


def test_the_upload_folder_may_itself_be_reached_through_a_symlink(tmp_path: Path) -> None:
    uploads, _ = _folders(tmp_path)
    alias = tmp_path / "alias"
    alias.symlink_to(uploads, target_is_directory=True)  # the operator's own configuration is trusted
    assert read_bundle(f"{alias}/team/bundle.tgz", str(alias), remote=True).manifest["edgeworker-version"] == \
        "1.0.0-inside"
