"""A photo, album or clip from a chat: admitted to the photo queue before anything is done for it,
downloaded when its turn comes, read by the pipeline, remembered, and answered with songs."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable

from core.errors import UserError
from core.limits import Limits
from core.music.recommender import Recommendation
from core.reading.aggregate import combine
from core.reading.fusion import MoodReading
from core.service.songs import Songs
from core.store import Store


@dataclass
class PhotoAnswer:
    reading: MoodReading
    recommendation: Recommendation


class Photos:
    """Admission, reading and answering of photos; counts the photos in flight for a clean shutdown."""

    def __init__(self, store: Store, pipeline, songs: Songs, limits: Limits, *, photos_per_minute: int,
                 photos_in_flight_per_chat: int):
        self._store = store
        self._pipeline = pipeline
        self._songs = songs
        self._limits = limits
        self.photos_per_minute = photos_per_minute
        self.per_chat = photos_in_flight_per_chat
        self.in_flight = 0  # photos this process has admitted and not answered yet
        self.closing = False  # set by Moodtune.stop_admitting
        self.idle = asyncio.Event()
        self.idle.set()

    @property
    def waiting(self) -> int:
        """Photos admitted and waiting for their turn (the operator's queue depth)."""
        queue = getattr(self._pipeline, "queue", None)
        return queue.waiting if queue is not None else 0

    @contextlib.asynccontextmanager
    async def admit(self, *, user: str, chat: str, group: bool = False) -> AsyncIterator["Admitted"]:
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
        if self.closing:
            raise UserError("shutting_down")
        cap = max(1, min(self.per_chat, self._pipeline.capacity - 1))
        ticket = await self._limits.admit(user=user, chat=chat, per_minute=self.photos_per_minute, chat_cap=cap,
                                          reserve=lambda: self._pipeline.reserve(chat))
        self.in_flight += 1
        self.idle.clear()
        try:
            yield Admitted(self, ticket.slot, user=user, chat=chat, group=group)
        finally:
            ticket.slot.release()
            self.in_flight -= 1
            if not self.in_flight:
                self.idle.set()
            await self._limits.release(ticket)

    async def answer(self, data: bytes, *, user: str, chat: str, group: bool = False) -> PhotoAnswer:
        """A photo, GIF or video (bytes) from a person in a chat → reading + songs, admitted here
        (when the caller must do something between admission and reading, use `admit`)."""
        async def already_here() -> bytes:
            return data

        async with self.admit(user=user, chat=chat, group=group) as admitted:
            return await admitted.photo(already_here)

    async def read(self, data: bytes) -> MoodReading:
        """The reading of one photo or clip, outside the chat queue (the command line).
        Raises core.reading.images.ImageError / core.reading.video.ClipError (UserErrors)."""
        return await asyncio.to_thread(self._pipeline.analyze, data)

    async def _read_in_turn(self, data: bytes, place) -> MoodReading:
        return await self._pipeline.analyze_async(data, place)

    async def _answer_reading(self, reading: MoodReading, *, user: str, chat: str, group: bool) -> PhotoAnswer:
        """Remember the reading (for /soundtrack, /history and corrections) and answer it with songs."""
        reading_id = await self._store.readings.add_photo_reading(
            chat=chat, user=user, label=reading.label, valence=reading.valence, arousal=reading.arousal, confidence=reading.confidence,
            alternatives=[label for label, _ in reading.top[1:4]],
        )
        rec = await self._songs.for_reading(reading, user=user, chat=chat, group=group, reading_id=reading_id)
        return PhotoAnswer(reading, rec)


class Admitted:
    """A photo's admission (`Photos.admit`): its place in the photo queue and what may be answered
    with it. Nothing is downloaded before the place's turn."""

    def __init__(self, photos: Photos, place, *, user: str, chat: str, group: bool):
        self._photos, self._place = photos, place
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
        reading = await self._photos._read_in_turn(await fetch(), self._place)
        return await self._photos._answer_reading(reading, user=self.user, chat=self.chat, group=self.group)

    async def album(self, fetches) -> PhotoAnswer:
        """Several photos (async callables that download one each) → one combined reading + songs,
        in this one queue place once its turn has come. Photos are downloaded and read one at a
        time, so an album holds no more memory than one photo. One that cannot be downloaded or
        read is left out; when none can, the first one's UserError is raised."""
        await self.turn()
        readings, errors = [], []
        for fetch in fetches:
            try:
                readings.append(await self._photos._read_in_turn(await fetch(), self._place))
            except UserError as exc:
                errors.append(exc)
        if not readings:
            raise errors[0] if errors else UserError("no_image")
        reading = readings[0] if len(readings) == 1 else combine(readings, kind="album")
        return await self._photos._answer_reading(reading, user=self.user, chat=self.chat, group=self.group)
