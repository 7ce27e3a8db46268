"""The photo queue: photos wait for a free worker holding only what identifies them, never their bytes.

A burst of photos is queued, not refused: each admitted photo takes a `Place` at once (`enter`, no
waiting) and then waits for its turn (`await place.turn()`); only a photo holding a turn is downloaded
and read, so memory stays at `workers` photos whatever arrives (the waiting ones are the platform's
update objects, a few kilobytes each). `workers` is the pipeline's threads plus one, so one photo
downloads while the others are read.

"Busy" is answered only when waiting would take too long: the expected wait of a new photo (photos
ahead of it ÷ workers × the recent time a photo holds a turn, an exponential average) above
`max_wait` seconds, or more than `max_waiting` photos already waiting (a hard memory bound). Until
`workers` photos have been measured (a burst on a fresh start) the wait is not known, so only the
hard bound refuses: a guess must not turn people away.
The next turn goes to the waiting chat holding the fewest turns, and among equals round the chats
in turn (one photo per chat per round), so a group that sends twenty photos does not make a person
in another chat wait for all twenty.

Everything here runs on the event loop's thread; the reading itself runs in the pipeline's pool.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from typing import Optional

from core.errors import UserError


class PipelineBusy(UserError):
    """The expected wait is too long (or the queue at its bound); the person is asked to try again."""

    kind = "busy"


class Place:
    """One photo's place: waiting, then holding a turn, then released (releasing twice is harmless)."""

    def __init__(self, queue: "PhotoQueue", chat: str, expected_wait: float, ahead: int):
        self._queue = queue
        self.chat = chat
        self.expected_wait = expected_wait  # seconds, when it entered
        self.ahead = ahead  # photos waiting before it, when it entered
        self._granted = asyncio.Event()
        self._started: Optional[float] = None
        self._released = False

    async def turn(self) -> None:
        """Return once this photo may be downloaded and read (at once if its turn has come)."""
        await self._granted.wait()

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._queue._leave(self)


class PhotoQueue:
    """Bounded, fair waiting for `workers` turns (see the module's docstring)."""

    ALPHA = 0.2  # weight of the newest photo in the average time a turn is held

    def __init__(self, workers: int, *, max_wait: float, max_waiting: int, first_guess: float = 1.0):
        self.workers = workers
        self.max_wait = max_wait
        self.max_waiting = max_waiting
        self.seconds_per_photo = first_guess  # until photos are measured: a 12 MP photo's order of magnitude
        self.measured = 0  # photos whose turn has been timed
        self._running = 0
        self._held: dict[str, int] = {}  # turns held per chat
        self._waiting: "OrderedDict[str, deque[Place]]" = OrderedDict()
        self._count = 0

    @property
    def waiting(self) -> int:
        return self._count

    def expected_wait(self) -> float:
        """Seconds a photo entering now would wait for its turn (0 when a worker is free)."""
        if self._running < self.workers and not self._count:
            return 0.0
        return (self._count + 1) / self.workers * self.seconds_per_photo

    def enter(self, chat: str) -> Place:
        """A place for a photo of `chat`, holding a turn at once when a worker is free. Raises
        PipelineBusy (nothing taken) when the expected wait is over `max_wait` or the queue is full."""
        wait = self.expected_wait()
        if self._count >= self.max_waiting:
            raise PipelineBusy(detail=f"{self._count} photos waiting: the queue's bound")
        if wait > self.max_wait and self.measured >= self.workers:
            raise PipelineBusy(detail=f"{self._count} photos waiting, about {wait:.0f} s", seconds=round(wait))
        place = Place(self, chat, wait, self._count)
        if self._running < self.workers and not self._count:
            self._grant(place)
        else:
            self._waiting.setdefault(chat, deque()).append(place)
            self._count += 1
        return place

    def _grant(self, place: Place) -> None:
        self._running += 1
        self._held[place.chat] = self._held.get(place.chat, 0) + 1
        place._started = time.monotonic()
        place._granted.set()

    def _leave(self, place: Place) -> None:
        if place._granted.is_set():
            self._running -= 1
            self._held[place.chat] -= 1
            if not self._held[place.chat]:
                del self._held[place.chat]
            held = time.monotonic() - (place._started or time.monotonic())
            self.seconds_per_photo += self.ALPHA * (held - self.seconds_per_photo)
            self.measured += 1
        else:
            queue = self._waiting.get(place.chat)
            if queue is not None and place in queue:
                queue.remove(place)
                self._count -= 1
                if not queue:
                    del self._waiting[place.chat]
        self._next()

    def _next(self) -> None:
        """Give free turns to the waiting chats holding the fewest turns, in the round's order, one photo each."""
        while self._running < self.workers and self._waiting:
            chat = min(self._waiting, key=lambda c: self._held.get(c, 0))  # first in the round among equals
            queue = self._waiting[chat]
            place = queue.popleft()
            self._count -= 1
            del self._waiting[chat]
            if queue:  # the chat's next photo goes to the back of the round
                self._waiting[chat] = queue
            self._grant(place)
