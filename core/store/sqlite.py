"""The store (core.store.base.Store) in one SQLite file (aiosqlite), for one machine;
core.store.postgres is the same interface on PostgreSQL, for several workers.

Why it is built this way:
- WAL journal and `synchronous=FULL`: readers never block the writer, and a write that returned
  has reached the disk — an acknowledged rating survives the process being killed, and a power cut.
- One transaction per acknowledged write: `rate()` returns only after its COMMIT.
- The schema is versioned with `PRAGMA user_version`; `MIGRATIONS[n]` takes version n-1 to n, so
  an old database is upgraded in place at open.
- Photos are never stored: only ids, readings and ratings. `forget(user)` deletes every row about
  that person.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, AsyncIterator, Iterable, Optional, Sequence

import aiosqlite

from core.limits import InProcessLimits, Limits
from core.store.base import StoreLifecycle, busy_when
from core.store.votes import VOTES_DISLIKED, VOTES_LIKED, region_centre, region_of, region_sql, votes_from_rows
from core.store.records import (TRACK_FIELDS, ChatSettings, MoodRating, PhotoReading, Rating, SignInRecord, StoredRecommendation,
                                Votes, flag_column, reading_from_row, settings_from_row)

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE tracks (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, artist TEXT NOT NULL,
        valence REAL NOT NULL, energy REAL NOT NULL, tempo REAL NOT NULL, mode INTEGER,
        acousticness REAL NOT NULL, danceability REAL NOT NULL, instrumentalness REAL NOT NULL,
        popularity REAL NOT NULL, year INTEGER, decade INTEGER, source TEXT NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE recommendations (
        id INTEGER PRIMARY KEY AUTOINCREMENT, chat TEXT, user TEXT, mood TEXT NOT NULL,
        valence REAL NOT NULL, arousal REAL NOT NULL, mode TEXT NOT NULL, created_at REAL NOT NULL
    );
    CREATE INDEX recommendations_user ON recommendations(user, created_at);
    CREATE INDEX recommendations_chat ON recommendations(chat, created_at);
    CREATE TABLE recommendation_tracks (
        recommendation INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, track TEXT NOT NULL, PRIMARY KEY (recommendation, position)
    );
    CREATE TABLE ratings (
        user TEXT NOT NULL, track TEXT NOT NULL, recommendation INTEGER,
        score INTEGER NOT NULL CHECK (score IN (-1, 1)), created_at REAL NOT NULL,
        PRIMARY KEY (user, track)
    );
    CREATE INDEX ratings_recommendation ON ratings(recommendation);
    CREATE TABLE settings (
        scope TEXT NOT NULL CHECK (scope IN ('user', 'chat')), id TEXT NOT NULL,
        mode TEXT, target TEXT, list_length INTEGER, PRIMARY KEY (scope, id)
    );
    CREATE TABLE spotify_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, fetched_at REAL NOT NULL);
    """,
    2: """
    CREATE TABLE photo_readings (
        id INTEGER PRIMARY KEY AUTOINCREMENT, chat TEXT NOT NULL, user TEXT, label TEXT NOT NULL,
        valence REAL NOT NULL, arousal REAL NOT NULL, confidence REAL NOT NULL, created_at REAL NOT NULL
    );
    CREATE INDEX photo_readings_chat ON photo_readings(chat, created_at);
    CREATE TABLE messages (
        platform TEXT NOT NULL, chat TEXT NOT NULL, message_id TEXT NOT NULL,
        recommendation INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
        PRIMARY KEY (platform, chat, message_id)
    );
    """,
    # richer tracks: popularity may be unknown, explicit flag, genres, chart flag, loudness and
    # speechiness (the mood models read them); a chat or person can allow explicit songs
    3: """
    CREATE TABLE tracks_v3 (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, artist TEXT NOT NULL,
        valence REAL NOT NULL, energy REAL NOT NULL, tempo REAL NOT NULL, mode INTEGER,
        acousticness REAL NOT NULL, danceability REAL NOT NULL, instrumentalness REAL NOT NULL,
        loudness REAL, speechiness REAL, popularity REAL, explicit INTEGER, genres TEXT, chart_hit INTEGER,
        year INTEGER, decade INTEGER, source TEXT NOT NULL
    );
    INSERT INTO tracks_v3(id, title, artist, valence, energy, tempo, mode, acousticness, danceability,
                          instrumentalness, popularity, year, decade, source)
        SELECT id, title, artist, valence, energy, tempo, mode, acousticness, danceability,
               instrumentalness, popularity, year, decade, source FROM tracks;
    DROP TABLE tracks;
    ALTER TABLE tracks_v3 RENAME TO tracks;
    ALTER TABLE settings ADD COLUMN allow_explicit INTEGER;
    """,
    # answers can come without the mood card picture (per chat or person)
    4: """
    ALTER TABLE settings ADD COLUMN cards INTEGER;
    CREATE INDEX photo_readings_user ON photo_readings(user, created_at);
    """,
    # "Not this mood?": a list knows the reading it answered, a reading its next moods and the mood
    # its sender chose instead; every correction kept for `python -m evaluation corrections`.
    # "Mute <artist>": a person's muted artists.
    5: """
    ALTER TABLE recommendations ADD COLUMN reading INTEGER;
    ALTER TABLE photo_readings ADD COLUMN alternatives TEXT;
    ALTER TABLE photo_readings ADD COLUMN corrected TEXT;
    CREATE TABLE corrections (
        id INTEGER PRIMARY KEY AUTOINCREMENT, reading INTEGER, user TEXT NOT NULL, chat TEXT,
        said TEXT NOT NULL, chosen TEXT NOT NULL, created_at REAL NOT NULL
    );
    CREATE INDEX corrections_user ON corrections(user);
    CREATE TABLE muted_artists (
        user TEXT NOT NULL, artist TEXT NOT NULL, name TEXT NOT NULL, created_at REAL NOT NULL,
        PRIMARY KEY (user, artist)
    );
    """,
    # the collaborative signal as a summary kept with each rating (core.store.votes), built here
    # from the ratings already given
    6: f"""
    CREATE TABLE mood_votes (
        track TEXT NOT NULL, region INTEGER NOT NULL, score REAL NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (region, track)
    );
    CREATE INDEX mood_votes_score ON mood_votes(region, score);
    INSERT INTO mood_votes(track, region, score, n)
        SELECT ra.track, {region_sql("r.valence", "r.arousal", "sqlite")}, SUM(ra.score), COUNT(*)
        FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation GROUP BY 1, 2;
    """,
    # the language a person or a group chose to be answered in (bot.i18n)
    7: """
    ALTER TABLE settings ADD COLUMN language TEXT;
    """,
    # "Save to Spotify": a person's Spotify sign-in (the refresh token, encrypted) and sign-ins under way
    8: """
    CREATE TABLE spotify_links (user TEXT PRIMARY KEY, token BLOB NOT NULL, created_at REAL NOT NULL);
    CREATE TABLE sign_ins (
        state TEXT PRIMARY KEY, user TEXT NOT NULL, chat TEXT, platform TEXT NOT NULL, recommendation INTEGER,
        verifier BLOB NOT NULL, created_at REAL NOT NULL, language TEXT
    );
    CREATE INDEX sign_ins_user ON sign_ins(user);
    """,
}
SCHEMA_VERSION = max(MIGRATIONS)


