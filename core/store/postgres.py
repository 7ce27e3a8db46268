"""The store (core.store.base.Store) on PostgreSQL (asyncpg), for several workers.

Selected by `MOODTUNE_DB=postgresql://user:pass@host:port/db`. Why it is built this way:
- Every write is one statement or one transaction that has committed when the call returns
  (PostgreSQL's default `synchronous_commit=on`): an acknowledged rating survives a killed worker.
- The schema is versioned in `schema_version`; `PG_MIGRATIONS[n]` takes version n-1 to n and runs
  under an advisory lock, so workers starting together migrate once.
- `exclusive(name)` is a session advisory lock: the bundled catalog (105k tracks, loaded with
  COPY) is loaded by the first worker while the others wait, then found loaded.
- What must be shared between workers lives here too (`PgLimits`): photo admissions per person
  and per chat, and the update ids already handled.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from typing import Any, AsyncIterator, Callable, Iterable, Optional, Sequence

import asyncpg

from core.errors import RateLimited
from core.limits import Ticket
from core.store.base import StoreLifecycle, busy_when
from core.store.votes import VOTES_DISLIKED, VOTES_LIKED, region_centre, region_of, region_sql, votes_from_rows
from core.store.records import (TRACK_FIELDS, ChatSettings, MoodRating, PhotoReading, Rating, SignInRecord, StoredRecommendation,
                                Votes, flag_column, reading_from_row, settings_from_row)

PG_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE tracks (
        seq BIGSERIAL UNIQUE, id TEXT PRIMARY KEY, title TEXT NOT NULL, artist TEXT NOT NULL,
        valence DOUBLE PRECISION NOT NULL, energy DOUBLE PRECISION NOT NULL, tempo DOUBLE PRECISION NOT NULL, mode INTEGER,
        acousticness DOUBLE PRECISION NOT NULL, danceability DOUBLE PRECISION NOT NULL, instrumentalness DOUBLE PRECISION NOT NULL,
        loudness DOUBLE PRECISION, speechiness DOUBLE PRECISION, popularity DOUBLE PRECISION, explicit INTEGER, genres TEXT,
        chart_hit INTEGER, year INTEGER, decade INTEGER, source TEXT NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE recommendations (
        id BIGSERIAL PRIMARY KEY, chat TEXT, "user" TEXT, mood TEXT NOT NULL, valence DOUBLE PRECISION NOT NULL,
        arousal DOUBLE PRECISION NOT NULL, mode TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX recommendations_user ON recommendations("user", created_at);
    CREATE INDEX recommendations_chat ON recommendations(chat, created_at);
    CREATE TABLE recommendation_tracks (
        recommendation BIGINT NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, track TEXT NOT NULL, PRIMARY KEY (recommendation, position)
    );
    CREATE TABLE ratings (
        "user" TEXT NOT NULL, track TEXT NOT NULL, recommendation BIGINT,
        score INTEGER NOT NULL CHECK (score IN (-1, 1)), created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY ("user", track)
    );
    CREATE INDEX ratings_recommendation ON ratings(recommendation);
    CREATE TABLE settings (
        scope TEXT NOT NULL CHECK (scope IN ('user', 'chat')), id TEXT NOT NULL, mode TEXT, target TEXT,
        list_length INTEGER, allow_explicit INTEGER, PRIMARY KEY (scope, id)
    );
    CREATE TABLE spotify_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, fetched_at DOUBLE PRECISION NOT NULL);
    CREATE TABLE photo_readings (
        id BIGSERIAL PRIMARY KEY, chat TEXT NOT NULL, "user" TEXT, label TEXT NOT NULL, valence DOUBLE PRECISION NOT NULL,
        arousal DOUBLE PRECISION NOT NULL, confidence DOUBLE PRECISION NOT NULL, created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX photo_readings_chat ON photo_readings(chat, created_at);
    CREATE TABLE messages (
        platform TEXT NOT NULL, chat TEXT NOT NULL, message_id TEXT NOT NULL,
        recommendation BIGINT NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
        PRIMARY KEY (platform, chat, message_id)
    );
    """,
    # what workers share: photos admitted (a person's rate, a chat's photos in flight) and updates seen
    2: """
    CREATE TABLE admissions (
        id BIGSERIAL PRIMARY KEY, chat TEXT NOT NULL, "user" TEXT NOT NULL,
        admitted_at DOUBLE PRECISION NOT NULL, released BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX admissions_chat ON admissions(chat, admitted_at) WHERE NOT released;
    CREATE INDEX admissions_user ON admissions("user", admitted_at);
    CREATE TABLE seen_updates (
        platform TEXT NOT NULL, update_id BIGINT NOT NULL, seen_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (platform, update_id)
    );
    """,
    # answers can come without the mood card picture; a person's history across chats
    3: """
    ALTER TABLE settings ADD COLUMN cards INTEGER;
    CREATE INDEX photo_readings_user ON photo_readings("user", created_at);
    """,
    # "Not this mood?" corrections and muted artists (SQLite's version 5); calls to rate-limited
    # services (Deezer) counted across workers
    4: """
    CREATE TABLE rate_events (name TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
    CREATE INDEX rate_events_name ON rate_events(name, at);
    ALTER TABLE recommendations ADD COLUMN reading BIGINT;
    ALTER TABLE photo_readings ADD COLUMN alternatives TEXT;
    ALTER TABLE photo_readings ADD COLUMN corrected TEXT;
    CREATE TABLE corrections (
        id BIGSERIAL PRIMARY KEY, reading BIGINT, "user" TEXT NOT NULL, chat TEXT,
        said TEXT NOT NULL, chosen TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX corrections_user ON corrections("user");
    CREATE TABLE muted_artists (
        "user" TEXT NOT NULL, artist TEXT NOT NULL, name TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY ("user", artist)
    );
    """,
    # the collaborative signal as a summary kept with each rating (core.store.votes; SQLite's 6)
    5: f"""
    CREATE TABLE mood_votes (
        track TEXT NOT NULL, region INTEGER NOT NULL, score DOUBLE PRECISION NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (region, track)
    );
    CREATE INDEX mood_votes_score ON mood_votes(region, score);
    INSERT INTO mood_votes(track, region, score, n)
        SELECT ra.track, {region_sql("r.valence", "r.arousal", "postgres")}, SUM(ra.score), COUNT(*)
        FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation GROUP BY 1, 2;
    """,
    # the language a person or a group chose to be answered in (bot.i18n; SQLite's 7)
    6: """
    ALTER TABLE settings ADD COLUMN language TEXT;
    """,
    # "Save to Spotify" (SQLite's 8)
    7: """
    CREATE TABLE spotify_links ("user" TEXT PRIMARY KEY, token BYTEA NOT NULL, created_at DOUBLE PRECISION NOT NULL);
    CREATE TABLE sign_ins (
        state TEXT PRIMARY KEY, "user" TEXT NOT NULL, chat TEXT, platform TEXT NOT NULL, recommendation BIGINT,
        verifier BYTEA NOT NULL, created_at DOUBLE PRECISION NOT NULL, language TEXT
    );
    CREATE INDEX sign_ins_user ON sign_ins("user");
    """,
}
PG_SCHEMA_VERSION = max(PG_MIGRATIONS)
_MIGRATION_LOCK = 0x6D6F6F64  # 'mood': the advisory lock migrations run under

