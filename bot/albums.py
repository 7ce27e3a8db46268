"""Albums arrive as separate updates (Telegram: one per photo, sharing `media_group_id`); they are
collected here until no new item has come for `quiet` seconds, then handed on together.

Memory stays bounded whatever arrives: at most `max_open` albums are being collected (past that,
an item is handed on alone at once) and at most `max_items` items are kept per album (Telegram's own
maximum is 10; more are dropped with a log line). Platform-neutral: keys and items are opaque.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Hashable

log = logging.getLogger(__name__)


class AlbumCollector:
    def __init__(self, on_complete: Callable[[Hashable, list[Any]], Awaitable[None]], *, quiet: float = 1.5,
                 max_items: int = 10, max_open: int = 1000):
        self.on_complete = on_complete
        self.quiet = quiet
        self.max_items = max_items
        self.max_open = max_open
        self._items: dict[Hashable, list[Any]] = {}
        self._timers: dict[Hashable, asyncio.Task] = {}
        self._running: set[asyncio.Task] = set()

    def add(self, key: Hashable, item: Any) -> None:
        """One item of album `key`; the album is handed on `quiet` s after its last item."""
        items = self._items.get(key)
        if items is None:
            if len(self._items) >= self.max_open:
                log.warning("%d albums open at once: handing an item on alone", len(self._items))
                self._spawn(self.on_complete(key, [item]))
                return
            items = self._items[key] = []
        if len(items) >= self.max_items:
            log.info("album %s: item beyond %d dropped", key, self.max_items)
            return
        items.append(item)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        self._timers[key] = asyncio.create_task(self._flush_later(key))

    async def _flush_later(self, key: Hashable) -> None:
        await asyncio.sleep(self.quiet)
        self._timers.pop(key, None)
        items = self._items.pop(key, [])
        if items:
            self._spawn(self.on_complete(key, items))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("answering an album failed", exc_info=task.exception())

    async def close(self, timeout: float) -> None:
        """Hand on what is being collected now and wait up to `timeout` s for the answers."""
        for key, timer in list(self._timers.items()):
            timer.cancel()
            items = self._items.pop(key, [])
            if items:
                self._spawn(self.on_complete(key, items))
        self._timers.clear()
        if self._running:
            await asyncio.wait(list(self._running), timeout=timeout or None)