_READING_COLUMNS = "user, label, valence, arousal, confidence, created_at, corrected, id, alternatives"


def _locked(exc: BaseException) -> bool:
    """SQLite's file stayed locked past `busy_timeout` (another writer, a long transaction)."""
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def _away(exc: BaseException) -> bool:
    """The file cannot be used: not openable, unreadable, or the disk full or read-only."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and any(
        s in text for s in ("unable to open", "disk i/o error", "readonly database", "disk is full"))


@busy_when(_locked, _away)
class SqliteStore(StoreLifecycle):
    """The database in one SQLite file. Use as `async with SqliteStore(path) as store:` or `await store.open()`."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000):
        self.path = Path(path)
        self.busy_timeout_ms = int(busy_timeout_ms)  # how long a write waits for another writer before StoreBusy
        self._db: Optional[aiosqlite.Connection] = None
        # one connection serves many concurrent handlers: write transactions take turns
        self._write_lock = asyncio.Lock()
        self._named_locks: dict[str, asyncio.Lock] = {}
        # the seams (core.store.base): each a small object over this store's connection
        self.tracks = SqliteTracks(self)
        self.lists = SqliteLists(self)
        self.ratings = SqliteRatings(self)
        self.readings = SqliteReadings(self)
        self.people = SqlitePeople(self)
        self.accounts = SqliteAccounts(self)

    async def open(self) -> "SqliteStore":
        on_disk = str(self.path) != ":memory:"
        if on_disk and not self.path.parent.exists():
            # a folder we create is ours alone; an existing one (say /tmp) is left as it is
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if on_disk:
            # readable by us only, from the start (and an older, world-readable file is tightened)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            try:
                os.chmod(self.path, 0o600)
            except PermissionError:  # not our file: leave it as its owner set it
                pass
        self._db = await aiosqlite.connect(self.path)
        try:
            self._db.row_factory = aiosqlite.Row
            await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute("PRAGMA synchronous=FULL")
            await self._db.execute("PRAGMA foreign_keys=ON")
            await self._db.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
            await self._migrate()
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @contextlib.asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """One holder at a time (the PostgreSQL store's is across workers; a SQLite file has one
        process, so this process's lock is enough)."""
        lock = self._named_locks.setdefault(name, asyncio.Lock())
        async with lock:
            yield

    def shared_limits(self, per_minute: int) -> Limits:
        """One process owns a SQLite file, so the admission limits live in this process."""
        return InProcessLimits(per_minute)

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the store is not open")
        return self._db

    async def _migrate(self) -> None:
        (version,) = await (await self.db.execute("PRAGMA user_version")).fetchone()
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}, newer than this Moodtune ({SCHEMA_VERSION}); upgrade Moodtune."
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript commits first; the version bump is in the same script, so a crash
            # mid-way leaves the old version and the migration runs again
            await self.db.executescript(f"BEGIN;\n{MIGRATIONS[target]}\nPRAGMA user_version={target};\nCOMMIT;")

    async def schema_version(self) -> int:
        (version,) = await (await self.db.execute("PRAGMA user_version")).fetchone()
        return int(version)

    async def get_meta(self, key: str) -> Optional[str]:
        row = await (await self.db.execute("SELECT value FROM meta WHERE key = ?", (key,))).fetchone()
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self._transaction():
            await self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- forget ---------------------------------------------------------------------------

    async def forget(self, user: str) -> dict[str, int]:
        """Delete every row about `user`; returns how many rows of each kind went."""
        counts = {}
        async with self._transaction():
            cur = await self.db.execute(
                "SELECT ra.track, ra.score, r.valence, r.arousal FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation "
                "WHERE ra.user = ?", (user,))
            for track, score, valence, arousal in await cur.fetchall():  # their scores leave the summary too
                await self.ratings._vote(track, valence, arousal, -score, -1)
            for table, sql in (
                ("ratings", "DELETE FROM ratings WHERE user = ?"),
                ("recommendations", "DELETE FROM recommendations WHERE user = ?"),
                ("settings", "DELETE FROM settings WHERE scope = 'user' AND id = ?"),
                ("photos", "DELETE FROM photo_readings WHERE user = ?"),
                ("corrections", "DELETE FROM corrections WHERE user = ?"),
                ("muted", "DELETE FROM muted_artists WHERE user = ?"),
                ("spotify", "DELETE FROM spotify_links WHERE user = ?"),
                ("sign_ins", "DELETE FROM sign_ins WHERE user = ?"),
            ):
                cur = await self.db.execute(sql, (user,))
                counts[table] = cur.rowcount
        return counts

    # --- spotify cache --------------------------------------------------------------------

    async def cache_get(self, key: str, max_age: float) -> Optional[Any]:
        row = await (await self.db.execute("SELECT value, fetched_at FROM spotify_cache WHERE key = ?", (key,))).fetchone()
        if row is None or time.time() - row[1] > max_age:
            return None
        return json.loads(row[0])

    async def cache_put(self, key: str, value: Any) -> None:
        async with self._transaction():
            await self.db.execute(
                "INSERT OR REPLACE INTO spotify_cache(key, value, fetched_at) VALUES (?, ?, ?)", (key, json.dumps(value), time.time())
            )

    # --- helpers --------------------------------------------------------------------------

    def _transaction(self):
        return _Transaction(self.db, self._write_lock)


