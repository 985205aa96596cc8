"""LiveTokens.lookup: a token written after the snapshot is found by re-reading the changed store, once per miss
interval for every miss waiting at the same time; garbage never causes a re-read."""

from __future__ import annotations

import asyncio

from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore

KEY = "live-tests-master-key"


class CountingTokens(LiveTokens):
    """LiveTokens that counts its looks at the store."""

    rereads = 0

    def refresh(self, force: bool = False) -> bool:
        self.rereads += 1
        return super().refresh(force)


async def test_a_token_written_after_the_snapshot_is_found_on_its_first_lookup(tmp_path):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    live = LiveTokens(store)
    live.refresh(force=True)
    record, token = store.generate(scope="write")
    assert live.verify(token) is None  # the snapshot predates it
    assert await live.lookup(token) == record


async def test_concurrent_misses_share_one_reread_and_garbage_causes_none(tmp_path):
    store = TokenStore(tmp_path / "tokens.json", KEY)
    live = CountingTokens(store, miss_interval=5.0)
    live.refresh(force=True)
    _, token = store.generate()
    found = await asyncio.gather(*(live.lookup(token) for _ in range(50)))
    assert all(r is not None for r in found) and live.rereads == 2  # start-up, then one for the fifty misses
    store.generate()  # the store changes, but nothing that is not a token gives a reason to look
    assert [await live.lookup(v) for v in ("garbage", "Bearer x", "alecs_zz")] == [None] * 3
    assert live.rereads == 2