STALE_IN_FLIGHT = 600.0  # an admission never released (its worker was killed) stops counting after this
KEEP_ADMISSIONS = 3600.0
KEEP_SEEN_UPDATES = 86400.0  # Telegram retries a webhook for far less than a day


def _rows_changed(status: str) -> int:
    """asyncpg's command status ('DELETE 3') → 3."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _int_flag(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


_READING_COLUMNS = '"user", label, valence, arousal, confidence, created_at, corrected, id, alternatives'
LOCK_TIMEOUT_MS = 5000  # as SQLite's busy_timeout: a write that waits longer for a lock gives up (StoreBusy)


async def _vote(con, track: str, valence: float, arousal: float, score: int, n: int) -> None:
    await con.execute(
        """INSERT INTO mood_votes(track, region, score, n) VALUES ($1, $2, $3, $4)
           ON CONFLICT (region, track) DO UPDATE SET score = mood_votes.score + EXCLUDED.score, n = mood_votes.n + EXCLUDED.n""",
        track, region_of(valence, arousal), score, n)


def _busy(exc: BaseException) -> bool:
    """A lock not had in time, a statement cancelled by the lock timeout, or no connection to be had."""
    return isinstance(exc, (asyncpg.LockNotAvailableError, asyncpg.DeadlockDetectedError, asyncpg.TooManyConnectionsError,
                            asyncpg.exceptions.QueryCanceledError, TimeoutError))


CONNECT_TIMEOUT = 5.0  # seconds to open a connection: a server that is away is told within a few seconds
# asyncpg's pool logs a WARNING with a traceback each time it fails to reconnect while the server is
# away; core.store.outage says it once instead
logging.getLogger("asyncpg.pool").setLevel(logging.ERROR)


def _away(exc: BaseException) -> bool:
    """The server is not there: refused or dropped connections, a server shutting down or starting."""
    return isinstance(exc, (OSError, ConnectionError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                            asyncpg.exceptions.AdminShutdownError, asyncpg.exceptions.CannotConnectNowError))


@busy_when(_busy, _away)
class PgStore(StoreLifecycle):
    """The database on PostgreSQL. `await PgStore(url).open()`; core.store.base.Store's methods."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10):
        self.url = url
        self._pool: Optional[asyncpg.Pool] = None
        self._sizes = (min_size, max_size)
        # the seams (core.store.base): each a small object over this store's pool
        self.tracks = PgTracks(self)
        self.lists = PgLists(self)
        self.ratings = PgRatings(self)
        self.readings = PgReadings(self)
        self.people = PgPeople(self)
        self.accounts = PgAccounts(self)

    async def open(self) -> "PgStore":
        # a write waits at most LOCK_TIMEOUT_MS for a row or table lock, then gives up (StoreBusy);
        # the advisory locks of migrations and `exclusive` wait as long as they must (lock_timeout 0)
        self._pool = await asyncpg.create_pool(self.url, min_size=self._sizes[0], max_size=self._sizes[1], timeout=CONNECT_TIMEOUT,
                                               server_settings={"lock_timeout": str(LOCK_TIMEOUT_MS)})
        try:
            await self._migrate()
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("Store is not open")
        return self._pool

    async def _migrate(self) -> None:
        async with self.pool.acquire() as con:
            await con.execute("SET lock_timeout = 0")
            await con.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                await con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                version = await con.fetchval("SELECT max(version) FROM schema_version") or 0
                if version > PG_SCHEMA_VERSION:
                    raise RuntimeError(
                        f"the database has schema version {version}, newer than this Moodtune ({PG_SCHEMA_VERSION}); upgrade Moodtune."
                    )
                for target in range(version + 1, PG_SCHEMA_VERSION + 1):
                    async with con.transaction():  # the migration and its version bump commit together
                        await con.execute(PG_MIGRATIONS[target])
                        await con.execute("INSERT INTO schema_version(version) VALUES ($1)", target)
            finally:
                await con.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
                await con.execute("RESET lock_timeout")

    async def schema_version(self) -> int:
        return int(await self.pool.fetchval("SELECT max(version) FROM schema_version") or 0)

    @contextlib.asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """One holder at a time across every worker (a session advisory lock)."""
        async with self.pool.acquire() as con:
            await con.execute("SET lock_timeout = 0")
            await con.execute("SELECT pg_advisory_lock(hashtext($1))", name)
            try:
                yield
            finally:
                await con.execute("SELECT pg_advisory_unlock(hashtext($1))", name)
                await con.execute("RESET lock_timeout")

    def shared_limits(self, per_minute: int) -> "PgLimits":
        """The admission limits every worker shares (`per_minute` is passed to each admit)."""
        return PgLimits(self.pool)

    async def get_meta(self, key: str) -> Optional[str]:
        return await self.pool.fetchval("SELECT value FROM meta WHERE key = $1", key)

    async def set_meta(self, key: str, value: str) -> None:
        await self.pool.execute("INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                                key, value)

    # --- forget ---------------------------------------------------------------------------

    async def forget(self, user: str) -> dict[str, int]:
        counts = {}
        async with self.pool.acquire() as con, con.transaction():
            rows = await con.fetch("""SELECT ra.track, ra.score, r.valence, r.arousal FROM ratings ra
                                      JOIN recommendations r ON r.id = ra.recommendation WHERE ra."user" = $1""", user)
            for track, score, valence, arousal in rows:  # their scores leave the summary too
                await _vote(con, track, valence, arousal, -score, -1)
            for table, sql in (
                ("ratings", 'DELETE FROM ratings WHERE "user" = $1'),
                ("recommendations", 'DELETE FROM recommendations WHERE "user" = $1'),
                ("settings", "DELETE FROM settings WHERE scope = 'user' AND id = $1"),
                ("photos", 'DELETE FROM photo_readings WHERE "user" = $1'),
                ("corrections", 'DELETE FROM corrections WHERE "user" = $1'),
                ("muted", 'DELETE FROM muted_artists WHERE "user" = $1'),
                ("spotify", 'DELETE FROM spotify_links WHERE "user" = $1'),
                ("sign_ins", 'DELETE FROM sign_ins WHERE "user" = $1'),
            ):
                counts[table] = _rows_changed(await con.execute(sql, user))
            await con.execute('DELETE FROM admissions WHERE "user" = $1 AND released', user)
        return counts

    # --- spotify cache --------------------------------------------------------------------

    async def cache_get(self, key: str, max_age: float) -> Optional[Any]:
        row = await self.pool.fetchrow("SELECT value, fetched_at FROM spotify_cache WHERE key = $1", key)
        if row is None or time.time() - row[1] > max_age:
            return None
        return json.loads(row[0])

    async def cache_put(self, key: str, value: Any) -> None:
        await self.pool.execute(
            """INSERT INTO spotify_cache(key, value, fetched_at) VALUES ($1, $2, $3)
               ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, fetched_at = EXCLUDED.fetched_at""",
            key, json.dumps(value), time.time(),
        )


class _PgPart:
    """One seam of the PostgreSQL store (core.store.base), over its connection pool."""

    def __init__(self, store: "PgStore"):
        self._store = store

    @property
    def pool(self):
        return self._store.pool


@busy_when(_busy, _away)
class PgTracks(_PgPart):
    """The catalog's rows."""

    async def upsert_tracks(
        self, rows: Iterable[Sequence[Any]], source: str, replace: bool = False, keep_existing: bool = False
    ) -> int:
        """As Store.upsert_tracks; rows arrive by COPY into a temporary table (105k tracks in seconds)."""
        latest = {r[0]: tuple(_int_flag(v) for v in r) + (source,) for r in rows}  # a repeated id: the last wins, as in SQLite
        columns = [*TRACK_FIELDS, "source"]
        names = ", ".join(columns)
        on_conflict = "DO NOTHING" if keep_existing else "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
        async with self.pool.acquire() as con, con.transaction():
            if replace:
                await con.execute("DELETE FROM tracks")
            await con.execute("CREATE TEMP TABLE incoming (LIKE tracks INCLUDING DEFAULTS) ON COMMIT DROP")
            await con.copy_records_to_table("incoming", records=list(latest.values()), columns=columns)
            await con.execute(f"INSERT INTO tracks({names}) SELECT {names} FROM incoming ORDER BY seq ON CONFLICT (id) {on_conflict}")
        return len(latest)

    async def delete_tracks(self, *, source: str) -> int:
        return _rows_changed(await self.pool.execute("DELETE FROM tracks WHERE source = $1", source))

    async def fetch_tracks(self) -> list:
        return await self.pool.fetch(f"SELECT {', '.join(TRACK_FIELDS)}, source FROM tracks ORDER BY seq")

    async def count_tracks(self) -> int:
        return int(await self.pool.fetchval("SELECT COUNT(*) FROM tracks"))


@busy_when(_busy, _away)
class PgLists(_PgPart):
    """The lists shown, and the messages that show them."""

    async def add_recommendation(
        self, *, user: Optional[str], chat: Optional[str], mood: str, valence: float, arousal: float, mode: str, tracks: Sequence[str],
        reading: Optional[int] = None,
    ) -> int:
        async with self.pool.acquire() as con, con.transaction():
            rec_id = await con.fetchval(
                'INSERT INTO recommendations(chat, "user", mood, valence, arousal, mode, created_at, reading) '
                'VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
                chat, user, mood, valence, arousal, mode, time.time(), reading,
            )
            await con.executemany("INSERT INTO recommendation_tracks(recommendation, position, track) VALUES ($1, $2, $3)",
                                  [(rec_id, i, t) for i, t in enumerate(tracks)])
        return int(rec_id)

    async def get_recommendation(self, rec_id: int) -> Optional[StoredRecommendation]:
        row = await self.pool.fetchrow('SELECT id, chat, "user", mood, valence, arousal, mode, reading FROM recommendations WHERE id = $1',
                                       rec_id)
        if row is None:
            return None
        return StoredRecommendation(*tuple(row)[:7], tracks=await self.recommendation_tracks(rec_id), reading=row[7])

    async def recommendation_tracks(self, rec_id: int) -> list[str]:
        rows = await self.pool.fetch("SELECT track FROM recommendation_tracks WHERE recommendation = $1 ORDER BY position", rec_id)
        return [r[0] for r in rows]

    async def recently_suggested(self, *, user: Optional[str], chat: Optional[str], limit: int = 20) -> dict[str, int]:
        rows = await self.pool.fetch(
            """SELECT rt.track, COUNT(*) FROM recommendation_tracks rt
               JOIN (SELECT id FROM recommendations WHERE ("user" = $1 AND $1::text IS NOT NULL) OR (chat = $2 AND $2::text IS NOT NULL)
                     ORDER BY created_at DESC, id DESC LIMIT $3) r ON r.id = rt.recommendation
               GROUP BY rt.track""",
            user, chat, limit,
        )
        return {r[0]: int(r[1]) for r in rows}

    async def latest(self, *, user: str, chat: Optional[str]) -> Optional[int]:
        """The person's last list in this chat (any chat: None)."""
        value = await self.pool.fetchval(
            """SELECT id FROM recommendations WHERE "user" = $1 AND ($2::text IS NULL OR chat = $2)
               ORDER BY created_at DESC, id DESC LIMIT 1""", user, chat)
        return int(value) if value is not None else None

    async def link_message(self, platform: str, chat: str, message_id: str, recommendation: int) -> None:
        await self.pool.execute(
            """INSERT INTO messages(platform, chat, message_id, recommendation) VALUES ($1, $2, $3, $4)
               ON CONFLICT (platform, chat, message_id) DO UPDATE SET recommendation = EXCLUDED.recommendation""",
            platform, chat, message_id, recommendation,
        )

    async def message_recommendation(self, platform: str, chat: str, message_id: str) -> Optional[int]:
        value = await self.pool.fetchval("SELECT recommendation FROM messages WHERE platform = $1 AND chat = $2 AND message_id = $3",
                                         platform, chat, message_id)
        return int(value) if value is not None else None


@busy_when(_busy, _away)
class PgRatings(_PgPart):
    """Ratings, and their summary per track and mood region (core.store.votes) kept in the same transaction."""

    async def rate(self, user: str, track: str, score: int, recommendation: Optional[int] = None) -> None:
        """Store a rating; returns after it has committed (synchronous_commit: on disk)."""
        if score not in (1, -1):
            raise ValueError("score must be 1 or -1")
        async with self.pool.acquire() as con, con.transaction():
            old = await con.fetchrow(
                """SELECT ra.score, r.valence, r.arousal FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation
                   WHERE ra."user" = $1 AND ra.track = $2 FOR UPDATE OF ra""", user, track)
            if old is not None:  # a re-rating moves its earlier score out of the summary
                await _vote(con, track, old[1], old[2], -old[0], -1)
            await con.execute(
                """INSERT INTO ratings("user", track, recommendation, score, created_at) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT ("user", track) DO UPDATE SET recommendation = EXCLUDED.recommendation, score = EXCLUDED.score,
                   created_at = EXCLUDED.created_at""",
                user, track, recommendation, score, time.time(),
            )
            if recommendation is not None:
                point = await con.fetchrow("SELECT valence, arousal FROM recommendations WHERE id = $1", recommendation)
                if point is not None:
                    await _vote(con, track, point[0], point[1], score, 1)

    async def mood_votes(self, regions: Sequence[int]) -> Votes:
        if not regions:
            return Votes()
        rows = await self.pool.fetch(
            """SELECT v.track, v.region, v.score FROM unnest($1::int[]) AS r(region)
               CROSS JOIN LATERAL (SELECT track, region, score FROM mood_votes m WHERE m.region = r.region AND m.score > 0
                                   ORDER BY m.score DESC LIMIT $2) v
               UNION ALL
               SELECT v.track, v.region, v.score FROM unnest($1::int[]) AS r(region)
               CROSS JOIN LATERAL (SELECT track, region, score FROM mood_votes m WHERE m.region = r.region AND m.score < 0
                                   ORDER BY m.score ASC LIMIT $3) v""",
            list(regions), VOTES_LIKED, VOTES_DISLIKED)
        return votes_from_rows(rows)

    async def own_mood_ratings(self, user: str) -> list[MoodRating]:
        rows = await self.pool.fetch(
            """SELECT ra.track, ra.score, r.valence, r.arousal FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation
               WHERE ra."user" = $1""", user)
        return [MoodRating(user, t, s, *region_centre(region_of(v, a))) for t, s, v, a in rows]

    async def ratings_of(self, user: str) -> list[Rating]:
        rows = await self.pool.fetch('SELECT "user", track, score, recommendation, created_at FROM ratings WHERE "user" = $1 ORDER BY created_at',
                                     user)
        return [Rating(*r) for r in rows]

    async def ratings_of_chat(self, chat: str, exclude_user: Optional[str] = None) -> list[Rating]:
        rows = await self.pool.fetch(
            """SELECT ra."user", ra.track, ra.score, ra.recommendation, ra.created_at FROM ratings ra
               JOIN recommendations r ON r.id = ra.recommendation WHERE r.chat = $1 AND ($2::text IS NULL OR ra."user" != $2)""",
            chat, exclude_user,
        )
        return [Rating(*r) for r in rows]

    async def liked_tracks(self, *, user: Optional[str] = None, chat: Optional[str] = None, limit: int = 10) -> list[tuple[str, int]]:
        if user is not None:
            rows = await self.pool.fetch('SELECT track, 1 FROM ratings WHERE "user" = $1 AND score > 0 ORDER BY created_at DESC LIMIT $2',
                                         user, limit)
        else:
            rows = await self.pool.fetch(
                """SELECT ra.track, SUM(ra.score) AS likes FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation
                   WHERE r.chat = $1 GROUP BY ra.track HAVING SUM(ra.score) > 0 ORDER BY likes DESC, MAX(ra.created_at) DESC LIMIT $2""",
                chat, limit)
        return [(r[0], int(r[1])) for r in rows]


@busy_when(_busy, _away)
class PgReadings(_PgPart):
    """Photo readings and the moods their senders corrected."""

    async def add_photo_reading(self, *, chat: str, user: Optional[str], label: str, valence: float, arousal: float, confidence: float,
                                alternatives: Sequence[str] = ()) -> int:
        return int(await self.pool.fetchval(
            'INSERT INTO photo_readings(chat, "user", label, valence, arousal, confidence, created_at, alternatives) '
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            chat, user, label, valence, arousal, confidence, time.time(), ",".join(alternatives),
        ))

    async def photo_reading(self, reading: int) -> Optional[PhotoReading]:
        row = await self.pool.fetchrow(f"SELECT {_READING_COLUMNS} FROM photo_readings WHERE id = $1", reading)
        return reading_from_row(row) if row else None

    async def add_correction(self, *, reading: int, user: str, chat: Optional[str], said: str, chosen: str) -> None:
        async with self.pool.acquire() as con, con.transaction():
            await con.execute('INSERT INTO corrections(reading, "user", chat, said, chosen, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
                              reading, user, chat, said, chosen, time.time())
            await con.execute("UPDATE photo_readings SET corrected = $1 WHERE id = $2", chosen, reading)

    async def corrections(self) -> list[tuple[str, str, int]]:
        rows = await self.pool.fetch("SELECT said, chosen, COUNT(*) FROM corrections GROUP BY said, chosen ORDER BY 3 DESC, 1, 2")
        return [(r[0], r[1], int(r[2])) for r in rows]

    async def photo_history(self, *, user: Optional[str] = None, chat: Optional[str] = None, limit: int = 30) -> list[PhotoReading]:
        column, key = ('"user"', user) if user is not None else ("chat", chat)
        rows = await self.pool.fetch(
            f"SELECT {_READING_COLUMNS} FROM photo_readings WHERE {column} = $1 "
            "ORDER BY created_at DESC, id DESC LIMIT $2", key, limit,
        )
        return [reading_from_row(r) for r in reversed(rows)]

    async def photo_readings(self, chat: str, since: float) -> list[PhotoReading]:
        rows = await self.pool.fetch(
            f'SELECT {_READING_COLUMNS} FROM photo_readings WHERE chat = $1 AND created_at >= $2 ORDER BY created_at',
            chat, since,
        )
        return [reading_from_row(r) for r in rows]


@busy_when(_busy, _away)
class PgPeople(_PgPart):
    """What a person or chat set, and the artists they muted."""

    async def mute_artist(self, user: str, artist: str, name: str) -> None:
        await self.pool.execute(
            """INSERT INTO muted_artists("user", artist, name, created_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT ("user", artist) DO UPDATE SET name = EXCLUDED.name""", user, artist, name, time.time())

    async def unmute_artist(self, user: str, artist: str) -> bool:
        return _rows_changed(await self.pool.execute('DELETE FROM muted_artists WHERE "user" = $1 AND artist = $2', user, artist)) > 0

    async def muted_artists(self, user: str) -> list[tuple[str, str]]:
        rows = await self.pool.fetch('SELECT artist, name FROM muted_artists WHERE "user" = $1 ORDER BY created_at, artist', user)
        return [(r[0], r[1]) for r in rows]

    async def get_settings(self, scope: str, id: str) -> ChatSettings:
        row = await self.pool.fetchrow("SELECT mode, target, list_length, allow_explicit, cards, language FROM settings "
                                       "WHERE scope = $1 AND id = $2",
                                       scope, id)
        return settings_from_row(row)

    async def set_settings(self, scope: str, id: str, **values: Any) -> ChatSettings:
        current = await self.get_settings(scope, id)
        merged = {**current.__dict__, **{k: v for k, v in values.items() if k in ChatSettings.__dataclass_fields__}}
        await self.pool.execute(
            """INSERT INTO settings(scope, id, mode, target, list_length, allow_explicit, cards, language)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (scope, id) DO UPDATE SET mode = EXCLUDED.mode, target = EXCLUDED.target,
               list_length = EXCLUDED.list_length, allow_explicit = EXCLUDED.allow_explicit, cards = EXCLUDED.cards,
               language = EXCLUDED.language""",
            scope, id, merged["mode"], merged["target"], merged["list_length"], flag_column(merged["allow_explicit"]),
            flag_column(merged["cards"]), merged["language"],
        )
        return ChatSettings(**merged)


@busy_when(_busy, _away)
class PgAccounts(_PgPart):
    """Spotify sign-ins: a person's encrypted refresh token, and sign-ins waiting for their callback."""

    async def put_link(self, user: str, token: bytes) -> None:
        await self.pool.execute("""INSERT INTO spotify_links("user", token, created_at) VALUES ($1, $2, $3)
                                   ON CONFLICT ("user") DO UPDATE SET token = EXCLUDED.token, created_at = EXCLUDED.created_at""",
                                user, token, time.time())

    async def get_link(self, user: str) -> Optional[bytes]:
        row = await self.pool.fetchrow('SELECT token FROM spotify_links WHERE "user" = $1', user)
        return bytes(row[0]) if row else None

    async def drop_link(self, user: str) -> bool:
        return _rows_changed(await self.pool.execute('DELETE FROM spotify_links WHERE "user" = $1', user)) > 0

    async def add_sign_in(self, *, state: str, user: str, chat: Optional[str], platform: str, recommendation: Optional[int],
                          verifier: bytes, language: Optional[str] = None, keep: int = 5) -> None:
        async with self.pool.acquire() as con, con.transaction():
            await con.execute("""INSERT INTO sign_ins(state, "user", chat, platform, recommendation, verifier, created_at, language)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""", state, user, chat, platform, recommendation, verifier,
                              time.time(), language)
            await con.execute("""DELETE FROM sign_ins WHERE "user" = $1 AND state NOT IN
                                 (SELECT state FROM sign_ins WHERE "user" = $1 ORDER BY created_at DESC LIMIT $2)""", user, keep)

    async def take_sign_in(self, state: str) -> Optional[SignInRecord]:
        """The sign-in for `state`, removed as it is read (DELETE … RETURNING: once, whichever worker asks)."""
        row = await self.pool.fetchrow("""DELETE FROM sign_ins WHERE state = $1
                                          RETURNING "user", chat, platform, recommendation, verifier, created_at, language""",
                                       state)
        return SignInRecord(row[0], row[1], row[2], row[3], bytes(row[4]), row[5], row[6]) if row else None


@busy_when(_busy, _away)
class PgLimits:
    """core.limits.Limits kept in PostgreSQL: N workers admit photos as one bot would.

    A person may have `per_minute` photos admitted in any 60 s, a chat `chat_cap` photos in flight,
    counted over every worker. Each admission is one transaction holding advisory locks on the
    chat and the person (always in that order), so two workers cannot both take the last place.
    An admission whose worker died stops counting as in flight after STALE_IN_FLIGHT seconds.
    """

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self._calls = 0

    async def admit(self, *, user: str, chat: str, per_minute: int, chat_cap: int, reserve: Callable[[], Any]) -> Ticket:
        now = time.time()
        async with self.pool.acquire() as con, con.transaction():
            await con.execute("SELECT pg_advisory_xact_lock(hashtext('chat:' || $1)), pg_advisory_xact_lock(hashtext('user:' || $2))",
                              chat, user)
            in_flight = await con.fetchval("SELECT COUNT(*) FROM admissions WHERE chat = $1 AND NOT released AND admitted_at > $2",
                                           chat, now - STALE_IN_FLIGHT)
            if in_flight >= chat_cap:
                raise RateLimited("chat_busy")
            recent = await con.fetchval('SELECT COUNT(*) FROM admissions WHERE "user" = $1 AND admitted_at > $2', user, now - 60.0)
            if recent >= per_minute:
                raise RateLimited("person_limit", per_minute=per_minute)
            slot = reserve()  # PipelineBusy rolls the transaction back: nothing charged
            try:
                admission = await con.fetchval('INSERT INTO admissions(chat, "user", admitted_at) VALUES ($1, $2, $3) RETURNING id',
                                                chat, user, now)
            except BaseException:
                slot.release()
                raise
        await self._tidy()
        return Ticket(slot, chat, key=admission)

    async def release(self, ticket: Ticket) -> None:
        await self.pool.execute("UPDATE admissions SET released = TRUE WHERE id = $1", ticket.key)

    async def wait_for_turn(self, name: str, limit: int, window: float) -> float:
        """Counted in the database under an advisory lock on `name`, so N workers together make
        at most `limit` calls in any `window` seconds."""
        now = time.time()
        async with self.pool.acquire() as con, con.transaction():
            await con.execute("SELECT pg_advisory_xact_lock(hashtext('rate:' || $1))", name)
            await con.execute("DELETE FROM rate_events WHERE name = $1 AND at < $2", name, now - window)
            count, oldest = await con.fetchrow("SELECT COUNT(*), MIN(at) FROM rate_events WHERE name = $1", name)
            if count < limit:
                await con.execute("INSERT INTO rate_events(name, at) VALUES ($1, $2)", name, now)
                return 0.0
            return max(0.01, oldest + window - now)

    async def first_delivery(self, platform: str, update_id: int) -> bool:
        inserted = await self.pool.fetchval(
            "INSERT INTO seen_updates(platform, update_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
            platform, update_id, time.time(),
        )
        return inserted is not None

    async def _tidy(self) -> None:
        """Now and then, drop rows no rule looks at any more (bounded tables)."""
        self._calls += 1
        if self._calls % 200:
            return
        now = time.time()
        await self.pool.execute("DELETE FROM admissions WHERE admitted_at < $1", now - KEEP_ADMISSIONS)
        await self.pool.execute("DELETE FROM seen_updates WHERE seen_at < $1", now - KEEP_SEEN_UPDATES)