class _SqlitePart:
    """One seam of the SQLite store (core.store.base), over its one connection and write lock."""

    def __init__(self, store: "SqliteStore"):
        self._store = store

    @property
    def db(self):
        return self._store.db

    def _transaction(self):
        return self._store._transaction()


@busy_when(_locked, _away)
class SqliteTracks(_SqlitePart):
    """The catalog's rows."""

    async def upsert_tracks(
        self, rows: Iterable[Sequence[Any]], source: str, replace: bool = False, keep_existing: bool = False
    ) -> int:
        """Insert or replace tracks (TRACK_FIELDS order) in one transaction; `replace` empties first,
        `keep_existing` leaves tracks already there (with the same id) as they are."""
        placeholders = ", ".join("?" * (len(TRACK_FIELDS) + 1))
        rows = [tuple(r) + (source,) for r in rows]
        verb = "INSERT OR IGNORE" if keep_existing else "INSERT OR REPLACE"
        async with self._transaction():
            if replace:
                await self.db.execute("DELETE FROM tracks")
            await self.db.executemany(f"{verb} INTO tracks({', '.join(TRACK_FIELDS)}, source) VALUES ({placeholders})", rows)
        return len(rows)

    async def delete_tracks(self, *, source: str) -> int:
        """Remove the tracks that came from one source (e.g. an older bundled catalog)."""
        async with self._transaction():
            cur = await self.db.execute("DELETE FROM tracks WHERE source = ?", (source,))
        return cur.rowcount

    async def fetch_tracks(self) -> list[aiosqlite.Row]:
        cur = await self.db.execute(f"SELECT {', '.join(TRACK_FIELDS)}, source FROM tracks ORDER BY rowid")
        return list(await cur.fetchall())

    async def count_tracks(self) -> int:
        (n,) = await (await self.db.execute("SELECT COUNT(*) FROM tracks")).fetchone()
        return int(n)


