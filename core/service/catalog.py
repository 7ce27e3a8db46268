"""The catalog between the store and memory: the bundled catalog stored on first start (and again
when a release ships another), a person's CSV imported, the catalog loaded for ranking; and the
store's cache handed to the music domain's Spotify lookups as a narrow interface."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from core.music.catalog import Catalog, ImportReport, bundled_tracks, bundled_version, read_file, track_row
from core.store import Store


async def ensure_bundled(store: Store) -> int:
    """Load the bundled catalog on first start, and again when this release ships another one.

    Never over a --replace import; tracks a person imported on top of the bundled catalog stay.
    """
    source = await store.get_meta("catalog_source")
    if source is None or (source.startswith("bundled") and await store.get_meta("bundled_version") != bundled_version()):
        if source is not None:
            await store.tracks.delete_tracks(source="bundled")
        await store.tracks.upsert_tracks((track_row(t) for t in bundled_tracks()), source="bundled", keep_existing=source is not None)
        await store.set_meta("bundled_version", bundled_version())
        await store.set_meta("catalog_source", source or "bundled")
    return await store.tracks.count_tracks()


async def load_catalog(store: Store) -> Catalog:
    """The catalog the store holds, the bundled one stored first where needed (workers starting
    together: the first stores it, the others find it)."""
    async with store.exclusive("catalog"):
        await ensure_bundled(store)
    return Catalog.from_rows(await store.tracks.fetch_tracks())


async def import_csv(store: Store, path: Path, replace: bool = False) -> ImportReport:
    """Import a catalog CSV (plain or .gz; core.music.catalog.read_file) into the store: idempotent
    (rows keyed by Spotify id); `replace` makes the file the whole catalog."""
    tracks, reasons, missing_optional = read_file(path)
    await store.tracks.upsert_tracks((track_row(t) for t in tracks), source=path.name, replace=replace)
    before = await store.get_meta("catalog_source") or "bundled"
    # an import on top of a replaced catalog keeps it replaced: the bundled one must not come back
    source = f"import:{path.name}" if replace else ("bundled+import" if before.startswith("bundled") else before)
    await store.set_meta("catalog_source", source)
    return ImportReport(
        imported=len(tracks),
        skipped=sum(reasons.values()),
        skipped_reasons=dict(reasons),
        missing_optional=missing_optional,
        total=await store.tracks.count_tracks(),
    )


class StoreCache:
    """The store's key-value cache as core.music.spotify.Cache."""

    def __init__(self, store: Store):
        self._store = store

    async def get(self, key: str, max_age: float) -> Optional[Any]:
        return await self._store.cache_get(key, max_age)

    async def put(self, key: str, value: Any) -> None:
        await self._store.cache_put(key, value)
