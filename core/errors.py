"""The one error type a person is told about: what went wrong as a kind and its facts, never a
sentence. `bot.replies.error_text` words it; the core and the models stay free of chat wording.

A UserError is an expected outcome (a bad file, a limit, a list that is gone), logged at INFO
without a traceback; anything else reaching an adapter's error boundary is a bug.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """`kind` names what happened (a key of bot.replies.ERRORS); `params` are the facts the
    sentence needs; `detail` is for the log only."""

    kind = "unexpected"

    def __init__(self, kind: str | None = None, detail: str = "", **params: Any):
        self.kind = kind or type(self).kind
        self.params = params
        self.detail = detail
        facts = " ".join(f"{k}={v!r}" for k, v in params.items())
        super().__init__(" ".join(x for x in (self.kind, facts, detail) if x))


class RateLimited(UserError):
    kind = "rate_limited"


class NothingToDo(UserError):
    kind = "nothing_to_do"


class StoreBusy(RuntimeError):
    """The database could not take an operation in time (SQLite's file locked past its busy
    timeout, PostgreSQL's lock timeout, no connection free). Nothing was written; the chat adapters
    answer "try again in a moment" — the same on both backends (core.store raises it)."""


class StoreUnavailable(StoreBusy):
    """The database cannot be reached at all (PostgreSQL stopped or refusing connections; a SQLite
    file that cannot be opened, read or written). Nothing was written; the person is told the bot
    cannot reach its database and to try again in a minute (core.store.outage logs the outage once)."""