@busy_when(_locked, _away)
class SqliteLists(_SqlitePart):
    """The lists shown, and the messages that show them."""

    async def add_recommendation(
        self, *, user: Optional[str], chat: Optional[str], mood: str, valence: float, arousal: float, mode: str, tracks: Sequence[str],
        reading: Optional[int] = None,
    ) -> int:
        async with self._transaction():
            cur = await self.db.execute(
                "INSERT INTO recommendations(chat, user, mood, valence, arousal, mode, created_at, reading) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (chat, user, mood, valence, arousal, mode, time.time(), reading),
            )
            rec_id = int(cur.lastrowid)
            await self.db.executemany(
                "INSERT INTO recommendation_tracks(recommendation, position, track) VALUES (?, ?, ?)",
                [(rec_id, i, t) for i, t in enumerate(tracks)],
            )
        return rec_id

    async def get_recommendation(self, rec_id: int) -> Optional[StoredRecommendation]:
        row = await (await self.db.execute(
            "SELECT id, chat, user, mood, valence, arousal, mode, reading FROM recommendations WHERE id = ?", (rec_id,)
        )).fetchone()
        if row is None:
            return None
        return StoredRecommendation(*tuple(row)[:7], tracks=await self.recommendation_tracks(rec_id), reading=row[7])

    async def recommendation_tracks(self, rec_id: int) -> list[str]:
        cur = await self.db.execute("SELECT track FROM recommendation_tracks WHERE recommendation = ? ORDER BY position", (rec_id,))
        return [r[0] for r in await cur.fetchall()]

    async def recently_suggested(self, *, user: Optional[str], chat: Optional[str], limit: int = 20) -> dict[str, int]:
        """Track id -> how many of the last `limit` lists for this person or chat held it."""
        cur = await self.db.execute(
            """SELECT rt.track, COUNT(*) FROM recommendation_tracks rt
               JOIN (SELECT id FROM recommendations WHERE (user = ? AND ? IS NOT NULL) OR (chat = ? AND ? IS NOT NULL)
                     ORDER BY created_at DESC, id DESC LIMIT ?) r ON r.id = rt.recommendation
               GROUP BY rt.track""",
            (user, user, chat, chat, limit),
        )
        return {r[0]: int(r[1]) for r in await cur.fetchall()}

    async def latest(self, *, user: str, chat: Optional[str]) -> Optional[int]:
        """The person's last list in this chat (any chat: None)."""
        row = await (await self.db.execute(
            "SELECT id FROM recommendations WHERE user = ? AND (? IS NULL OR chat = ?) ORDER BY created_at DESC, id DESC LIMIT 1",
            (user, chat, chat))).fetchone()
        return int(row[0]) if row else None

    async def link_message(self, platform: str, chat: str, message_id: str, recommendation: int) -> None:
        async with self._transaction():
            await self.db.execute(
                "INSERT OR REPLACE INTO messages(platform, chat, message_id, recommendation) VALUES (?, ?, ?, ?)",
                (platform, chat, message_id, recommendation),
            )

    async def message_recommendation(self, platform: str, chat: str, message_id: str) -> Optional[int]:
        row = await (await self.db.execute(
            "SELECT recommendation FROM messages WHERE platform = ? AND chat = ? AND message_id = ?", (platform, chat, message_id)
        )).fetchone()
        return int(row[0]) if row else None


