"""The command line's operations that need the store only: each opens it, acts, and closes it,
without loading the reading pipeline."""

from __future__ import annotations

from core.music.catalog import ImportReport
from core.service.catalog import import_csv, load_catalog
from core.settings import Settings
from core.store import open_store


async def forget_person(settings: Settings, user: str) -> dict[str, int]:
    """`forget`: delete every row about the person."""
    store = await open_store(settings.db_path)
    try:
        return await store.forget(user)
    finally:
        await store.close()


async def import_catalog(settings: Settings, path, *, replace: bool = False) -> ImportReport:
    """`catalog import`: a catalog CSV into the store (core.service.catalog.import_csv)."""
    store = await open_store(settings.db_path)
    try:
        return await import_csv(store, path, replace=replace)
    finally:
        await store.close()


async def catalog_stats(settings: Settings) -> dict:
    """`catalog stats`: what the catalog in the store holds (core.music.catalog.Catalog.stats)."""
    store = await open_store(settings.db_path)
    try:
        return (await load_catalog(store)).stats()
    finally:
        await store.close()
