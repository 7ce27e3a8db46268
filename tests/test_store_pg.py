"""What only the PostgreSQL store has to prove: several workers share it safely — the catalog loads
once, limits and duplicate updates are counted across workers, migrations run once (that an
acknowledged rating survives a killed writer is tested on both backends in test_store.py). A real server (tests/conftest.py), skipped without one."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from core.errors import RateLimited
from core.store.postgres import PG_MIGRATIONS, PG_SCHEMA_VERSION, PgStore


class _Slot:
    def __init__(self):
        self.released = False

    def release(self):
        self.released = True


async def test_workers_starting_together_load_the_catalog_once(pg_url, monkeypatch):
    from core.music.catalog import bundled_tracks
    from core.service.catalog import load_catalog

    loads = []
    from core.store.postgres import PgTracks

    original = PgTracks.upsert_tracks

    async def counted(self, rows, *args, **kwargs):
        loads.append(1)
        return await original(self, rows, *args, **kwargs)

    monkeypatch.setattr(PgTracks, "upsert_tracks", counted)
    stores = [await PgStore(pg_url).open() for _ in range(3)]
    try:
        catalogs = await asyncio.gather(*(load_catalog(s) for s in stores))
        assert len(loads) == 1
        assert {len(c) for c in catalogs} == {len(bundled_tracks())}
        assert await stores[0].tracks.count_tracks() == len(bundled_tracks())
    finally:
        for s in stores:
            await s.close()


async def test_limits_are_shared_between_workers(pg_url):
    """Two workers (two stores) see one person's photos and one chat's photos in flight together."""
    a, b = await PgStore(pg_url).open(), await PgStore(pg_url).open()
    la, lb = a.shared_limits(6), b.shared_limits(6)
    try:
        for i in range(3):  # ann's three photos a minute, spread over both workers
            await (la if i % 2 else lb).admit(user="ann", chat=f"c{i}", per_minute=3, chat_cap=5, reserve=_Slot)
        with pytest.raises(RateLimited) as err:
            await lb.admit(user="ann", chat="c9", per_minute=3, chat_cap=5, reserve=_Slot)
        assert err.value.kind == "person_limit"
        first = await la.admit(user="bo", chat="g", per_minute=9, chat_cap=2, reserve=_Slot)
        await lb.admit(user="cy", chat="g", per_minute=9, chat_cap=2, reserve=_Slot)
        with pytest.raises(RateLimited) as err:
            await la.admit(user="di", chat="g", per_minute=9, chat_cap=2, reserve=_Slot)
        assert err.value.kind == "chat_busy"
        await lb.release(first)  # released on the other worker: the place is free for everyone
        await la.admit(user="di", chat="g", per_minute=9, chat_cap=2, reserve=_Slot)

        def busy():
            from core.reading.pipeline import PipelineBusy

            raise PipelineBusy()

        with pytest.raises(Exception):
            await la.admit(user="ed", chat="h", per_minute=1, chat_cap=2, reserve=busy)
        await lb.admit(user="ed", chat="h", per_minute=1, chat_cap=2, reserve=_Slot)  # the refusal cost nothing
        assert [await la.first_delivery("telegram", 7), await lb.first_delivery("telegram", 7), await lb.first_delivery("telegram", 8)] \
            == [True, False, True]
    finally:
        await a.close()
        await b.close()


async def test_an_older_schema_is_migrated_once_and_a_newer_one_refused(pg_url):
    con = await asyncpg.connect(pg_url)
    await con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    await con.execute(PG_MIGRATIONS[1])
    await con.execute("INSERT INTO schema_version VALUES (1)")
    await con.execute("""INSERT INTO ratings("user", track, recommendation, score, created_at) VALUES ('ann', 't', NULL, 1, 0)""")
    await con.close()
    stores = await asyncio.gather(*(PgStore(pg_url).open() for _ in range(3)))  # three workers start together
    try:
        assert await stores[0].schema_version() == PG_SCHEMA_VERSION
        assert [r.track for r in await stores[1].ratings.ratings_of("ann")] == ["t"]
        assert await stores[0].shared_limits(6).first_delivery("telegram", 1)
    finally:
        for s in stores:
            await s.close()
    con = await asyncpg.connect(pg_url)
    await con.execute("INSERT INTO schema_version VALUES ($1)", PG_SCHEMA_VERSION + 1)
    await con.close()
    with pytest.raises(RuntimeError, match="newer than this Moodtune"):
        await PgStore(pg_url).open()


async def test_deezers_rate_is_kept_across_workers(pg_url):
    """Two workers share Deezer's ~50 calls per 5 s: the 51st call in the window waits, whoever makes it."""
    a, b = await PgStore(pg_url).open(), await PgStore(pg_url).open()
    try:
        la, lb = a.shared_limits(6), b.shared_limits(6)
        waits = [await (la if k % 2 else lb).wait_for_turn("deezer", 50, 5.0) for k in range(50)]
        assert waits == [0.0] * 50
        assert 0 < await la.wait_for_turn("deezer", 50, 5.0) <= 5.0 and 0 < await lb.wait_for_turn("deezer", 50, 5.0) <= 5.0
    finally:
        await a.close()
        await b.close()


async def test_three_workers_keep_one_telegram_rate_together(pg_url):
    """Telegram's ~30 messages a second per bot, kept by three workers at once (here 10 a second,
    30 messages): together they take about two seconds, not a third of one."""
    import time

    from core.limits import take_turn

    stores = [await PgStore(pg_url).open() for _ in range(3)]
    try:
        limits = [s.shared_limits(6) for s in stores]
        t0 = time.monotonic()
        await asyncio.gather(*(take_turn(limits[k % 3], "telegram", 10, 1.0) for k in range(30)))
        assert 1.8 <= time.monotonic() - t0 <= 6.0
    finally:
        for s in stores:
            await s.close()
