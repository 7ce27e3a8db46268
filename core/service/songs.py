"""Songs for a mood: a photo's reading, a mood a person named, some words, a group's recent photos,
an inline query. Each list is ranked by the music domain (core.music.recommender, pure) over what
this module reads from the store — taste, recent lists, others' votes, muted artists — and saved
here, so the music domain never touches the store.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Mapping, Optional

from core.emotions import VA, VA_POINTS, normalize_label
from core.errors import NothingToDo, UserError
from core.limits import Limits
from core.music.catalog import Track
from core.music.recommender import (DISCOVERY_MEMORY, ListContext, Recommendation, Recommender, Taste, build_taste, merge_tastes,
                                    rank_list, vote_regions)
from core.music.targets import default_shift_target, nearest_label
from core.service.people import People
from core.store import Store
from core.store.records import Votes, region_of

SOUNDTRACK_WINDOW = 3600.0  # a group's soundtrack covers the photos of the last hour
SOUNDTRACK_SONGS = 8  # a soundtrack is a little longer than a photo's list, unless the chat set a length
INLINE_CACHE = 256  # inline answers kept for a minute (people type a query letter by letter)
INLINE_CACHE_SECONDS = 60.0


@dataclass
class PreviewItem:
    """One song of a list, for the ▶ button: its preview (None: Deezer has none), and where one is
    at hand, the platform's own id of a preview it already has, or the audio itself."""

    track: Track
    preview: Optional[object] = None  # core.music.previews.Preview
    file_id: Optional[str] = None
    audio: Optional[bytes] = None


async def list_context(store: Store, recommender: Recommender, *, point: VA, mode: str, target: Optional[str],
                       user: Optional[str], chat: Optional[str]) -> ListContext:
    """What a list is ranked against, read from the store: the person's (and the chat's members')
    taste, the lists shown lately, others' votes near the mood — the person's own scores taken out,
    bounded by the regions within reach, not by every rating ever given — and the artists the
    person, and in a group its admins for everyone there, muted."""
    catalog = recommender.catalog
    taste = build_taste(await store.ratings.ratings_of(user), catalog) if user else Taste()
    if chat:
        taste = merge_tastes(taste, build_taste(await store.ratings.ratings_of_chat(chat, exclude_user=user), catalog))
    recent = await store.lists.recently_suggested(user=user, chat=chat)
    avoid = (await store.lists.recently_suggested(user=user, chat=chat, limit=DISCOVERY_MEMORY)).keys()
    regions = vote_regions(recommender, point, mode, target)
    others = await store.ratings.mood_votes(regions)
    if user:
        near = set(regions)
        others = others + Votes.of([r for r in await store.ratings.own_mood_ratings(user) if region_of(r.valence, r.arousal) in near], -1.0)
    muted = [key for owner in (user, chat) if owner for key, _ in await store.people.muted_artists(owner)]
    return ListContext(taste=taste, recent=recent, avoid=avoid, others=others, muted=muted)


async def recommend(
    store: Store, recommender: Recommender, *, point: VA, label: str, user: Optional[str] = None, chat: Optional[str] = None,
    mode: str = "match", target: Optional[str] = None, n: Optional[int] = None, save: bool = True,
    distribution: Optional[Mapping[str, float]] = None, allow_explicit: bool = True, reading: Optional[int] = None,
) -> Recommendation:
    """Rank for a mood and a person (and chat), store what was shown (`save`), and return it.
    `label` and `target` are parsed labels; `reading`: the photo reading the list answers."""
    if mode not in ("match", "shift"):
        raise ValueError(f"Unknown mode '{mode}'. Modes: match, shift.")
    if mode == "shift":
        target = target or default_shift_target(point)
    context = await list_context(store, recommender, point=point, mode=mode, target=target, user=user, chat=chat)
    rec = rank_list(recommender, point=point, label=label, mode=mode, target=target, n=n, distribution=distribution,
                    allow_explicit=allow_explicit, context=context)
    if save and rec.songs:
        rec.id = await store.lists.add_recommendation(
            user=user, chat=chat, mood=rec.mood, valence=point.valence, arousal=point.arousal, mode=rec.mode,
            tracks=[s.track.id for s in rec.songs], reading=reading,
        )
    return rec


