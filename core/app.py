"""Moodtune's core: the operations every surface (CLI, Telegram, Discord) needs, over the store,
catalog, pipeline and recommender. Opened and closed by bot.root; tests may pass their own pieces.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable, Optional

from core.reading.aggregate import combine
from core.music.catalog import Catalog, Track, credit_key, credits
from core.errors import NothingToDo, UserError
from core.emotions import LABELS, VA, VA_POINTS, normalize_label
from core.reading.fusion import MoodReading
from core.limits import Limits, take_turn
from core.music.recommender import MAX_SONGS, Recommendation, Recommender, recommend
from core.settings import Settings
from core.store import ChatSettings, PhotoReading, Store, open_store

SOUNDTRACK_WINDOW = 3600.0  # a group's soundtrack covers the photos of the last hour
HISTORY_READINGS = 30  # /history shows this many readings
SOUNDTRACK_SONGS = 8  # a soundtrack is a little longer than a photo's list, unless the chat set a length




@dataclass
class PhotoAnswer:
    reading: MoodReading
    recommendation: Recommendation


@dataclass
class PreviewItem:
    """One song of a list, for the ▶ button: its preview (None: Deezer has none), and where one is
    at hand, the platform's own id of a preview it already has, or the audio itself."""

    track: Track
    preview: Optional[object] = None  # core.music.previews.Preview
    file_id: Optional[str] = None
    audio: Optional[bytes] = None


PREVIEW_FILE_DAYS = 30  # a platform keeps a sent file's id usable for long; refreshed on each send
PREVIEW_COOLDOWN_CHATS = 10_000  # chats whose last ▶ press is remembered (memory stays bounded)


class _NoSlot:
    """An admission that needs no place in the photo queue (an inline query reads no photo)."""

    def release(self) -> None:
        pass


INLINE_CACHE = 256  # inline answers kept for a minute (people type a query letter by letter)
INLINE_CACHE_SECONDS = 60.0


@dataclass
class History:
    """A person's or a chat's last readings (oldest first), the moods counted, the songs liked most."""

    readings: list[PhotoReading]
    counts: list[tuple[str, int]]
    liked: list[Track]


