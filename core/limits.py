"""Admission limits for incoming photos: a friendly 'slow down', never a silent drop.

Two implementations of one interface (`Limits`):
- `InProcessLimits` (SQLite, one process): a leaky bucket per person (aiolimiter, the library
  python-telegram-bot uses for its own limits) and a counter of photos in flight per chat.
- `core.store.postgres.PgLimits` (PostgreSQL): the same rules kept in the database, so N workers
  behind a load balancer admit as one bot would.

`admit()` checks the chat's share and the person's rate first, then takes a place in the local
analysis queue (`reserve`), and only then charges the person — a refusal costs nothing. It
returns a ticket to `release()` when the photo is answered. `first_delivery()` tells a
duplicate update (Telegram retries a webhook it thinks failed) from a new one. `wait_for_turn()`
(with `take_turn`) keeps a rate shared by every worker — Telegram's per-bot limits, Deezer's.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from aiolimiter import AsyncLimiter

from core.errors import RateLimited


@dataclass
class Ticket:
    """An admitted photo: its queue slot and what release() must undo."""

    slot: Any
    chat: str
    key: Any = None


class Limits(Protocol):
    async def admit(self, *, user: str, chat: str, per_minute: int, chat_cap: int, reserve: Callable[[], Any]) -> Ticket: ...

    async def release(self, ticket: Ticket) -> None: ...

    async def first_delivery(self, platform: str, update_id: int) -> bool: ...

    async def wait_for_turn(self, name: str, limit: int, window: float) -> float:
        """Seconds to wait before one more call to a rate-limited service shared by every worker
        (at most `limit` calls in any `window` seconds); 0 means go — and the call is counted."""
        ...


class PerKeyLimiter:
    def __init__(self, max_rate: float, period: float = 60.0, max_keys: int = 100_000):
        self.max_rate = max_rate
        self.period = period
        self.max_keys = max_keys
        self._buckets: dict[str, AsyncLimiter] = {}

    def has_capacity(self, key: str) -> bool:
        """Whether `allow(key)` would pass now (takes nothing)."""
        bucket = self._buckets.get(key)
        return bucket is None or bucket.has_capacity()

    async def allow(self, key: str) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:  # forget idle buckets rather than grow forever
                self._buckets = {k: b for k, b in self._buckets.items() if not b.has_capacity(b.max_rate)}
            bucket = self._buckets[key] = AsyncLimiter(self.max_rate, self.period)
        if not bucket.has_capacity():
            return False
        await bucket.acquire()
        return True


class InProcessLimits:
    """One process's limits (the SQLite default)."""

    SEEN = 10_000  # update ids remembered for duplicates: bounded memory

    def __init__(self, per_minute: int):
        self.limiter = PerKeyLimiter(per_minute, 60.0)
        self.in_flight: dict[str, int] = {}
        self._seen: OrderedDict[tuple[str, int], None] = OrderedDict()

    async def admit(self, *, user: str, chat: str, per_minute: int, chat_cap: int, reserve: Callable[[], Any]) -> Ticket:
        if self.in_flight.get(chat, 0) >= chat_cap:
            raise RateLimited("chat_busy")
        if not self.limiter.has_capacity(user):
            raise RateLimited("person_limit", per_minute=per_minute)
        slot = reserve()  # PipelineBusy when the queue is full: nothing charged yet
        self.in_flight[chat] = self.in_flight.get(chat, 0) + 1
        await self.limiter.allow(user)  # had capacity a moment ago: immediate
        return Ticket(slot, chat)

    async def release(self, ticket: Ticket) -> None:
        self.in_flight[ticket.chat] -= 1
        if not self.in_flight[ticket.chat]:
            del self.in_flight[ticket.chat]

    async def wait_for_turn(self, name: str, limit: int, window: float) -> float:
        """One process is all there is: the caller's own limiter keeps the rate (PTB's AIORateLimiter
        for Telegram, core.music.previews' for Deezer), so nothing is counted here."""
        return 0.0

    async def first_delivery(self, platform: str, update_id: int) -> bool:
        key = (platform, update_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self.SEEN:
            self._seen.popitem(last=False)
        return True


async def take_turn(limits: Limits, name: str, limit: int, window: float, max_wait: float = 30.0) -> None:
    """Wait until one more call under `name` keeps every worker together within `limit` calls per
    `window` seconds (Limits.wait_for_turn), then count it; gives up waiting after `max_wait` s."""
    waited = 0.0
    while waited < max_wait:
        wait = await limits.wait_for_turn(name, limit, window)
        if wait <= 0:
            return
        await asyncio.sleep(min(wait, window))
        waited += min(wait, window)