@dataclass
class Songs:
    """Lists for moods, made under each person's and chat's settings (`People.preferences`)."""

    store: Store
    recommender: Recommender
    people: People
    limits: Limits
    pipeline: object = None  # core.reading.pipeline.Pipeline: the words' mood from the scene model's text tower
    spotify: object = None  # core.music.spotify.SpotifyEnricher, or None
    deezer: object = None  # core.music.previews.DeezerPreviews, or None
    photos_per_minute: int = 10
    _inline: "OrderedDict[str, tuple[float, object]]" = field(default_factory=OrderedDict)

    async def for_reading(
        self, reading, *, user: Optional[str] = None, chat: Optional[str] = None, mode: Optional[str] = None,
        target: Optional[str] = None, n: Optional[int] = None, group: bool = False, reading_id: Optional[int] = None,
    ) -> Recommendation:
        """Songs for a photo's reading (core.reading.fusion.MoodReading): its whole label distribution
        and its VA point drive the list."""
        target = normalize_label(target) if target else None
        prefs = await self.people.preferences(user, chat, mode, target, n, group)
        rec = await recommend(self.store, self.recommender, point=VA(reading.valence, reading.arousal), label=reading.label,
                              distribution=reading.distribution, user=user, chat=chat, reading=reading_id, **prefs)
        return await self._enrich(rec)

    async def for_mood(
        self, *, label: Optional[str] = None, va: Optional[VA] = None, user: Optional[str] = None, chat: Optional[str] = None,
        mode: Optional[str] = None, target: Optional[str] = None, n: Optional[int] = None, group: bool = False,
        distribution: Optional[dict[str, float]] = None, save: bool = True,
    ) -> Recommendation:
        """Songs for a named emotion (any accepted spelling, parsed here: UnknownLabel otherwise) or a
        VA point; `save=False`: a list nobody can act on later (inline results), not stored."""
        if label is not None:
            label = normalize_label(label)
            point = va or VA_POINTS[label]
        elif va is not None:
            point, label = va, nearest_label(va)
        else:
            raise ValueError("give an emotion label or a valence/arousal point")
        target = normalize_label(target) if target else None
        return await self.for_label(label, point, user=user, chat=chat, mode=mode, target=target, n=n, group=group,
                                  distribution=distribution, save=save)

    async def for_label(self, label: str, point: VA, *, user: Optional[str] = None, chat: Optional[str] = None,
                        mode: Optional[str] = None, target: Optional[str] = None, n: Optional[int] = None, group: bool = False,
                        distribution: Optional[Mapping[str, float]] = None, save: bool = True) -> Recommendation:
        """A list for a label already parsed (a stored list's mood, a correction, the words' reading)."""
        prefs = await self.people.preferences(user, chat, mode, target, n, group)
        rec = await recommend(self.store, self.recommender, point=point, label=label, distribution=distribution,
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

    async def read_words(self, words: str):
        """The mood in some words (core.reading.words.WordsReading): the pipeline's reading (the scene
        model's text tower when it is in memory, else the word table), the word table alone when
        there is no pipeline. Raises UserError('no_mood_in_words') when they carry none."""
        from core.reading.words import read_words

        reading = (await asyncio.to_thread(self.pipeline.read_words, words)) if self.pipeline is not None else read_words(words)
        if reading is None:
            raise UserError("no_mood_in_words", text=words)
        return reading

    async def for_words(self, text: str, *, user: Optional[str] = None, chat: Optional[str] = None,
                        n: Optional[int] = None, group: bool = False):
        """`/mood rainy sunday`: the mood the words carry and a list for it (a WordsReading and a
        Recommendation). Raises UserError('no_mood_in_words') when the words carry none."""
        words = (text or "").strip()
        if not words:
            raise UserError("no_words")
        reading = await self.read_words(words)
        rec = await self.for_label(reading.label, reading.point, user=user, chat=chat, mode="match", target=None, n=n,
                                 group=group, distribution=dict(reading.distribution))
        return reading, rec

    async def soundtrack(
        self, *, chat: str, user: Optional[str] = None, n: Optional[int] = None, window: float = SOUNDTRACK_WINDOW, group: bool = True,
    ) -> tuple[Recommendation, int]:
        """One list for the photos seen in a chat recently: their mood averaged (weighted by
        confidence), the chat members' ratings blended in. Returns the list and the photo count."""
        photos = await self.store.readings.photo_readings(chat, since=time.time() - window)
        if not photos:
            raise NothingToDo("no_recent_photos")
        weights = [p.confidence + 0.1 for p in photos]
        total = sum(weights)
        point = VA(sum(w * p.valence for w, p in zip(weights, photos)) / total, sum(w * p.arousal for w, p in zip(weights, photos)) / total)
        votes: dict[str, float] = {}
        for w, p in zip(weights, photos):
            votes[p.label] = votes.get(p.label, 0.0) + w
        label = max(votes, key=votes.__getitem__)
        n = n or (await self.store.people.get_settings("chat", chat)).list_length or SOUNDTRACK_SONGS
        rec = await self.for_label(label, point, user=user, chat=chat, mode="match", target=None, n=n, group=group,
                                 distribution=votes)
        return rec, len(photos)

    async def inline(self, query: str, *, user: str) -> tuple[object, list[PreviewItem]]:
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
        ticket = await self.limits.admit(user=user, chat=f"inline:{user}", per_minute=self.photos_per_minute,
                                         chat_cap=1, reserve=_NoSlot)
        try:
            try:
                label, reading = normalize_label(words), None
            except ValueError:
                reading = await self.read_words(words)
                label = reading.label
            rec = await self.for_label(label, reading.point if reading else VA_POINTS[label], user=None, chat=None, mode="match",
                                     target=None, n=None, group=False,
                                     distribution=dict(reading.distribution) if reading else None, save=False)
            items = [PreviewItem(s.track) for s in rec.songs]
            if self.deezer is not None:
                found = await self.deezer.find_all(i.track for i in items)
                for item in items:
                    item.preview = found.get(item.track.id)
        finally:
            await self.limits.release(ticket)
        result = (reading or label, items)
        self._inline[words] = (time.monotonic(), result)
        while len(self._inline) > INLINE_CACHE:
            self._inline.popitem(last=False)
        return result


class _NoSlot:
    """An admission that needs no place in the photo queue (an inline query reads no photo)."""

    def release(self) -> None:
        pass
