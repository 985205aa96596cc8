"""The token store: encrypted, keyed hashes only, mode 0600, atomic and locked across processes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore, TokenStoreError, default_store_path, parse_token
from tests.support.waiting import wait_until

KEY = "store-tests-master-key"
WRITER = """
import sys
from alecs.auth.tokens import TokenStore
store = TokenStore(sys.argv[1], sys.argv[2])
for i in range(int(sys.argv[3])):
    record, _ = store.generate(scope="read", description=f"{sys.argv[4]}-{i}")
    print(record.id, flush=True)
"""


def writer(path: Path, count: int, tag: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), KEY, str(count), tag], env=env,
                            stdout=subprocess.PIPE, text=True)


def test_concurrent_writers_in_several_processes_lose_nothing(tmp_path):
    path = tmp_path / "tokens.json"
    procs = [writer(path, 8, f"w{n}") for n in range(5)]
    ids = set()
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        ids |= set(out.split())
    records = TokenStore(path, KEY).records()
    assert len(ids) == 40 and {r.id for r in records} == ids
    assert {r.description for r in records} == {f"w{n}-{i}" for n in range(5) for i in range(8)}


def test_a_process_killed_mid_write_leaves_a_readable_store_with_every_finished_write(tmp_path):
    path = tmp_path / "tokens.json"
    proc = writer(path, 100000, "k")
    assert proc.stdout is not None
    done = [proc.stdout.readline().strip() for _ in range(5)]
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    done += rest.split()
    store = TokenStore(path, KEY)
    assert set(done) <= {r.id for r in store.records()}
    store.generate(scope="write")  # still writable; leftovers of the killed writer are cleaned up
    assert not list(tmp_path.glob(".tokens.json.*.tmp"))


def test_the_store_file_is_mode_0600_and_holds_no_token_and_no_plaintext_metadata(tmp_path):
    store = TokenStore(tmp_path / "sub" / "tokens.json", KEY)
    record, token = store.generate(scope="admin", description="very-secret-laptop", customers=["acme-prod"],
                                   toolsets=["purge"], known_toolsets={"purge"})
    store.revoke(record.id)
    text = store.path.read_text()
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    for secret in (token, token.split("_", 2)[2], record.id, record.id[4:], "very-secret-laptop", "acme-prod",
                   "purge", "admin", record.digest, "revoked"):
        assert secret not in text
    assert json.loads(text)["format"] == "alecs-token-store"


def test_a_wrong_master_key_is_a_clear_error(tmp_path):
    TokenStore(tmp_path / "tokens.json", KEY).generate()
    with pytest.raises(TokenStoreError, match="TOKEN_MASTER_KEY does not open the token store"):
        TokenStore(tmp_path / "tokens.json", "another-key").records()


def test_only_the_genuine_token_verifies_and_states_follow_revocation_and_expiry(tmp_path):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    record, token = store.generate(scope="write", customers=["a"])
    _, short = store.generate(expires_in_days=0.01 / 86400)
    live = LiveTokens(store)
    live.refresh()
    assert live.verify(token) == record and record.principal().customers == frozenset({"a"})
    token_id, secret = parse_token(token)
    forged = secret[:-1] + ("B" if secret.endswith("A") else "A")  # one character off, whatever the last one is
    assert live.verify(f"alecs_{token_id[4:]}_{forged}") is None and live.verify("garbage") is None
    wait_until(lambda: live.verify(short).state() == "expired", 5, "the 1 ms token to expire")
    store.revoke(record.id)
    assert live.refresh() and live.verify(token).state() == "revoked" and not live.valid(record.id)
    assert not live.refresh()  # unchanged file: nothing re-read


def test_rotation_keeps_settings_and_retires_the_old_token_after_the_overlap(tmp_path):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    old, _ = store.generate(scope="read", description="ci", customers=["x"], expires_in_days=30)
    new, token, retired = store.rotate(old.id, overlap_minutes=10)
    assert (new.scope, new.description, new.customers) == ("read", "ci", ("x",)) and new.id != old.id
    assert retired.state() == "active" and retired.expires <= time.time() + 601
    _, _, now_gone = store.rotate(new.id)
    assert now_gone.state() == "revoked"


def test_last_used_times_are_batched_and_persisted(tmp_path):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    record, _ = store.generate()
    live = LiveTokens(store)
    live.touch(record.id)
    assert store.records()[0].last_used is None
    live.flush()
    assert store.records()[0].last_used is not None


def test_the_default_store_path_is_the_state_directory_never_the_working_directory(tmp_path):
    assert default_store_path({"ALECS_TOKEN_STORE": "/x/t.json"}) == Path("/x/t.json")
    assert default_store_path({"STATE_DIRECTORY": "/var/lib/alecs:/other"}) == Path("/var/lib/alecs/tokens.json")
    assert default_store_path({"XDG_STATE_HOME": "/s"}) == Path("/s/alecs/tokens.json")
    assert default_store_path({}) == Path.home() / ".local" / "state" / "alecs" / "tokens.json"