@busy_when(_locked, _away)
class SqliteRatings(_SqlitePart):
    """Ratings, and their summary per track and mood region (core.store.votes) kept in the same transaction."""

    async def rate(self, user: str, track: str, score: int, recommendation: Optional[int] = None) -> None:
        """Store a rating (+1 / -1); rating the same track again replaces the earlier one.

        Returns after the COMMIT has reached the disk.
        """
        if score not in (1, -1):
            raise ValueError("score must be 1 or -1")
        async with self._transaction():
            old = await (await self.db.execute(
                "SELECT ra.score, r.valence, r.arousal FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation "
                "WHERE ra.user = ? AND ra.track = ?", (user, track))).fetchone()
            if old is not None:  # a re-rating moves its earlier score out of the summary
                await self._vote(track, old[1], old[2], -old[0], -1)
            await self.db.execute(
                "INSERT OR REPLACE INTO ratings(user, track, recommendation, score, created_at) VALUES (?, ?, ?, ?, ?)",
                (user, track, recommendation, score, time.time()),
            )
            if recommendation is not None:
                point = await (await self.db.execute("SELECT valence, arousal FROM recommendations WHERE id = ?",
                                                     (recommendation,))).fetchone()
                if point is not None:
                    await self._vote(track, point[0], point[1], score, 1)

    async def _vote(self, track: str, valence: float, arousal: float, score: int, n: int) -> None:
        await self.db.execute(
            "INSERT INTO mood_votes(track, region, score, n) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(region, track) DO UPDATE SET score = score + excluded.score, n = n + excluded.n",
            (track, region_of(valence, arousal), score, n))

    async def mood_votes(self, regions: Sequence[int]) -> Votes:
        """Others' ratings summed per track in these regions (core.store.votes), each as one
        MoodRating at its region's centre."""
        if not regions:
            return Votes()
        part = ("SELECT * FROM (SELECT track, region, score FROM mood_votes WHERE region = ? AND score {op} 0 "
                "ORDER BY score {order} LIMIT ?)")
        sql = " UNION ALL ".join(part.format(op=op, order=order) for _ in regions for op, order in ((">", "DESC"), ("<", "ASC")))
        args = [x for r in regions for x in (r, VOTES_LIKED, r, VOTES_DISLIKED)]
        cur = await self.db.execute(sql, args)
        return votes_from_rows(await cur.fetchall())

    async def own_mood_ratings(self, user: str) -> list[MoodRating]:
        """A person's own ratings with their list's mood at its region's centre (to take them out
        of `mood_votes`: the collaborative signal is what others liked)."""
        cur = await self.db.execute(
            "SELECT ra.track, ra.score, r.valence, r.arousal FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation "
            "WHERE ra.user = ?", (user,))
        return [MoodRating(user, t, s, *region_centre(region_of(v, a))) for t, s, v, a in await cur.fetchall()]

    async def ratings_of(self, user: str) -> list[Rating]:
        cur = await self.db.execute(
            "SELECT user, track, score, recommendation, created_at FROM ratings WHERE user = ? ORDER BY created_at", (user,)
        )
        return [Rating(*r) for r in await cur.fetchall()]

    async def ratings_of_chat(self, chat: str, exclude_user: Optional[str] = None) -> list[Rating]:
        """Ratings members gave on lists shown in a chat (a group's shared taste)."""
        cur = await self.db.execute(
            """SELECT ra.user, ra.track, ra.score, ra.recommendation, ra.created_at FROM ratings ra
               JOIN recommendations r ON r.id = ra.recommendation
               WHERE r.chat = ? AND (? IS NULL OR ra.user != ?)""",
            (chat, exclude_user, exclude_user),
        )
        return [Rating(*r) for r in await cur.fetchall()]

    async def liked_tracks(self, *, user: Optional[str] = None, chat: Optional[str] = None, limit: int = 10) -> list[tuple[str, int]]:
        """(track id, likes) liked most by a person, or by a chat's members on the chat's lists."""
        if user is not None:
            cur = await self.db.execute(
                "SELECT track, 1 FROM ratings WHERE user = ? AND score > 0 ORDER BY created_at DESC LIMIT ?", (user, limit))
        else:
            cur = await self.db.execute(
                """SELECT ra.track, SUM(ra.score) AS likes FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation
                   WHERE r.chat = ? GROUP BY ra.track HAVING SUM(ra.score) > 0 ORDER BY likes DESC, MAX(ra.created_at) DESC LIMIT ?""",
                (chat, limit))
        return [(r[0], int(r[1])) for r in await cur.fetchall()]


