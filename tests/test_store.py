"""The store: schema, ratings that replace, settings, forget, and ratings that survive a kill —
on both backends (SQLite, and a real PostgreSQL server started for the tests; skipped without one)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from core.store import SqliteStore
from core.store.sqlite import SCHEMA_VERSION
from tests.conftest import ROOT, user_row_count


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request, tmp_path):
    """The same tests run against each backend."""
    from core.store import open_store

    target = tmp_path / "db.sqlite3" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = await open_store(target)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def sqlite_store(tmp_path):
    async with SqliteStore(tmp_path / "db.sqlite3") as s:
        yield s


async def test_new_database_is_wal_and_versioned(sqlite_store):
    store = sqlite_store
    assert await store.schema_version() == SCHEMA_VERSION
    (mode,) = await (await store.db.execute("PRAGMA journal_mode")).fetchone()
    assert mode == "wal"


async def test_newer_schema_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "future.sqlite3"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(RuntimeError, match="newer than this Moodtune"):
        await SqliteStore(path).open()


async def test_a_locked_sqlite_file_says_busy_and_writes_nothing(tmp_path):
    """Another process holds the write lock past the busy timeout: StoreBusy, not a raw sqlite3 error."""
    from core.errors import StoreBusy

    path = tmp_path / "db.sqlite3"
    async with SqliteStore(path, busy_timeout_ms=200) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreBusy, match="locked"):
                await store.ratings.rate("alice", "t1", 1)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert await store.ratings.ratings_of("alice") == []
        await store.ratings.rate("alice", "t1", 1)  # the lock gone, the same write goes through
        assert len(await store.ratings.ratings_of("alice")) == 1


async def test_a_postgres_lock_timeout_says_busy(pg_url, monkeypatch):
    """A row locked by another transaction past the lock timeout: StoreBusy, and the rating is not half-written."""
    import asyncpg

    import core.store.postgres as pg
    from core.errors import StoreBusy

    monkeypatch.setattr(pg, "LOCK_TIMEOUT_MS", 300)
    async with pg.PgStore(pg_url) as store:
        await store.ratings.rate("alice", "t1", 1)
        holder = await asyncpg.connect(pg_url)
        try:
            tx = holder.transaction()
            await tx.start()
            await holder.execute("""SELECT * FROM ratings WHERE "user" = 'alice' FOR UPDATE""")
            with pytest.raises(StoreBusy):
                await store.ratings.rate("alice", "t1", -1)
            await tx.rollback()
        finally:
            await holder.close()
        assert [r.score for r in await store.ratings.ratings_of("alice")] == [1]


async def test_both_backends_implement_the_store_interface(store):
    from core.store import Store

    assert isinstance(store, Store)


async def test_rerating_replaces_the_earlier_rating(store):
    await store.ratings.rate("alice", "t1", 1)
    await store.ratings.rate("alice", "t1", -1)
    ratings = await store.ratings.ratings_of("alice")
    assert [(r.track, r.score) for r in ratings] == [("t1", -1)]


async def test_score_must_be_plus_or_minus_one(store):
    with pytest.raises(ValueError):
        await store.ratings.rate("alice", "t1", 5)


async def test_recently_suggested_counts_per_person_and_chat(store):
    for _ in range(2):
        await store.lists.add_recommendation(user="alice", chat="g", mood="happy", valence=0.8, arousal=0.4, mode="match", tracks=["a", "b"])
    await store.lists.add_recommendation(user="bob", chat=None, mood="sad", valence=-0.7, arousal=-0.4, mode="match", tracks=["c"])
    assert await store.lists.recently_suggested(user="alice", chat=None) == {"a": 2, "b": 2}
    assert await store.lists.recently_suggested(user=None, chat="g") == {"a": 2, "b": 2}
    assert await store.lists.recently_suggested(user="bob", chat=None) == {"c": 1}


async def test_settings_merge(store):
    await store.people.set_settings("user", "alice", mode="shift", target="calm")
    s = await store.people.set_settings("user", "alice", list_length=7)
    assert (s.mode, s.target, s.list_length) == ("shift", "calm", 7)
    assert (await store.people.get_settings("chat", "nobody")).mode is None


async def test_forget_deletes_every_row_about_the_person_and_only_them(store):
    rec = await store.lists.add_recommendation(user="alice", chat="g", mood="happy", valence=0.8, arousal=0.4, mode="match", tracks=["a"])
    await store.ratings.rate("alice", "a", 1, rec)
    await store.people.set_settings("user", "alice", mode="shift")
    await store.ratings.rate("bob", "a", -1)
    reading = await store.readings.add_photo_reading(chat="g", user="alice", label="sad", valence=-0.7, arousal=-0.4, confidence=0.5)
    await store.readings.add_correction(reading=reading, user="alice", chat="g", said="sad", chosen="calm")
    await store.people.mute_artist("alice", "abba", "ABBA")
    await store.accounts.put_link("alice", b"encrypted refresh token")
    await store.accounts.add_sign_in(state="s1", user="alice", chat="g", platform="telegram", recommendation=rec, verifier=b"v")
    await store.accounts.put_link("bob", b"bob's")
    counts = await store.forget("alice")
    assert counts == {"ratings": 1, "recommendations": 1, "settings": 1, "photos": 1, "corrections": 1, "muted": 1, "spotify": 1,
                      "sign_ins": 1}
    assert await user_row_count(store, "alice") == 0
    assert await store.lists.recommendation_tracks(rec) == []  # the list's rows went with it
    assert [r.user for r in await store.ratings.ratings_of("bob")] == ["bob"]
    assert await store.accounts.get_link("bob") == b"bob's" and await store.accounts.take_sign_in("s1") is None


async def test_a_correction_is_kept_and_shown_on_its_reading(store):
    reading = await store.readings.add_photo_reading(chat="g", user="ann", label="sad", valence=-0.7, arousal=-0.4, confidence=0.5,
                                            alternatives=["fear", "neutral", "calm"])
    rec = await store.lists.add_recommendation(user="ann", chat="g", mood="sad", valence=-0.7, arousal=-0.4, mode="match", tracks=["a"],
                                         reading=reading)
    assert (await store.lists.get_recommendation(rec)).reading == reading
    assert (await store.readings.photo_reading(reading)).alternatives == ("fear", "neutral", "calm")
    await store.readings.add_correction(reading=reading, user="ann", chat="g", said="sad", chosen="calm")
    (shown,) = await store.readings.photo_history(user="ann")
    assert shown.label == "sad" and shown.corrected == "calm" and shown.id == reading
    assert await store.readings.corrections() == [("sad", "calm", 1)]


async def test_muted_artists_are_kept_per_person(store):
    await store.people.mute_artist("ann", "abba", "ABBA")
    await store.people.mute_artist("ann", "bruno mars", "Bruno Mars")
    await store.people.mute_artist("ann", "abba", "ABBA")  # muting twice keeps one
    assert await store.people.muted_artists("ann") == [("abba", "ABBA"), ("bruno mars", "Bruno Mars")]
    assert await store.people.muted_artists("bo") == []
    assert await store.people.unmute_artist("ann", "abba") and not await store.people.unmute_artist("ann", "abba")
    assert await store.people.muted_artists("ann") == [("bruno mars", "Bruno Mars")]


WRITER = """
import asyncio, sys
sys.path.insert(0, {root!r})
from core.store import open_store

