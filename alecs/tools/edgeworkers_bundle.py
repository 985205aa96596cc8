"""Reading an EdgeWorkers code bundle from the server's disk, safely, and checking it before upload.

Only the exact file the user names is read: an absolute path to a regular `.tgz` file, never a symbolic
link, device, FIFO or directory. The bundle is checked in memory (gzip, tar, `main.js`, `bundle.json` with
an `edgeworker-version`); nothing is ever extracted to disk.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from alecs.errors import ToolInputError

MAX_BUNDLE_BYTES = 5 * 1024 * 1024  # compressed; Akamai enforces its own, tier-dependent limits
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
SUFFIXES = (".tgz", ".tar.gz")
REQUIRED = ("main.js", "bundle.json")
CONTENT_TYPE = "application/gzip"


@dataclass(frozen=True)
class Bundle:
    """A checked code bundle: its bytes, the files it holds and its bundle.json."""

    path: str
    data: bytes
    files: tuple[str, ...]
    manifest: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """What the assistant is told about the bundle that was sent."""
        return {"path": self.path, "bytes": len(self.data), "files": list(self.files[:50]),
                "edgeworkerVersion": self.manifest.get("edgeworker-version"),
                "description": self.manifest.get("description")}


def _checked_path(path: str) -> str:
    if not path or "\x00" in path:
        raise ToolInputError("bundlePath must name a file.")
    if not os.path.isabs(path):
        raise ToolInputError(f"bundlePath must be an absolute path to a .tgz file, not {path!r}.")
    if not path.lower().endswith(SUFFIXES):
        raise ToolInputError(f"{path} is not a .tgz file: name a gzip tarball (.tgz or .tar.gz).")
    return path


def _read_exactly(path: str) -> bytes:
    """The bytes of `path`, refusing anything but a regular file (no symlink is followed)."""
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        raise ToolInputError(f"No file at {path}.") from None
    except OSError as exc:
        raise ToolInputError(f"Cannot read {path}: {exc.strerror}.") from None
    if stat.S_ISLNK(before.st_mode):
        raise ToolInputError(f"{path} is a symbolic link; name the bundle file itself.")
    if not stat.S_ISREG(before.st_mode):
        raise ToolInputError(f"{path} is not a regular file.")
    if before.st_size > MAX_BUNDLE_BYTES:
        raise ToolInputError(f"{path} is {before.st_size} bytes; a code bundle may be at most {MAX_BUNDLE_BYTES}.")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ToolInputError(f"Cannot read {path}: {exc.strerror}.") from None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise ToolInputError(f"{path} changed while it was being opened; try again.")
        data = handle.read(MAX_BUNDLE_BYTES + 1)
    if len(data) > MAX_BUNDLE_BYTES:
        raise ToolInputError(f"{path} is larger than {MAX_BUNDLE_BYTES} bytes.")
    return data


def _unpack(path: str, data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        raise ToolInputError(f"{path} is not gzip-compressed; build it with `tar -czf bundle.tgz main.js bundle.json`.")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(data, MAX_UNPACKED_BYTES + 1)
    except zlib.error:
        raise ToolInputError(f"{path} is not a valid gzip file.") from None
    if len(raw) > MAX_UNPACKED_BYTES or inflater.unconsumed_tail:
        raise ToolInputError(f"{path} unpacks to more than {MAX_UNPACKED_BYTES} bytes.")
    return raw


def check_bundle(path: str, data: bytes) -> Bundle:
    """Checks a gzip tarball in memory: it must hold main.js and a bundle.json with an edgeworker-version."""
    raw = _unpack(path, data)
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            members = {str(PurePath(m.name)): m for m in tar.getmembers()}
            missing = [name for name in REQUIRED if name not in members or not members[name].isfile()]
            if missing:
                raise ToolInputError(f"{path} has no {' or '.join(missing)} at the top level of the tarball.")
            handle = tar.extractfile(members["bundle.json"])
            text = handle.read() if handle is not None else b""
    except tarfile.TarError:
        raise ToolInputError(f"{path} is gzip but not a tar archive.") from None
    try:
        manifest = json.loads(text)
    except ValueError:
        raise ToolInputError(f"bundle.json in {path} is not valid JSON.") from None
    if not isinstance(manifest, dict) or not str(manifest.get("edgeworker-version") or "").strip():
        raise ToolInputError(f"bundle.json in {path} needs an \"edgeworker-version\", e.g. {{\"edgeworker-version\": "
                             "\"1.0.0\"}.")
    return Bundle(path, data, tuple(sorted(n for n, m in members.items() if m.isfile())), manifest)


def _confine(path: str, root: str | None, remote: bool) -> None:
    """Remote callers may only name files inside the operator's upload folder (ALECS_UPLOAD_DIR)."""
    if root is None:
        if remote:
            raise ToolInputError("Reading bundles from the server's disk is off for remote sessions: the operator "
                                 "sets ALECS_UPLOAD_DIR to the folder bundles may be read from.")
        return
    real_root = os.path.realpath(root)
    folder = os.path.realpath(os.path.dirname(path))
    if os.path.commonpath([real_root, folder]) != real_root:
        raise ToolInputError(f"bundlePath must be inside the upload folder {root}.")


def read_bundle(path: str, upload_dir: str | None = None, remote: bool = False) -> Bundle:
    """Reads and checks the bundle the user named; raises ToolInputError saying what is wrong."""
    checked = _checked_path(path)
    _confine(checked, upload_dir, remote)
    return check_bundle(checked, _read_exactly(checked))
