"""README commands as an operator types them: read from README.md, run one by one in bash on a terminal.

Each command runs in `bash -c` on a pseudo-terminal (ansible-vault and --ask-vault-pass read passwords from the
terminal); the environment a command leaves (`. .venv/bin/activate`, `export`) is carried to the next one, as in
one shell session. Password prompts are answered; nothing else is typed.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import re
import select
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Step:
    """One command line of a README code block, with the comment that follows it (if any)."""

    command: str
    comment: str

    def substituted(self, placeholder: str, value: str, named: str | None = None) -> str:
        """The command with `placeholder` replaced, allowed only where the README's comment says "replace <named>"
        (`named` defaults to the placeholder itself, e.g. "replace alecs_... with the token")."""
        if f"replace {named or placeholder}" not in self.comment or placeholder not in self.command:
            raise AssertionError(f"README does not say to replace {placeholder!r} in: {self.command}  # {self.comment}")
        return self.command.replace(placeholder, value)


def readme_steps(readme: Path, section: str, language: str = "bash", block: int = 0) -> list[Step]:
    """The lines of the `block`-th ```<language> block under the heading `section` (e.g. "## Deploy with Ansible"),
    up to the next heading of the same or a higher level."""
    level = len(section) - len(section.lstrip("#"))
    blocks: list[list[str]] = []
    inside, fenced = False, False
    for line in readme.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
            if inside and fenced and line == f"```{language}":
                blocks.append([])
            continue
        if not fenced and line.startswith("#"):
            depth = len(line) - len(line.lstrip("#"))
            if line == section:
                inside = True
            elif inside and depth <= level and line[depth:depth + 1] == " ":
                break
        elif inside and fenced and blocks and line.strip():
            blocks[-1].append(line)
    assert len(blocks) > block, f"no ```{language} block #{block} under {section!r} in {readme}"
    steps = []
    for line in blocks[block]:
        command, _, comment = line.partition("  # ")
        steps.append(Step(command.strip(), comment.strip()))
    return steps


@dataclass
class Typed:
    """What a command printed (stdout and stderr interleaved, as on a terminal) and how it exited."""

    command: str
    rc: int
    output: str


class OperatorMachine:
    """This machine as the operator's: their host names (an /etc/hosts with more lines) and their ~/.ssh.

    OpenSSH reads ~/.ssh from the passwd entry, not $HOME, so each command runs in a private mount namespace with
    the operator's files bind-mounted over /etc/hosts and ~/.ssh: the real ones are never touched, and nothing
    outside the command sees the change."""

    def __init__(self, hosts: dict[str, str], ssh_dir: Path, workdir: Path) -> None:
        self.hosts_file = workdir / "hosts"
        extra = "".join(f"{address} {name}\n" for name, address in hosts.items())
        self.hosts_file.write_text(Path("/etc/hosts").read_text() + extra)
        self.ssh_dir = ssh_dir
        self.real_ssh_dir = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".ssh"
        self.real_ssh_dir.mkdir(mode=0o700, exist_ok=True)

    def wrap(self, argv: list[str]) -> list[str]:
        """`argv` run in the operator's view of this machine."""
        mounts = 'mount --bind "$1" /etc/hosts && mount --bind "$2" "$3" && shift 3 && exec "$@"'
        return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", mounts, "sh",
                str(self.hosts_file), str(self.ssh_dir), str(self.real_ssh_dir), *argv]  # fmt: skip


class TerminalSession:
    """A bash session on a pseudo-terminal, one command at a time, keeping exported variables between them."""

    def __init__(self, machine: OperatorMachine, cwd: Path, env: dict[str, str], state_file: Path) -> None:
        self.machine, self.cwd, self.env, self.state_file = machine, cwd, dict(env), state_file

    def type(self, command: str, *, password: str | None = None, timeout: float = 900) -> Typed:
        script = f'{command}\n__rc=$?; env -0 > "{self.state_file}"; exit $__rc\n'
        master, slave = os.openpty()
        try:
            proc = subprocess.Popen(
                self.machine.wrap(["bash", "-c", script]), stdin=slave, stdout=slave, stderr=slave, cwd=self.cwd,
                env=self.env, start_new_session=True, preexec_fn=_take_terminal, close_fds=True,
            )  # fmt: skip
        finally:
            os.close(slave)
        try:
            output = _converse(master, proc, password, timeout, command)
        finally:
            os.close(master)
        if self.state_file.exists():
            pairs = (item.split("=", 1) for item in self.state_file.read_text().split("\0") if "=" in item)
            self.env = dict(pairs)
            self.state_file.unlink()
        return Typed(command, proc.returncode, output)

    def run(self, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """A command without a terminal (as from a script), in the session's environment."""
        return subprocess.run(self.machine.wrap(argv), cwd=self.cwd, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)  # fmt: skip


def _take_terminal() -> None:
    """In the child, after setsid: make the pty its controlling terminal (getpass opens /dev/tty)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _converse(master: int, proc: subprocess.Popen[bytes], password: str | None, timeout: float, what: str) -> str:
    chunks: list[str] = []
    answered_upto = 0
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait(10)
            raise AssertionError(f"`{what}` did not finish within {timeout:g} s:\n{''.join(chunks)[-4000:]}")
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every process holding the terminal is gone
                data = b""
            if not data:
                break
            chunks.append(data.decode(errors="replace"))
            text = "".join(chunks)
            prompt = _password_prompt(text, answered_upto)
            if prompt is not None:
                if password is None:
                    proc.kill()
                    raise AssertionError(f"`{what}` asked for a password nobody expected:\n{text[-2000:]}")
                os.write(master, password.encode() + b"\n")
                answered_upto = prompt
        elif proc.poll() is not None and not _readable(master):
            break
    proc.wait(30)
    return "".join(chunks).replace("\r\n", "\n")


def _password_prompt(text: str, after: int) -> int | None:
    """End of a not yet answered password prompt ("... password: ") at the end of the output, if any."""
    found = re.search(r"password:\s*$", text[after:], re.I)
    return after + found.end() if found else None


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def first_match(pattern: str, text: str, what: str) -> str:
    """The first match of `pattern` in `text`, or a failure naming `what`."""
    found = re.search(pattern, text)
    assert found, f"no {what} in:\n{text[-3000:]}"
    return found.group(0)