async def main():
    store = await open_store({target!r})
    i = 0
    while True:
        await store.ratings.rate("user-%d" % (i % 7), "track-%d" % i, 1 if i % 2 else -1)
        print("ack", i, flush=True)   # acknowledged only after rate() returned
        i += 1

asyncio.run(main())
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_acknowledged_ratings_survive_a_killed_process(backend, request, tmp_path):
    from core.store import open_store

    target = str(tmp_path / "crash.sqlite3") if backend == "sqlite" else request.getfixturevalue("pg_url")
    await (await open_store(target)).close()  # the schema exists before the writer starts
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), target=target)], stdout=subprocess.PIPE, text=True)
    acked = []
    for line in proc.stdout:
        acked.append(int(line.split()[1]))
        if len(acked) >= 150:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = await open_store(target)
    try:
        stored = {r.track for k in range(7) for r in await store.ratings.ratings_of(f"user-{k}")}
    finally:
        await store.close()
    missing = [i for i in acked if f"track-{i}" not in stored]
    assert not missing, f"acknowledged but lost: {missing[:5]}"


async def test_a_version_1_database_is_migrated_in_place(tmp_path):
    from core.store.sqlite import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[1] + "\nPRAGMA user_version=1;")
    con.execute("INSERT INTO ratings(user, track, recommendation, score, created_at) VALUES ('ann', 't', NULL, 1, 0)")
    con.commit()
    con.close()
    async with SqliteStore(path) as store:
        assert await store.schema_version() == SCHEMA_VERSION
        assert [r.track for r in await store.ratings.ratings_of("ann")] == ["t"]  # data kept
        await store.readings.add_photo_reading(chat="g", user="ann", label="happy", valence=0.8, arousal=0.4, confidence=0.7)
        assert len(await store.readings.photo_readings("g", since=0)) == 1


