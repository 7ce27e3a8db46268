"""What the store hands back and takes: plain records, the same for both backends.

The ranking (core.music.recommender), the catalog and the service depend on these and on the `Store`
interface (core.store.base) only, never on a backend module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

TRACK_FIELDS = (
    "id", "title", "artist", "valence", "energy", "tempo", "mode", "acousticness", "danceability",
    "instrumentalness", "loudness", "speechiness", "popularity", "explicit", "genres", "chart_hit", "year", "decade",
)


@dataclass(frozen=True)
class Rating:
    user: str
    track: str
    score: int
    recommendation: Optional[int]
    created_at: float


@dataclass(frozen=True)
class MoodRating:
    """A rating together with the mood of the list it was given on (for collaborative ranking)."""

    user: str
    track: str
    score: int
    valence: float
    arousal: float


@dataclass(frozen=True)
class StoredRecommendation:
    id: int
    chat: Optional[str]
    user: Optional[str]
    mood: str
    valence: float
    arousal: float
    mode: str
    tracks: list[str]
    reading: Optional[int] = None  # the photo reading this list answered, if any


@dataclass(frozen=True)
class PhotoReading:
    user: Optional[str]
    label: str
    valence: float
    arousal: float
    confidence: float
    created_at: float
    corrected: Optional[str] = None  # the mood the sender said it was ("Not this mood?")
    id: Optional[int] = None
    alternatives: tuple[str, ...] = ()  # the reading's next moods, most likely first


@dataclass(frozen=True)
class ChatSettings:
    mode: Optional[str] = None
    target: Optional[str] = None
    list_length: Optional[int] = None
    allow_explicit: Optional[bool] = None  # None: the default for the place (off in groups, on in private chats)
    cards: Optional[bool] = None  # None: on (a picture of the mood with each answer)


def flag_column(value: Optional[bool]) -> Optional[int]:
    return None if value is None else int(value)


def settings_from_row(row) -> ChatSettings:
    """A settings row (mode, target, list_length, allow_explicit, cards) of either backend."""
    if row is None:
        return ChatSettings()
    mode, target, list_length, allow_explicit, cards = tuple(row)
    return ChatSettings(mode, target, list_length, None if allow_explicit is None else bool(allow_explicit),
                        None if cards is None else bool(cards))


def reading_from_row(row) -> PhotoReading:
    """A photo_readings row (user, label, valence, arousal, confidence, created_at, corrected, id,
    alternatives) of either backend → PhotoReading."""
    values = tuple(row)
    return PhotoReading(*values[:8], alternatives=tuple(a for a in (values[8] or "").split(",") if a))
