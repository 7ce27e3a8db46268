"""What the workers sharing one store coordinate: each update handled once, a registration done
once, and the platforms' per-bot rates shared (counted in the database on PostgreSQL; on SQLite the
one process's own limiter keeps them)."""

from __future__ import annotations

from core.limits import Limits, take_turn
from core.store import Store


class Workers:
    def __init__(self, store: Store, limits: Limits):
        self._store = store
        self._limits = limits

    async def first_delivery(self, platform: str, update_id: int) -> bool:
        """False when this update was handled already (by any worker sharing the store)."""
        return await self._limits.first_delivery(platform, update_id)

    async def register_once(self, name: str, fingerprint: str, register) -> bool:
        """Run `register()` (an async callable) unless the same `fingerprint` was registered under
        `name` already, by this or any worker; '' forgets it. True when it ran."""
        async with self._store.exclusive(name):
            if await self._store.get_meta(name) == fingerprint:
                return False
            if fingerprint:
                await register()
            await self._store.set_meta(name, fingerprint)
            return bool(fingerprint)

    async def take_turn(self, name: str, limit: int, window: float) -> None:
        """Wait for a turn under a rate shared by every worker: Telegram's per-bot limits."""
        await take_turn(self._limits, name, limit, window)