async def test_messages_map_to_their_list(store):
    rec = await store.lists.add_recommendation(user="ann", chat="c", mood="calm", valence=0.5, arousal=-0.6, mode="match", tracks=["a", "b"])
    await store.lists.link_message("telegram", "c", "42", rec)
    assert await store.lists.message_recommendation("telegram", "c", "42") == rec
    assert await store.lists.message_recommendation("telegram", "c", "43") is None
    stored = await store.lists.get_recommendation(rec)
    assert stored.tracks == ["a", "b"] and stored.mood == "calm"


async def test_concurrent_writers_on_one_connection_all_land(store):
    """Chat handlers run concurrently and share the store: no write may be lost or collide."""
    await asyncio.gather(*(store.ratings.rate(f"u{i % 5}", f"t{i}", 1) for i in range(200)),
                         *(store.lists.add_recommendation(user="ann", chat="c", mood="calm", valence=0, arousal=0, mode="match", tracks=[f"x{i}"]) for i in range(50)))
    n = sum([len(await store.ratings.ratings_of(f"u{k}")) for k in range(5)])
    m = len(await store.lists.recently_suggested(user="ann", chat=None, limit=100))
    assert (n, m) == (200, 50)


async def test_a_version_2_database_gets_the_new_catalog_and_keeps_imports_and_ratings(tmp_path):
    """Upgrading Moodtune: the old bundled rows are replaced by the new catalog, a person's own
    imported tracks and ratings stay, and settings gain the explicit switch."""
    from core.music.catalog import bundled_version
    from core.service.catalog import load_catalog
    from core.store.sqlite import MIGRATIONS

    path = tmp_path / "v2.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[1] + MIGRATIONS[2] + "\nPRAGMA user_version=2;")
    old = "INSERT INTO tracks VALUES (?, ?, ?, 0.5, 0.5, 120, 1, 0.3, 0.5, 0, ?, NULL, 1990, ?)"
    con.execute(old, ("0" * 22, "Gone Song", "Old Bundled", 1.0, "bundled"))
    con.execute(old, ("1" * 22, "My Song", "Me", 0.2, "mine.csv"))
    con.execute("INSERT INTO meta VALUES ('catalog_source', 'bundled+import')")
    con.execute("INSERT INTO settings(scope, id, mode, target, list_length) VALUES ('chat', 'g', 'shift', 'calm', 7)")
    con.execute("INSERT INTO ratings(user, track, recommendation, score, created_at) VALUES ('ann', ?, NULL, 1, 0)", ("1" * 22,))
    con.commit()
    con.close()
    async with SqliteStore(path) as store:
        assert await store.schema_version() == SCHEMA_VERSION
        catalog = await load_catalog(store)
        assert catalog.get("0" * 22) is None and catalog.get("1" * 22).title == "My Song"
        assert len(catalog) > 100_000 and await store.get_meta("bundled_version") == bundled_version()
        assert (await store.people.get_settings("chat", "g")).list_length == 7
        assert (await store.people.set_settings("chat", "g", allow_explicit=True)).allow_explicit is True
        assert [r.track for r in await store.ratings.ratings_of("ann")] == ["1" * 22]