class Moodtune:
    """Open with `await Moodtune.open(settings)`; close with `await app.close()`."""

    def __init__(
        self, settings: Settings, store: Store, catalog: Catalog, pipeline=None,
        recommender: Optional[Recommender] = None, spotify=None, owns: tuple[str, ...] = ("store", "pipeline"),
        previews=None,
    ):
        self.settings = settings
        self._store = store  # private: the bots reach data only through this service's operations
        self.catalog = catalog
        self._pipeline = pipeline
        self.recommender = recommender or Recommender(catalog)
        self.spotify = spotify  # core.music.spotify.SpotifyEnricher, or None
        self.previews = previews  # core.music.previews.DeezerPreviews, or None (MOODTUNE_PREVIEWS=off)
        self._preview_pressed: "OrderedDict[str, float]" = OrderedDict()
        self._inline: "OrderedDict[str, tuple[float, object]]" = OrderedDict()
        self._owns = owns  # what close() closes: the pieces this core opened, not those it was given
        # shared by all workers when the store is PostgreSQL, this process's own otherwise
        self._limits: Limits = store.shared_limits(settings.photos_per_minute)
        self._in_flight = 0  # photos this process has admitted and not answered yet
        self._closing = False
        self._idle = asyncio.Event()
        self._idle.set()

    @classmethod
    async def open(cls, settings: Settings, *, with_pipeline: bool = True, store: Optional[Store] = None, pipeline=None,
                   spotify=None, recommender: Optional[Recommender] = None) -> "Moodtune":
        """The real pieces from `settings`, except those given (tests pass a store, a pipeline, or a
        recommender over the catalog their store holds, built once for many tests).
        Called by bot.root, the one composition root."""
        owns = tuple(name for name, given in (("store", store), ("pipeline", pipeline)) if given is None)
        store = store or await open_store(settings.db_path)
        catalog = recommender.catalog if recommender is not None else await Catalog.load(store)
        if pipeline is None and with_pipeline:
            from core.reading.pipeline import Pipeline

            pipeline = await asyncio.to_thread(Pipeline.from_settings, settings)
        if spotify is None and settings.spotify_client_id and settings.spotify_client_secret:
            from core.music.spotify import SpotifyEnricher

            spotify = SpotifyEnricher(
                settings.spotify_client_id, settings.spotify_client_secret.get_secret_value(), store,
                api_url=settings.spotify_api_url, token_url=settings.spotify_token_url,
            )
        previews = None
        if settings.previews:
            from core.music.previews import DeezerPreviews

            previews = DeezerPreviews(settings.deezer_api_base_url)
        app = cls(settings, store, catalog, pipeline, recommender=recommender, spotify=spotify, owns=owns, previews=previews)
        if previews is not None:
            previews.shared = app._limits  # across workers when the store is PostgreSQL
        return app

    def stop_admitting(self) -> None:
        """From now on a new photo is answered 'restarting, send it again' at once."""
        self._closing = True

    @property
    def photos_in_flight(self) -> int:
        return self._in_flight

    async def drain(self, timeout: float) -> bool:
        """Stop admitting photos and wait up to `timeout` s for those admitted to be answered.
        True when none is left (those left are the caller's to cancel)."""
        self.stop_admitting()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def close(self) -> None:
        """Close the pipeline (its workers finish the photo each is on) and then the store."""
        self.stop_admitting()
        if self.previews is not None:
            await self.previews.close()
        if self._pipeline is not None and "pipeline" in self._owns:
            await asyncio.to_thread(self._pipeline.close)
        if "store" in self._owns:
            await self._store.close()

    async def songs_for_reading(
        self, reading: MoodReading, *, user: Optional[str] = None, chat: Optional[str] = None,
        mode: Optional[str] = None, target: Optional[str] = None, n: Optional[int] = None, group: bool = False,
        reading_id: Optional[int] = None,
    ) -> Recommendation:
        """Songs for a photo's reading: its whole label distribution and its VA point drive the list."""
        prefs = await self._preferences(user, chat, mode, target, n, group)
        rec = await recommend(
            self._store, self.recommender, point=VA(reading.valence, reading.arousal), label=reading.label,
            distribution=reading.distribution, user=user, chat=chat, reading=reading_id, **prefs,
        )
        return await self._enrich(rec)

    async def songs_for_mood(
        self, *, label: Optional[str] = None, va: Optional[VA] = None, user: Optional[str] = None,
        chat: Optional[str] = None, mode: Optional[str] = None, target: Optional[str] = None, n: Optional[int] = None,
        group: bool = False, distribution: Optional[dict[str, float]] = None, save: bool = True,
    ) -> Recommendation:
        """Songs for a named emotion or a VA point (raises UnknownLabel for unknown names);
        `save=False`: a list nobody can act on later (inline results), not stored."""
        from core.music.targets import nearest_label

        if label is not None:
            label = normalize_label(label)
            point = va or VA_POINTS[label]
        elif va is not None:
            point, label = va, nearest_label(va)
        else:
            raise ValueError("give an emotion label or a valence/arousal point")
        prefs = await self._preferences(user, chat, mode, target, n, group)
        rec = await recommend(self._store, self.recommender, point=point, label=label, distribution=distribution,
                              user=user, chat=chat, save=save, **prefs)
        return await self._enrich(rec)

    async def _enrich(self, rec: Recommendation) -> Recommendation:
        """Album art and fresher ids from Spotify when configured; unchanged otherwise."""
        if self.spotify is None or not rec.songs:
            return rec
        found = await self.spotify.enrich(s.track for s in rec.songs)
        for song in rec.songs:
            extra = found.get(song.track.id)
            if extra is not None:
                song.album_art = extra.album_art
                song.spotify_id = extra.track_id if extra.track_id != song.track.id else None
        return rec

    # --- what the chat surfaces do ------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def admit_photo(self, *, user: str, chat: str, group: bool = False) -> AsyncIterator["Admitted"]:
        """Take what a photo needs before anything is done for it — before the download and the
        'typing…' action: a place in this chat's share, a place in the photo queue, and (only when
        both are free) one of the person's photos this minute. A refusal costs the person nothing and
        raises RateLimited, PipelineBusy (the expected wait is over `max_queue_wait`) or, while
        shutting down, a UserError.

        The place waits without the photo's bytes (core.reading.queue): `Admitted.photo` / `album`
        wait for its turn before they download, so at most the queue's workers hold photos in memory
        whatever arrives, and one chat holds at most `photos_in_flight_per_chat` places (never all),
        so one flooding group cannot starve the others. Yields what may be answered with the place.
        """
        if self._closing:
            raise UserError("shutting_down")
        cap = max(1, min(self.settings.photos_in_flight_per_chat, self._pipeline.capacity - 1))
        ticket = await self._limits.admit(user=user, chat=chat, per_minute=self.settings.photos_per_minute, chat_cap=cap,
                                          reserve=lambda: self._pipeline.reserve(chat))
        self._in_flight += 1
        self._idle.clear()
        try:
            yield Admitted(self, ticket.slot, user=user, chat=chat, group=group)
        finally:
            ticket.slot.release()
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()
            await self._limits.release(ticket)

    async def answer_photo(self, data: bytes, *, user: str, chat: str, group: bool = False) -> PhotoAnswer:
        """A photo, GIF or video (bytes) from a person in a chat → reading + songs, admitted here
        (when the caller must do something between admission and reading, use `admit_photo`)."""
        async def already_here() -> bytes:
            return data

        async with self.admit_photo(user=user, chat=chat, group=group) as admitted:
            return await admitted.photo(already_here)

    async def _read_words(self, words: str):
        """The mood in some words (core.reading.words.WordsReading): the pipeline's reading (the scene
        model's text tower when it is in memory, else the word table), the word table alone when
        there is no pipeline. Raises UserError('no_mood_in_words') when they carry none."""
        from core.reading.words import read_words

        reading = (await asyncio.to_thread(self._pipeline.read_words, words)) if self._pipeline is not None else read_words(words)
        if reading is None:
            raise UserError("no_mood_in_words", text=words)
        return reading

    async def _read(self, data: bytes, place) -> MoodReading:
        return await self._pipeline.analyze_async(data, place)

    async def songs_for_words(self, text: str, *, user: Optional[str] = None, chat: Optional[str] = None,
                              n: Optional[int] = None, group: bool = False):
        """`/mood rainy sunday`: the mood the words carry and a list for it (a WordsReading and a
        Recommendation). Raises UserError('no_mood_in_words') when the words carry none."""
        words = (text or "").strip()
        if not words:
            raise UserError("no_words")
        reading = await self._read_words(words)
        rec = await self.songs_for_mood(label=reading.label, va=reading.point, user=user, chat=chat, mode="match", n=n,
                                        group=group, distribution=dict(reading.distribution))
        return reading, rec

    async def read_photo(self, data: bytes) -> MoodReading:
        """The reading of one photo or clip, outside the chat queue (the command line).
        Raises core.reading.images.ImageError / core.reading.video.ClipError (UserErrors)."""
        return await asyncio.to_thread(self._pipeline.analyze, data)

    async def _answer_reading(self, reading: MoodReading, *, user: str, chat: str, group: bool) -> PhotoAnswer:
        reading_id = await self._store.add_photo_reading(
            chat=chat, user=user, label=reading.label, valence=reading.valence, arousal=reading.arousal, confidence=reading.confidence,
            alternatives=[label for label, _ in reading.top[1:4]],
        )
        rec = await self.songs_for_reading(reading, user=user, chat=chat, group=group, reading_id=reading_id)
        return PhotoAnswer(reading, rec)

    async def soundtrack(
        self, *, chat: str, user: Optional[str] = None, n: Optional[int] = None, window: float = SOUNDTRACK_WINDOW, group: bool = True,
    ) -> tuple[Recommendation, int]:
        """One list for the photos seen in a chat recently: their mood averaged (weighted by
        confidence), the chat members' ratings blended in. Returns the list and the photo count."""
        photos = await self._store.photo_readings(chat, since=time.time() - window)
        if not photos:
            raise NothingToDo("no_recent_photos")
        weights = [p.confidence + 0.1 for p in photos]
        total = sum(weights)
        point = VA(sum(w * p.valence for w, p in zip(weights, photos)) / total, sum(w * p.arousal for w, p in zip(weights, photos)) / total)
        votes: dict[str, float] = {}
        for w, p in zip(weights, photos):
            votes[p.label] = votes.get(p.label, 0.0) + w
        label = max(votes, key=votes.__getitem__)
        n = n or (await self._store.get_settings("chat", chat)).list_length or SOUNDTRACK_SONGS
        rec = await self.songs_for_mood(label=label, va=point, user=user, chat=chat, mode="match", n=n, group=group,
                                        distribution=votes)
        return rec, len(photos)

    async def history(self, *, user: Optional[str] = None, chat: Optional[str] = None, limit: int = HISTORY_READINGS) -> History:
        """A person's last readings wherever they sent them (`user`), or a group's (`chat`)."""
        readings = await self._store.photo_history(user=user, chat=chat, limit=limit)
        counts: dict[str, int] = {}
        for r in readings:  # a mood its sender corrected counts as the mood they chose
            mood = r.corrected or r.label
            counts[mood] = counts.get(mood, 0) + 1
        liked = [t for t in (self.catalog.get(tid) for tid, _ in await self._store.liked_tracks(user=user, chat=chat)) if t is not None]
        return History(readings, sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), liked)

    async def settings_of(self, scope: str, id: str) -> ChatSettings:
        """What a person ('user') or a chat ('chat') has set."""
        return await self._store.get_settings(scope, id)

    async def forget(self, user: str) -> dict[str, int]:
        """Delete every row about a person: ratings, lists, settings, photo readings."""
        return await self._store.forget(user)

    async def link_message(self, platform: str, chat: str, message_id: str, recommendation: int) -> None:
        """A list was sent as this message: reactions on it now rate the list."""
        await self._store.link_message(platform, chat, message_id, recommendation)

    async def list_of_message(self, platform: str, chat: str, message_id: str) -> Optional[int]:
        """The list a message of ours shows, if any."""
        return await self._store.message_recommendation(platform, chat, message_id)

    async def first_delivery(self, platform: str, update_id: int) -> bool:
        """False when this update was handled already (by any worker sharing the store)."""
        return await self._limits.first_delivery(platform, update_id)

    async def register_once(self, name: str, fingerprint: str, register) -> bool:
        """Run `register()` (an async callable) unless the same `fingerprint` was registered under
        `name` already, by this or any worker; '' forgets it. True when it ran."""
        async with self._store.exclusive(name):
            if await self._store.get_meta(name) == fingerprint:
                return False
            if fingerprint:
                await register()
            await self._store.set_meta(name, fingerprint)
            return bool(fingerprint)

    async def rate_track(self, *, user: str, track: str, score: int, recommendation: Optional[int] = None) -> Track:
        """A rating by track id (the command line): the track must be in the catalog, and in the list
        when a list is named. Raises UserError('unknown_track' / 'not_in_list')."""
        found = self.catalog.get(track)
        if found is None:
            raise UserError("unknown_track", track=track)
        if recommendation is not None and track not in await self._store.recommendation_tracks(recommendation):
            raise UserError("not_in_list", track=track, recommendation=recommendation)
        if score not in (1, -1):
            raise UserError("bad_score")
        await self._store.rate(user, track, score, recommendation)
        return found

    async def cards_enabled(self, scope: str, id: str) -> bool:
        return (await self._store.get_settings(scope, id)).cards is not False

    async def set_cards(self, *, scope: str, id: str, on: bool) -> ChatSettings:
        return await self._store.set_settings(scope, id, cards=on)

    async def _own_list(self, recommendation: int, chat: Optional[str]):
        """The stored list, if it was shown in `chat` (None: the command line, which may act on any).

        A button or reaction can only act on lists shown in the chat it comes from: a person on
        their own lists, a group's members on the group's. Any other list — someone else's, or one
        that does not exist — gets the same answer, so nothing about it leaks.
        """
        stored = await self._store.get_recommendation(recommendation)
        if stored is None or (chat is not None and stored.chat != chat):
            raise UserError("list_gone")
        return stored

    async def rate_song(self, *, user: str, recommendation: int, position: int, score: int, chat: Optional[str] = None) -> Track:
        """A 👍/👎 on one song of a list the bot showed in `chat`."""
        stored = await self._own_list(recommendation, chat)
        if not 0 <= position < len(stored.tracks):
            raise UserError("list_gone")
        track_id = stored.tracks[position]
        await self._store.rate(user, track_id, score, recommendation)
        track = self.catalog.get(track_id)
        if track is None:  # the catalog was replaced since; the rating is kept all the same
            raise UserError("saved_song_gone")
        return track

    async def rate_list(self, *, user: str, recommendation: int, score: int, chat: Optional[str] = None) -> int:
        """A reaction on the whole list (shown in `chat`): every song in it gets the score. Returns how many."""
        try:
            stored = await self._own_list(recommendation, chat)
        except UserError:
            return 0
        for track_id in stored.tracks:
            await self._store.rate(user, track_id, score, recommendation)
        return len(stored.tracks)

    async def preview_list(self, recommendation: int, *, chat: str, platform: str, audio: bool = False) -> list[PreviewItem]:
        """The ▶ button: each song of a list shown in `chat` with its 30-second preview, looked up
        now (Deezer's URLs expire). A platform that already holds a song's preview (`platform`'s
        file id, remembered) gets that id instead; with `audio` the MP3s themselves are fetched (for
        attachments). One press per chat every `preview_cooldown` seconds (UserError otherwise)."""
        self.check_previews(chat)
        stored = await self._own_list(recommendation, chat)
        self._preview_pressed[chat] = time.monotonic()
        self._preview_pressed.move_to_end(chat)
        while len(self._preview_pressed) > PREVIEW_COOLDOWN_CHATS:
            self._preview_pressed.popitem(last=False)
        items = [PreviewItem(t) for t in (self.catalog.get(tid) for tid in stored.tracks) if t is not None]
        for item in items:
            item.file_id = await self._store.cache_get(f"preview:{platform}:{item.track.id}", PREVIEW_FILE_DAYS * 86400)
        wanted = [i for i in items if i.file_id is None]
        found = await self.previews.find_all(i.track for i in wanted)
        for item in wanted:
            item.preview = found.get(item.track.id)
        if audio:
            fetched = await asyncio.gather(*(self.previews.audio(i.preview) for i in wanted if i.preview is not None))
            for item, data in zip([i for i in wanted if i.preview is not None], fetched):
                item.audio = data
                if data is None:
                    item.preview = None
        return items

    async def inline_songs(self, query: str, *, user: str) -> tuple[object, list[PreviewItem]]:
        """Telegram's inline mode (`@bot calm`, `@bot rainy sunday`): the mood of the words and its
        songs with their previews where Deezer has them. Admitted like a photo (the person's photos
        a minute count it too), answered from a one-minute cache for the same words, nothing stored.
        Raises UserError ('no_words', 'no_mood_in_words', a limit)."""
        from core.reading.words import MAX_CHARS

        words = " ".join((query or "").split())[:MAX_CHARS].lower()
        if not words:
            raise UserError("no_words")
        hit = self._inline.get(words)
        if hit is not None and time.monotonic() - hit[0] < INLINE_CACHE_SECONDS:
            return hit[1]
        ticket = await self._limits.admit(user=user, chat=f"inline:{user}", per_minute=self.settings.photos_per_minute,
                                          chat_cap=1, reserve=_NoSlot)
        try:
            try:
                label = normalize_label(words)
                reading = None
            except ValueError:
                reading = await self._read_words(words)
                label = reading.label
            rec = await self.songs_for_mood(label=label, va=reading.point if reading else None, mode="match",
                                            distribution=dict(reading.distribution) if reading else None, save=False)
            items = [PreviewItem(s.track) for s in rec.songs]
            if self.previews is not None:
                found = await self.previews.find_all(i.track for i in items)
                for item in items:
                    item.preview = found.get(item.track.id)
        finally:
            await self._limits.release(ticket)
        result = (reading or label, items)
        self._inline[words] = (time.monotonic(), result)
        while len(self._inline) > INLINE_CACHE:
            self._inline.popitem(last=False)
        return result

    async def song_previews(self, rec: Recommendation) -> dict[str, Optional[str]]:
        """track id → its preview URL now (None: Deezer has none), for the command line's --previews."""
        if self.previews is None:
            raise UserError("previews_off")
        found = await self.previews.find_all(s.track for s in rec.songs)
        return {tid: (p.url if p else None) for tid, p in found.items()}

    def check_previews(self, chat: Optional[str]) -> None:
        """Raise UserError unless ▶ may be pressed in this chat now (previews on, cooldown over)."""
        if self.previews is None:
            raise UserError("previews_off")
        last = self._preview_pressed.get(chat)
        now = time.monotonic()
        if last is not None and now - last < self.settings.preview_cooldown:
            raise UserError("previews_cooldown", seconds=int(self.settings.preview_cooldown - (now - last)) + 1)

    async def take_turn(self, name: str, limit: int, window: float) -> None:
        """Wait for a turn under a rate shared by every worker (counted in the database on
        PostgreSQL; on SQLite the one process's own limiter keeps it): Telegram's per-bot limits."""
        await take_turn(self._limits, name, limit, window)

    async def remember_preview_file(self, platform: str, track: str, file_id: str) -> None:
        """The platform now holds this song's preview as `file_id`: the next ▶ reuses it."""
        await self._store.cache_put(f"preview:{platform}:{track}", file_id)

    async def check_list(self, recommendation: int, *, chat: Optional[str] = None) -> None:
        """Raise UserError('list_gone') unless the list exists and was shown in `chat`."""
        await self._own_list(recommendation, chat)

    async def _own_photo(self, recommendation: int, user: str, chat: Optional[str]):
        """The list and the photo reading it answered, when `user` sent that photo (only they may
        correct its mood); UserError otherwise."""
        stored = await self._own_list(recommendation, chat)
        if stored.reading is None:
            raise UserError("no_reading_to_correct")
        if stored.user != user:
            raise UserError("not_your_photo")
        reading = await self._store.photo_reading(stored.reading)
        if reading is None:
            raise UserError("list_gone")
        return stored, reading

    async def mood_choices(self, recommendation: int, *, user: str, chat: Optional[str] = None) -> tuple[str, list[str]]:
        """'Not this mood?': the mood said and every other mood to choose from, the reading's next
        moods first (the ones it nearly said), then the rest in label order."""
        _, reading = await self._own_photo(recommendation, user, chat)
        said = reading.corrected or reading.label
        first = [lab for lab in reading.alternatives if lab in LABELS and lab != said]
        return said, first + [lab for lab in LABELS if lab != said and lab not in first]

    async def correct_mood(self, recommendation: int, *, user: str, chat: Optional[str], label: str,
                           group: bool = False) -> Recommendation:
        """The photo's sender says its mood is `label`: the correction is kept (the reading shows it
        in /history; `python -m core.eval corrections` counts them) and a list for that mood follows,
        under the same rules as any list in this chat."""
        stored, reading = await self._own_photo(recommendation, user, chat)
        try:
            label = normalize_label(label)
        except ValueError:
            raise UserError("unknown_mood", name=label, labels=LABELS) from None
        await self._store.add_correction(reading=stored.reading, user=user, chat=chat, said=reading.corrected or reading.label,
                                         chosen=label)
        return await self.songs_for_mood(label=label, user=user, chat=chat, mode="match", group=group)

    async def song_credits(self, recommendation: int, position: int, *, chat: Optional[str] = None) -> list[str]:
        """The artists credited on one song of a list shown in `chat` (what 'Mute …' offers)."""
        stored = await self._own_list(recommendation, chat)
        if not 0 <= position < len(stored.tracks):
            raise UserError("list_gone")
        track = self.catalog.get(stored.tracks[position])
        return credits(track.artist)[:3] if track is not None else []

    async def mute_credit(self, recommendation: int, position: int, credit: int, *, user: str, chat: Optional[str] = None,
                          for_group: bool = False) -> str:
        """Mute one credited artist of a song of a list shown in `chat`: for `user`, or (an admin's
        choice, `for_group`) for every list in that group. Returns the name."""
        names = await self.song_credits(recommendation, position, chat=chat)
        if not 0 <= credit < len(names):
            raise UserError("list_gone")
        await self._store.mute_artist(chat if for_group and chat else user, credit_key(names[credit]), names[credit])
        return names[credit]

    async def muted_artists(self, owner: str) -> list[str]:
        """The names of the artists a person (or a group, by its id) muted, oldest first."""
        return [name for _, name in await self._store.muted_artists(owner)]

    async def unmute(self, owner: str, index: int) -> str:
        """Unmute the index-th of a person's (or group's) muted artists (as `muted_artists` lists them)."""
        muted = await self._store.muted_artists(owner)
        if not 0 <= index < len(muted):
            raise UserError("not_muted")
        key, name = muted[index]
        await self._store.unmute_artist(owner, key)
        return name

    async def follow_up(
        self, recommendation: int, *, user: str, chat: str, mode: str, target: Optional[str] = None, group: bool = False,
    ) -> Recommendation:
        """'More like this' (mode match) or 'shift toward X' for the mood of an earlier list shown in `chat`."""
        stored = await self._own_list(recommendation, chat)
        return await self.songs_for_mood(
            label=stored.mood, va=VA(stored.valence, stored.arousal), user=user, chat=chat, mode=mode, target=target, group=group
        )

    async def set_mode(self, *, scope: str, id: str, mode: str, target: Optional[str] = None) -> ChatSettings:
        if mode not in ("match", "shift"):
            raise UserError("bad_mode")
        if target is not None:
            try:
                target = normalize_label(target)
            except ValueError:
                raise UserError("unknown_mood", name=target, labels=LABELS) from None
        return await self._store.set_settings(scope, id, mode=mode, target=target if mode == "shift" else None)

    async def set_list_length(self, *, scope: str, id: str, n: int) -> ChatSettings:
        if not 1 <= n <= MAX_SONGS:
            raise UserError("bad_length", max=MAX_SONGS)
        return await self._store.set_settings(scope, id, list_length=n)

    async def set_explicit(self, *, scope: str, id: str, allowed: bool) -> ChatSettings:
        """Whether lists here may hold songs marked explicit (groups: off unless set; private: on)."""
        return await self._store.set_settings(scope, id, allow_explicit=allowed)

    async def _preferences(self, user, chat, mode, target, n, group: bool) -> dict:
        """Explicit arguments win, then the person's settings, then the chat's.

        Explicit songs: in a group the group's setting decides (off by default — one member's
        preference does not change what the whole group is shown); in a private chat the person's
        (on by default)."""
        allow_explicit: Optional[bool] = None
        for scope, key in (("user", user), ("chat", chat)):
            if key:
                s = await self._store.get_settings(scope, key)
                mode = mode or s.mode
                target = target or s.target
                n = n or s.list_length
                if s.allow_explicit is not None and (scope == "chat") == group:
                    allow_explicit = s.allow_explicit
        if allow_explicit is None:
            allow_explicit = explicit_default(group)
        return {"mode": mode or "match", "target": target, "n": n, "allow_explicit": allow_explicit}


