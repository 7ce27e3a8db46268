"""'typing…' and other courtesies, sent without waiting for them.

In a busy group a platform's rate limit can hold a chat action for seconds; a handler awaiting it
would hold a worker every other chat needs. So a courtesy runs on its own, its failure is only
logged, and past MAX_PENDING still waiting the next ones are skipped (memory stays bounded).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

MAX_PENDING = 64
_pending: set[asyncio.Task] = set()


def courtesy(make: Callable[[], Awaitable[object]], what: str) -> None:
    """Start `make()` in the background unless too many courtesies are already waiting."""
    if len(_pending) >= MAX_PENDING:
        return

    async def run() -> None:
        try:
            await make()
        except Exception as exc:  # noqa: BLE001 — a courtesy never fails the answer
            log.debug("%s not sent: %s", what, exc)

    task = asyncio.create_task(run())
    _pending.add(task)
    task.add_done_callback(_pending.discard)
