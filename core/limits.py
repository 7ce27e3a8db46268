"""Per-person rate limits for incoming photos: a friendly 'slow down', never a silent drop.

A leaky bucket per key (aiolimiter, the same library python-telegram-bot uses for its own
limits): `allow(key)` takes a slot when one is free and returns False at once otherwise.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter


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