async def forget_person(settings: Settings, user: str) -> dict[str, int]:
    """`forget` without opening the whole service (the command line): opens the store, deletes
    every row about the person, closes it."""
    store = await open_store(settings.db_path)
    try:
        return await store.forget(user)
    finally:
        await store.close()


async def import_catalog(settings: Settings, path, *, replace: bool = False):
    """Import a catalog CSV into the store (core.music.catalog.import_csv); returns its ImportReport."""
    from core.music.catalog import import_csv

    store = await open_store(settings.db_path)
    try:
        return await import_csv(store, path, replace=replace)
    finally:
        await store.close()


async def catalog_stats(settings: Settings) -> dict:
    """What the catalog in the store holds (core.music.catalog.Catalog.stats)."""
    store = await open_store(settings.db_path)
    try:
        return (await Catalog.load(store)).stats()
    finally:
        await store.close()


def explicit_default(group: bool) -> bool:
    """Explicit songs where nobody has set anything: off in a group, on in a private chat."""
    return not group


def explicit_allowed(settings: ChatSettings, group: bool) -> bool:
    """Whether lists in a place with these settings may hold explicit songs."""
    return settings.allow_explicit if settings.allow_explicit is not None else explicit_default(group)


class Admitted:
    """A photo's admission (`Moodtune.admit_photo`): its place in the photo queue and what may be
    answered with it. Nothing is downloaded before the place's turn."""

    def __init__(self, app: Moodtune, place, *, user: str, chat: str, group: bool):
        self._app, self._place = app, place
        self.user, self.chat, self.group = user, chat, group

    @property
    def expected_wait(self) -> float:
        """Seconds this photo was expected to wait for its turn when it was admitted."""
        return self._place.expected_wait

    @property
    def ahead(self) -> int:
        """Photos waiting ahead of this one when it was admitted (for the 'queued' note)."""
        return self._place.ahead

    async def turn(self) -> None:
        """Return when this photo may be downloaded and read (at once when its turn has come)."""
        await self._place.turn()

    async def photo(self, fetch: Callable[[], Awaitable[bytes]]) -> PhotoAnswer:
        """A photo, GIF or video, downloaded by `fetch()` once its turn has come → reading + songs;
        remembers the reading for /soundtrack and /history. Raises core.reading.images.ImageError and
        the like (UserErrors)."""
        await self.turn()
        return await self._app._answer_reading(await self._app._read(await fetch(), self._place), user=self.user,
                                               chat=self.chat, group=self.group)

    async def album(self, fetches) -> PhotoAnswer:
        """Several photos (async callables that download one each) → one combined reading + songs,
        in this one queue place once its turn has come. Photos are downloaded and read one at a
        time, so an album holds no more memory than one photo. One that cannot be downloaded or
        read is left out; when none can, the first one's UserError is raised."""
        await self.turn()
        readings, errors = [], []
        for fetch in fetches:
            try:
                readings.append(await self._app._read(await fetch(), self._place))
            except UserError as exc:
                errors.append(exc)
        if not readings:
            raise errors[0] if errors else UserError("no_image")
        reading = readings[0] if len(readings) == 1 else combine(readings, kind="album")
        return await self._app._answer_reading(reading, user=self.user, chat=self.chat, group=self.group)