async def test_the_database_is_private_to_its_owner(tmp_path):
    """Ratings and readings are personal: the file is 0600 and a folder we create 0700."""
    import stat

    path = tmp_path / "new-folder" / "db.sqlite3"
    async with SqliteStore(path) as store:
        await store.ratings.rate("ann", "t", 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for extra in path.parent.glob("db.sqlite3-*"):  # WAL and shared-memory files follow the database
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0
    old = tmp_path / "old.sqlite3"
    old.touch(mode=0o644)
    async with SqliteStore(old):
        pass
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


async def test_history_is_the_last_readings_oldest_first_and_likes_count(store):
    for k in range(35):
        await store.readings.add_photo_reading(chat="g" if k % 2 else "dm", user="ann", label=f"l{k}", valence=0.1, arousal=0.2, confidence=0.5)
    await store.readings.add_photo_reading(chat="g", user="bo", label="bo", valence=0, arousal=0, confidence=0.5)
    mine = await store.readings.photo_history(user="ann")
    assert [r.label for r in mine] == [f"l{k}" for k in range(5, 35)]  # everywhere, the last 30, oldest first
    group = await store.readings.photo_history(chat="g", limit=3)
    assert [r.label for r in group] == ["l31", "l33", "bo"]
    rec = await store.lists.add_recommendation(user="ann", chat="g", mood="happy", valence=0.8, arousal=0.4, mode="match", tracks=["a", "b"])
    for user, track, score in (("ann", "a", 1), ("bo", "a", 1), ("bo", "b", -1), ("cy", "b", 1)):
        await store.ratings.rate(user, track, score, rec)
    assert await store.ratings.liked_tracks(chat="g") == [("a", 2)]
    assert await store.ratings.liked_tracks(user="bo") == [("a", 1)]
    await store.forget("ann")
    assert await store.readings.photo_history(user="ann") == []


async def test_the_collaborative_summary_follows_every_rating_rerating_and_forget(store):
    """mood_votes always equals the ratings summed per track and region (core.store.votes)."""
    from core.store.votes import region_of, regions_near

    happy = await store.lists.add_recommendation(user="ann", chat="c", mood="happy", valence=0.8, arousal=0.4, mode="match", tracks=["a", "b"])
    sad = await store.lists.add_recommendation(user="bo", chat="c", mood="sad", valence=-0.75, arousal=-0.4, mode="match", tracks=["a"])
    await store.ratings.rate("ann", "a", 1, happy)
    await store.ratings.rate("bo", "a", 1, happy)
    await store.ratings.rate("bo", "b", -1, happy)
    await store.ratings.rate("cy", "a", 1, sad)
    await store.ratings.rate("bo", "a", -1, sad)  # bo changes his mind, on another list: his +1 near happy goes
    every = regions_near([(0, 0)], 3.0)

    async def summary():
        votes = await store.ratings.mood_votes(every)
        return {(t, region_of(v, a)): s for t, s, v, a in zip(votes.tracks, votes.score, votes.valence, votes.arousal)}

    # near sad, cy's +1 and bo's -1 cancel (a region summing to 0 is not read back)
    assert await summary() == {("a", region_of(0.8, 0.4)): 1, ("b", region_of(0.8, 0.4)): -1}
    assert sorted((r.track, r.score, region_of(r.valence, r.arousal)) for r in await store.ratings.own_mood_ratings("bo")) == \
        [("a", -1, region_of(-0.75, -0.4)), ("b", -1, region_of(0.8, 0.4))]
    await store.forget("ann")
    assert await summary() == {("b", region_of(0.8, 0.4)): -1}


async def test_an_older_database_gets_the_summary_from_its_ratings(tmp_path):
    """Opening a version-5 SQLite database builds mood_votes from the ratings already there."""
    from core.store.sqlite import MIGRATIONS
    from core.store.votes import region_of, regions_near

    path = tmp_path / "v5.sqlite3"
    con = sqlite3.connect(path)
    for version in range(1, 6):
        con.executescript(MIGRATIONS[version])
    con.execute("PRAGMA user_version=5")
    con.execute("INSERT INTO recommendations(id, chat, user, mood, valence, arousal, mode, created_at) "
                "VALUES (7, 'c', 'ann', 'calm', 0.55, -0.6, 'match', 0)")
    con.executemany("INSERT INTO ratings(user, track, recommendation, score, created_at) VALUES (?, 't', 7, ?, 0)",
                    [("ann", 1), ("bo", 1), ("cy", -1)])
    con.commit()
    con.close()
    async with SqliteStore(path) as store:
        votes = await store.ratings.mood_votes(regions_near([(0.55, -0.6)], 0.15))
        assert [(t, s, region_of(v, a)) for t, s, v, a in zip(votes.tracks, votes.score, votes.valence, votes.arousal)] == \
            [("t", 1, region_of(0.55, -0.6))]
