"""Fair queueing of Akamai calls: round-robin across callers, budgets checked before a worker is taken.

Every call of every session goes through one `FairQueue`. Calls wait on the event loop, never in a worker thread:
a worker is taken only by a call whose account budget has room right now. Callers (token ids; "local" for stdio)
are served in turn, one call each, among those with a call that may go; and the last `reserve` workers go only to
callers with nothing in flight, so one caller's backlog delays another caller's first call by at most about one
call's time (normally not at all). A call whose budget would not have room within `max_wait` is refused at once
with the time to retry; a queued call that is still waiting for its budget at its deadline is refused then.
Cancelling the awaiting task takes a queued call out at once; a call already sent is abandoned (its answer is still
used to update the budget).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, Future
from typing import Any, Generic, TypeVar

from alecs.akamai.budget import Charge

log = logging.getLogger(__name__)
T = TypeVar("T")
ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]
Settled = Callable[[Any], tuple[int | None, Any]]  # a worker's result -> (HTTP status, headers) for the budget

QUEUED, RUNNING, DONE = "queued", "running", "done"


class Job(Generic[T]):
    """One call waiting for (or holding) a worker."""

    __slots__ = ("caller", "work", "charge", "future", "queued_at", "deadline", "state")

    def __init__(self, caller: str, work: Callable[[], T], charge: Charge | None, future: asyncio.Future[T],
                 now: float, deadline: float) -> None:
        self.caller, self.work, self.charge, self.future = caller, work, charge, future
        self.queued_at, self.deadline, self.state = now, deadline, QUEUED


class FairQueue:
    """Runs calls in an executor of `slots` workers, fairly across callers and within their account budgets."""

    def __init__(self, executor: Executor, slots: int, *, settled: Settled, reserve: int = 2,
                 max_wait: float = 20.0, progress_every: float = 1.0) -> None:
        self.executor, self.slots = executor, slots
        self.reserve = min(reserve, max(0, slots - 1))
        self.max_wait, self.progress_every = max_wait, progress_every
        self._settled = settled
        self._waiting: OrderedDict[str, deque[Job[Any]]] = OrderedDict()  # callers with queued calls, in turn order
        self._running: dict[str, int] = {}
        self._busy = 0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    # -- what tests and operators look at ---------------------------------------------------------------------------
    @property
    def queued(self) -> int:
        return sum(len(q) for q in self._waiting.values())

    @property
    def busy(self) -> int:
        return self._busy

    def queued_for(self, caller: str) -> int:
        return len(self._waiting.get(caller, ()))

    # -- the one entry point ----------------------------------------------------------------------------------------
    async def run(self, caller: str, work: Callable[[], T], charge: Charge | None = None,
                  progress: ProgressFn | None = None) -> T:
        """Run `work` in a worker when it is `caller`'s turn and `charge` fits its budget; returns its result."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if charge is not None:
            wait = charge.wait(now, self._backlog(caller, charge))
            if wait > self.max_wait:
                raise charge.refusal(wait, now)
        job: Job[T] = Job(caller, work, charge, loop.create_future(), now, now + self.max_wait)
        self._waiting.setdefault(caller, deque()).append(job)
        self._dispatch(loop)
        try:
            return await (job.future if progress is None else self._watch(job, progress))
        except asyncio.CancelledError:
            job.future.cancel()  # a call already sent is abandoned: its answer only informs the budget
            if job.state == QUEUED:
                self._withdraw(job)
                self._dispatch(loop)
            raise

    async def _watch(self, job: Job[T], progress: ProgressFn) -> T:
        """Await the job, telling the caller every `progress_every` seconds while it is still queued."""
        while True:
            done, _ = await asyncio.wait({job.future}, timeout=self.progress_every)
            if done:
                return job.future.result()
            if job.state == QUEUED:
                try:
                    await progress(*self._describe(job))
                except Exception:  # a client that cannot take progress still gets its answer
                    log.debug("progress notification not delivered", exc_info=True)

    def _describe(self, job: Job[Any]) -> tuple[float, float | None, str]:
        now = asyncio.get_running_loop().time()
        waited = now - job.queued_at
        if job.charge is not None and not job.charge.ready(now):
            left = min(job.charge.wait(now), max(0.0, job.deadline - now))
            blocker = job.charge.blocker(now)
            what = f"the {blocker.limit.api} rate limit" if blocker and blocker.limit else "Akamai to allow more"
            return waited, waited + left, f"Waiting for {what} (about {left:.0f} s)."
        return waited, None, f"Waiting for a free connection to Akamai ({self._busy} calls in flight)."

    # -- scheduling (all on the event loop) -------------------------------------------------------------------------
    def _dispatch(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        while self._busy < self.slots:
            job = self._next(now)
            if job is None:
                break
            self._start(job, loop, now)
        self._arm(loop, now)

    def _next(self, now: float) -> Job[Any] | None:
        """The first call that may go, taking callers in turn; refuses calls whose deadline passed."""
        crowded = self._busy >= self.slots - self.reserve
        for caller in list(self._waiting):
            if crowded and self._running.get(caller, 0) > 0:
                continue  # the reserved workers are for callers with nothing in flight
            queue = self._waiting[caller]
            for job in list(queue):
                if job.charge is None or job.charge.ready(now):
                    queue.remove(job)
                    if queue:
                        self._waiting.move_to_end(caller)
                    else:
                        del self._waiting[caller]
                    return job
                if now >= job.deadline:
                    self._withdraw(job)
                    job.state = DONE
                    if not job.future.done():
                        job.future.set_exception(job.charge.refusal(job.charge.wait(now), now))
        return None

    def _start(self, job: Job[Any], loop: asyncio.AbstractEventLoop, now: float) -> None:
        job.state = RUNNING
        self._busy += 1
        self._running[job.caller] = self._running.get(job.caller, 0) + 1
        if job.charge is not None:
            job.charge.take(now)
        try:
            running = self.executor.submit(job.work)
        except RuntimeError as exc:  # the executor was shut down (the client is closing)
            running = Future()
            running.set_exception(exc)
        running.add_done_callback(lambda f: self._back_to_loop(job, f, loop))

    def _back_to_loop(self, job: Job[Any], outcome: Future[Any], loop: asyncio.AbstractEventLoop) -> None:
        """In the worker: straight back to the loop (one loop turn, as a bare run_in_executor takes)."""
        try:
            loop.call_soon_threadsafe(self._finished, job, outcome, loop)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    def _finished(self, job: Job[Any], outcome: Future[Any], loop: asyncio.AbstractEventLoop) -> None:
        job.state = DONE
        self._busy -= 1
        left = self._running[job.caller] - 1
        if left:
            self._running[job.caller] = left
        else:
            del self._running[job.caller]
        error = outcome.exception() if not outcome.cancelled() else asyncio.CancelledError()
        if job.charge is not None:
            status, headers = (None, {}) if error is not None else self._settled(outcome.result())
            job.charge.settle(status, headers, loop.time())
        if not job.future.done():  # an abandoned (cancelled) call's answer only informs the budget
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(outcome.result())
        if self._waiting:
            self._dispatch(loop)

    def _withdraw(self, job: Job[Any]) -> None:
        queue = self._waiting.get(job.caller)
        if queue is not None and job in queue:
            queue.remove(job)
            if not queue:
                del self._waiting[job.caller]

    def _arm(self, loop: asyncio.AbstractEventLoop, now: float) -> None:
        """Wake up when the earliest budget-blocked call could go or reaches its deadline."""
        # A call held only by a probe (a call out to learn the budget) is woken by that call's answer instead.
        soonest = min((min(now + wait if wait > 0 else job.deadline, job.deadline)
                       for queue in self._waiting.values() for job in queue
                       if job.charge is not None and not job.charge.ready(now)
                       for wait in (job.charge.wait(now),)), default=None)
        if soonest is None:
            return
        soonest = max(soonest, now + 0.001)
        if self._timer is not None and not self._timer.cancelled() and self._timer_at <= soonest:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = soonest
        self._timer = loop.call_at(soonest, self._wake, loop)

    def _wake(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        self._dispatch(loop)

    def _backlog(self, caller: str, charge: Charge) -> dict[int, float]:
        """Tokens that turn-taking would grant before a new call of `caller`, per bucket of `charge`."""
        ids = {id(b) for b, _ in charge.items}
        own = [job for job in self._waiting.get(caller, ()) if job.charge is not None]
        turns = len(own) + 1
        backlog: dict[int, float] = {}
        for who, queue in self._waiting.items():
            taken = 0
            for job in queue:
                if job.charge is None:
                    continue
                if who != caller and taken >= turns:
                    break
                taken += 1
                for bucket, cost in job.charge.items:
                    if id(bucket) in ids:
                        backlog[id(bucket)] = backlog.get(id(bucket), 0.0) + cost
        return backlog