@busy_when(_locked, _away)
class SqliteReadings(_SqlitePart):
    """Photo readings and the moods their senders corrected."""

    async def add_photo_reading(self, *, chat: str, user: Optional[str], label: str, valence: float, arousal: float, confidence: float,
                                alternatives: Sequence[str] = ()) -> int:
        async with self._transaction():
            cur = await self.db.execute(
                "INSERT INTO photo_readings(chat, user, label, valence, arousal, confidence, created_at, alternatives) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (chat, user, label, valence, arousal, confidence, time.time(), ",".join(alternatives)),
            )
        return int(cur.lastrowid)

    async def photo_reading(self, reading: int) -> Optional[PhotoReading]:
        row = await (await self.db.execute(
            f"SELECT {_READING_COLUMNS} FROM photo_readings WHERE id = ?", (reading,))).fetchone()
        return reading_from_row(row) if row else None

    async def add_correction(self, *, reading: int, user: str, chat: Optional[str], said: str, chosen: str) -> None:
        """The sender of a photo says its mood was `chosen`, not `said`: kept, and the reading shows it."""
        async with self._transaction():
            await self.db.execute(
                "INSERT INTO corrections(reading, user, chat, said, chosen, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (reading, user, chat, said, chosen, time.time()))
            await self.db.execute("UPDATE photo_readings SET corrected = ? WHERE id = ?", (chosen, reading))

    async def corrections(self) -> list[tuple[str, str, int]]:
        """(the mood said, the mood chosen, how often), most frequent first."""
        cur = await self.db.execute("SELECT said, chosen, COUNT(*) FROM corrections GROUP BY said, chosen ORDER BY 3 DESC, 1, 2")
        return [(r[0], r[1], int(r[2])) for r in await cur.fetchall()]

    async def photo_history(self, *, user: Optional[str] = None, chat: Optional[str] = None, limit: int = 30) -> list[PhotoReading]:
        """The last `limit` readings of a person (everywhere) or of a chat, oldest first."""
        column, key = ("user", user) if user is not None else ("chat", chat)
        cur = await self.db.execute(
            f"SELECT {_READING_COLUMNS} FROM photo_readings WHERE {column} = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?", (key, limit),
        )
        return [reading_from_row(r) for r in reversed(await cur.fetchall())]

    async def photo_readings(self, chat: str, since: float) -> list[PhotoReading]:
        cur = await self.db.execute(
            f"SELECT {_READING_COLUMNS} FROM photo_readings WHERE chat = ? AND created_at >= ? ORDER BY created_at",
            (chat, since),
        )
        return [reading_from_row(r) for r in await cur.fetchall()]


@busy_when(_locked, _away)
class SqlitePeople(_SqlitePart):
    """What a person or chat set, and the artists they muted."""

    async def mute_artist(self, user: str, artist: str, name: str) -> None:
        """`artist`: the normalised key (core.music.catalog.artist_key); `name`: as shown."""
        async with self._transaction():
            await self.db.execute("INSERT INTO muted_artists(user, artist, name, created_at) VALUES (?, ?, ?, ?) "
                                  "ON CONFLICT(user, artist) DO UPDATE SET name = excluded.name", (user, artist, name, time.time()))

    async def unmute_artist(self, user: str, artist: str) -> bool:
        async with self._transaction():
            cur = await self.db.execute("DELETE FROM muted_artists WHERE user = ? AND artist = ?", (user, artist))
        return cur.rowcount > 0

    async def muted_artists(self, user: str) -> list[tuple[str, str]]:
        """(key, name) of the artists a person muted, oldest first."""
        cur = await self.db.execute("SELECT artist, name FROM muted_artists WHERE user = ? ORDER BY created_at, artist", (user,))
        return [(r[0], r[1]) for r in await cur.fetchall()]

    async def get_settings(self, scope: str, id: str) -> ChatSettings:
        row = await (await self.db.execute(
            "SELECT mode, target, list_length, allow_explicit, cards, language FROM settings WHERE scope = ? AND id = ?", (scope, id)
        )).fetchone()
        return settings_from_row(row)

    async def set_settings(self, scope: str, id: str, **values: Any) -> ChatSettings:
        current = await self.get_settings(scope, id)
        merged = {**current.__dict__, **{k: v for k, v in values.items() if k in ChatSettings.__dataclass_fields__}}
        async with self._transaction():
            await self.db.execute(
                "INSERT OR REPLACE INTO settings(scope, id, mode, target, list_length, allow_explicit, cards, language) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (scope, id, merged["mode"], merged["target"], merged["list_length"], flag_column(merged["allow_explicit"]),
                 flag_column(merged["cards"]), merged["language"]),
            )
        return ChatSettings(**merged)


