"""Reading an EdgeWorkers code bundle from the server's disk, safely, and checking it before upload.

Only the exact file the user names is read: an absolute path to a regular `.tgz` file, never a symbolic
link, device, FIFO or directory. Inside an upload folder (ALECS_UPLOAD_DIR) no step of the path may be a
symbolic link either: the file is opened step by step relative to the folder, each step with O_NOFOLLOW.
The bundle is checked in memory (gzip, tar, `main.js`, `bundle.json` with an `edgeworker-version`); nothing
is ever extracted to disk.
"""

from __future__ import annotations

import contextlib
import errno
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


OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # a FIFO must not block the open
OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _read_opened(fd: int, path: str) -> bytes:
    """The bytes of the file open on `fd` (which this closes), if it is a regular file of a bundle's size."""
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode):
        os.close(fd)
        raise ToolInputError(f"{path} is not a regular file.")
    with os.fdopen(fd, "rb") as handle:
        if opened.st_size > MAX_BUNDLE_BYTES:
            raise ToolInputError(f"{path} is {opened.st_size} bytes; a code bundle may be at most "
                                 f"{MAX_BUNDLE_BYTES}.")
        data = handle.read(MAX_BUNDLE_BYTES + 1)
    if len(data) > MAX_BUNDLE_BYTES:
        raise ToolInputError(f"{path} is larger than {MAX_BUNDLE_BYTES} bytes.")
    return data


def _refusal(path: str, exc: OSError, step: str, at: int | None = None) -> ToolInputError:
    """What the user is told when opening one step of `path` failed (`at`: the folder the step is in)."""
    if exc.errno == errno.ENOTDIR and at is not None:  # O_DIRECTORY | O_NOFOLLOW on a link fails this way
        with contextlib.suppress(OSError):
            if stat.S_ISLNK(os.stat(step, dir_fd=at, follow_symlinks=False).st_mode):
                return _refusal(path, OSError(errno.ELOOP, "symbolic link"), step)
    if exc.errno == errno.ELOOP:
        return ToolInputError(f"{path}: {step} is a symbolic link; name the bundle file itself.")
    if exc.errno == errno.ENOENT:
        return ToolInputError(f"No file at {path}.")
    if exc.errno == errno.ENOTDIR:
        return ToolInputError(f"{path}: {step} is not a folder.")
    return ToolInputError(f"Cannot read {path}: {exc.strerror}.")


def _read_local(path: str) -> bytes:
    """The local operator's own disk: the named file itself must be a regular file, not a symbolic link."""
    try:
        fd = os.open(path, OPEN_FILE)
    except OSError as exc:
        raise _refusal(path, exc, os.path.basename(path)) from None
    return _read_opened(fd, path)


def _read_inside(root: str, path: str) -> bytes:
    """A file inside the upload folder, opened one path step at a time relative to the folder before it, never
    following a symbolic link: what a name resolved to when it was checked is what is read (no check-then-open
    race, whatever is renamed or swapped meanwhile)."""
    folder = os.path.abspath(root)
    if not path.startswith(folder.rstrip(os.sep) + os.sep):
        raise ToolInputError(f"bundlePath must be inside the upload folder {root}.")
    steps = [step for step in path[len(folder):].split(os.sep) if step not in ("", ".")]
    if not steps or ".." in steps:
        raise ToolInputError(f"bundlePath must be inside the upload folder {root}, without '..'.")
    try:
        at = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # the operator's setting is trusted
    except OSError as exc:
        raise ToolInputError(f"The upload folder {root} cannot be opened: {exc.strerror}.") from None
    try:
        for step in steps[:-1]:
            try:
                inner = os.open(step, OPEN_FOLDER, dir_fd=at)
            except OSError as exc:
                raise _refusal(path, exc, step, at) from None
            os.close(at)
            at = inner
        try:
            fd = os.open(steps[-1], OPEN_FILE, dir_fd=at)
        except OSError as exc:
            raise _refusal(path, exc, steps[-1]) from None
    finally:
        os.close(at)
    return _read_opened(fd, path)


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


def read_bundle(path: str, upload_dir: str | None = None, remote: bool = False) -> Bundle:
    """Reads and checks the bundle the user named; raises ToolInputError saying what is wrong. With an upload
    folder (ALECS_UPLOAD_DIR) every caller is confined to it; without one, remote callers may read nothing."""
    checked = _checked_path(path)
    if upload_dir is not None:
        return check_bundle(checked, _read_inside(upload_dir, checked))
    if remote:
        raise ToolInputError("Reading bundles from the server's disk is off for remote sessions: the operator "
                             "sets ALECS_UPLOAD_DIR to the folder bundles may be read from.")
    return check_bundle(checked, _read_local(checked))
