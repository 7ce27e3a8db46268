"""Whether this process can reach its database, said once when that changes.

Every public store operation reports here (core.store.base.busy_when): a failure that means the
database is away — PostgreSQL stopped, restarting or refusing connections; a SQLite file that cannot
be opened, read or written (a full or read-only disk) — starts an outage with one WARNING; the first
success of an operation that failed during it ends the outage with one WARNING saying how long it
lasted and how many operations were refused (a read-only disk still answers reads: a read does not
end an outage of writes). In between, nothing more is logged: no traceback per reconnect attempt. `/healthz`
(bot.webhook) answers 503 while an outage lasts.
"""

from __future__ import annotations

import logging
import time
from typing import Optional

log = logging.getLogger("core.store")


class Outage:
    """One process's view of its database (`OUTAGE`, below)."""

    def __init__(self) -> None:
        self.since: Optional[float] = None
        self.refused = 0
        self.failing: set[str] = set()  # the operations that failed during this outage

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException, operation: str = "") -> None:
        self.refused += 1
        self.failing.add(operation)
        if self.since is None:
            self.since = time.monotonic()
            self.refused = 1
            log.warning("database unreachable: %s: %s — answering 'try again in a minute' until it is back",
                        type(exc).__name__, str(exc)[:200])

    def succeeded(self, operation: str = "") -> None:
        if self.since is not None and operation in self.failing:
            log.warning("database reachable again after %.0f s (%d operations refused meanwhile)",
                        time.monotonic() - self.since, self.refused)
            self.since = None
            self.refused = 0
            self.failing.clear()


OUTAGE = Outage()
