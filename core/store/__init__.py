"""Moodtune's data: one interface (`Store`, core.store.base), plain records (core.store.records),
and two backends — a SQLite file (core.store.sqlite) for one machine, PostgreSQL
(core.store.postgres) for several workers. `open_store(MOODTUNE_DB)` picks one by its URL.

Schema versions: each backend counts its own migrations (SQLite in `PRAGMA user_version`,
PostgreSQL in a `schema_version` table) because they began at different points — PostgreSQL's
version 1 already holds what SQLite reached in four steps. docs/SCALING.md has the table of what each
version holds on each backend.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import StoreBusy
from core.store.base import Store, StoreLifecycle
from core.store.records import TRACK_FIELDS, ChatSettings, MoodRating, PhotoReading, Rating, StoredRecommendation

__all__ = ["Store", "StoreBusy", "StoreLifecycle", "SqliteStore", "open_store", "TRACK_FIELDS", "ChatSettings", "MoodRating",
           "PhotoReading", "Rating", "StoredRecommendation"]


def __getattr__(name: str):
    """The SQLite backend on first use: importing the records (the music domain does) loads no driver."""
    if name == "SqliteStore":
        from core.store.sqlite import SqliteStore

        return SqliteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


async def open_store(target: "Path | str") -> Store:
    """The store for MOODTUNE_DB: a SQLite file, or PostgreSQL for a postgresql:// URL (opened)."""
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        from core.store.postgres import PgStore

        return await PgStore(target).open()
    from core.store.sqlite import SqliteStore

    return await SqliteStore(target).open()
