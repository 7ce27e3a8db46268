"""The store's interface, one for both backends (core.store.sqlite, core.store.postgres).

`Store` is what the use cases (core.service) may call, split by seam; each backend implements it and
is checked against it in tests/test_store.py (the same suite runs on both). A backend that cannot
take a write right now (SQLite's file locked past its busy timeout, PostgreSQL's lock timeout or a
full pool) raises `StoreBusy`, so the chat adapters answer "try again" the same way on both.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any, Callable, Iterable, Optional, Protocol, Sequence, runtime_checkable

from core.errors import StoreBusy, StoreUnavailable
from core.limits import Limits
from core.store.records import ChatSettings, MoodRating, PhotoReading, Rating, SignInRecord, StoredRecommendation, Votes


class TrackStore(Protocol):
    """The catalog's rows (core.service.catalog loads and imports them)."""

    async def upsert_tracks(self, rows: Iterable[Sequence[Any]], source: str, replace: bool = False,
                            keep_existing: bool = False) -> int: ...
    async def delete_tracks(self, *, source: str) -> int: ...
    async def fetch_tracks(self) -> list: ...
    async def count_tracks(self) -> int: ...


class ListStore(Protocol):
    """The lists shown, and the messages that show them (reactions rate a list by its message)."""

    async def add_recommendation(self, *, user: Optional[str], chat: Optional[str], mood: str, valence: float, arousal: float,
                                 mode: str, tracks: Sequence[str], reading: Optional[int] = None) -> int: ...
    async def get_recommendation(self, rec_id: int) -> Optional[StoredRecommendation]: ...
    async def recommendation_tracks(self, rec_id: int) -> list[str]: ...
    async def recently_suggested(self, *, user: Optional[str], chat: Optional[str], limit: int = 20) -> dict[str, int]: ...
    async def latest(self, *, user: str, chat: Optional[str]) -> Optional[int]: ...
    async def link_message(self, platform: str, chat: str, message_id: str, recommendation: int) -> None: ...
    async def message_recommendation(self, platform: str, chat: str, message_id: str) -> Optional[int]: ...


class RatingStore(Protocol):
    """Ratings, and their summary per track and mood region (core.store.votes)."""

    async def rate(self, user: str, track: str, score: int, recommendation: Optional[int] = None) -> None: ...
    async def ratings_of(self, user: str) -> list[Rating]: ...
    async def ratings_of_chat(self, chat: str, exclude_user: Optional[str] = None) -> list[Rating]: ...
    async def mood_votes(self, regions: Sequence[int]) -> Votes: ...
    async def own_mood_ratings(self, user: str) -> list[MoodRating]: ...
    async def liked_tracks(self, *, user: Optional[str] = None, chat: Optional[str] = None, limit: int = 10) -> list[tuple[str, int]]: ...


class ReadingStore(Protocol):
    """Photo readings (for /soundtrack and /history) and the moods their senders corrected."""

    async def add_photo_reading(self, *, chat: str, user: Optional[str], label: str, valence: float, arousal: float,
                                confidence: float, alternatives: Sequence[str] = ()) -> int: ...
    async def photo_reading(self, reading: int) -> Optional[PhotoReading]: ...
    async def photo_history(self, *, user: Optional[str] = None, chat: Optional[str] = None, limit: int = 30) -> list[PhotoReading]: ...
    async def photo_readings(self, chat: str, since: float) -> list[PhotoReading]: ...
    async def add_correction(self, *, reading: int, user: str, chat: Optional[str], said: str, chosen: str) -> None: ...
    async def corrections(self) -> list[tuple[str, str, int]]: ...


class PeopleStore(Protocol):
    """What a person or chat set, and the artists they muted."""

    async def get_settings(self, scope: str, id: str) -> ChatSettings: ...
    async def set_settings(self, scope: str, id: str, **values: Any) -> ChatSettings: ...
    async def mute_artist(self, user: str, artist: str, name: str) -> None: ...
    async def unmute_artist(self, user: str, artist: str) -> bool: ...
    async def muted_artists(self, user: str) -> list[tuple[str, str]]: ...


class AccountStore(Protocol):
    """Spotify sign-ins (core.service.saving): encrypted tokens only, never in the clear."""

    async def put_link(self, user: str, token: bytes) -> None: ...
    async def get_link(self, user: str) -> Optional[bytes]: ...
    async def drop_link(self, user: str) -> bool: ...
    async def add_sign_in(self, *, state: str, user: str, chat: Optional[str], platform: str, recommendation: Optional[int],
                          verifier: bytes, language: Optional[str] = None, keep: int = 5) -> None: ...
    async def take_sign_in(self, state: str) -> Optional[SignInRecord]: ...


@runtime_checkable
class Store(Protocol):
    """Every read and write Moodtune makes, by seam (`store.lists.get_recommendation(…)`); the
    store itself opens and closes, coordinates workers, keeps small metadata and a cache, and
    forgets a person across every seam at once. Writes have committed when they return."""

    tracks: TrackStore
    lists: ListStore
    ratings: RatingStore
    readings: ReadingStore
    people: PeopleStore
    accounts: AccountStore

    async def open(self) -> "Store": ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> "Store": ...
    async def __aexit__(self, *exc) -> None: ...
    def exclusive(self, name: str) -> contextlib.AbstractAsyncContextManager: ...
    def shared_limits(self, per_minute: int) -> Limits: ...
    async def schema_version(self) -> int: ...
    async def get_meta(self, key: str) -> Optional[str]: ...
    async def set_meta(self, key: str, value: str) -> None: ...
    async def forget(self, user: str) -> dict[str, int]: ...
    async def cache_get(self, key: str, max_age: float) -> Optional[Any]: ...
    async def cache_put(self, key: str, value: Any) -> None: ...


class StoreLifecycle:
    """`async with SomeStore(...) as store:` for both backends: open() on entry, close() on exit."""

    async def __aenter__(self):
        return await self.open()

    async def __aexit__(self, *exc) -> None:
        await self.close()


def busy_when(is_busy: Callable[[BaseException], bool], is_away: Callable[[BaseException], bool] = lambda exc: False):
    """Class decorator: every public coroutine method re-raises what `is_busy` recognises as
    StoreBusy and what `is_away` recognises as StoreUnavailable (the backend's own error kept as its
    cause), so callers handle one exception; each call tells core.store.outage whether the database
    answered."""
    from core.store.outage import OUTAGE

    def wrap(method):
        @functools.wraps(method)
        async def call(*args, **kwargs):
            try:
                result = await method(*args, **kwargs)
            except StoreBusy:
                raise
            except Exception as exc:
                if is_away(exc):
                    OUTAGE.failed(exc, method.__qualname__)
                    raise StoreUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
                if is_busy(exc):
                    raise StoreBusy(str(exc)) from exc
                raise
            OUTAGE.succeeded(method.__qualname__)
            return result

        return call

    def decorate(cls):
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and inspect.iscoroutinefunction(member):
                setattr(cls, name, wrap(member))
        return cls

    return decorate