@busy_when(_locked, _away)
class SqliteAccounts(_SqlitePart):
    """Spotify sign-ins: a person's encrypted refresh token, and sign-ins waiting for their callback."""

    async def put_link(self, user: str, token: bytes) -> None:
        async with self._transaction():
            await self.db.execute("INSERT OR REPLACE INTO spotify_links(user, token, created_at) VALUES (?, ?, ?)",
                                  (user, token, time.time()))

    async def get_link(self, user: str) -> Optional[bytes]:
        row = await (await self.db.execute("SELECT token FROM spotify_links WHERE user = ?", (user,))).fetchone()
        return bytes(row[0]) if row else None

    async def drop_link(self, user: str) -> bool:
        async with self._transaction():
            cur = await self.db.execute("DELETE FROM spotify_links WHERE user = ?", (user,))
        return cur.rowcount > 0

    async def add_sign_in(self, *, state: str, user: str, chat: Optional[str], platform: str, recommendation: Optional[int],
                          verifier: bytes, language: Optional[str] = None, keep: int = 5) -> None:
        """A sign-in under way; a person's older ones beyond `keep` go (memory and rows stay bounded)."""
        async with self._transaction():
            await self.db.execute("INSERT INTO sign_ins(state, user, chat, platform, recommendation, verifier, created_at, language) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                  (state, user, chat, platform, recommendation, verifier, time.time(), language))
            await self.db.execute("DELETE FROM sign_ins WHERE user = ? AND state NOT IN "
                                  "(SELECT state FROM sign_ins WHERE user = ? ORDER BY created_at DESC LIMIT ?)", (user, user, keep))

    async def take_sign_in(self, state: str) -> Optional[SignInRecord]:
        """The sign-in for `state`, removed as it is read: a state works once."""
        async with self._transaction():
            row = await (await self.db.execute("SELECT user, chat, platform, recommendation, verifier, created_at, language "
                                               "FROM sign_ins WHERE state = ?", (state,))).fetchone()
            if row is None:
                return None
            await self.db.execute("DELETE FROM sign_ins WHERE state = ?", (state,))
        return SignInRecord(row[0], row[1], row[2], row[3], bytes(row[4]), row[5], row[6])


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error; one at a time per connection."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock):
        self.db = db
        self.lock = lock

    async def __aenter__(self):
        await self.lock.acquire()
        try:
            await self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise

    async def __aexit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                await self.db.commit()
            else:
                await self.db.rollback()
        finally:
            self.lock.release()
