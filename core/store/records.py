"""What the store hands back and takes: plain records, the same for both backends.

The ranking (core.music.recommender), the catalog and the service depend on these and on the `Store`
interface (core.store.base) only, never on a backend module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

import numpy as np

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
    language: Optional[str] = None  # None: the person's client language (bot.i18n), English for others


@dataclass(frozen=True)
class SignInRecord:
    """A Spotify sign-in waiting for its callback: whose, from where, for which list, its PKCE
    verifier (encrypted) and when it began."""

    user: str
    chat: Optional[str]
    platform: str
    recommendation: Optional[int]
    verifier: bytes
    created_at: float
    language: Optional[str] = None  # the person's language when they asked (the callback carries none)


def flag_column(value: Optional[bool]) -> Optional[int]:
    return None if value is None else int(value)


def settings_from_row(row) -> ChatSettings:
    """A settings row (mode, target, list_length, allow_explicit, cards, language) of either backend."""
    if row is None:
        return ChatSettings()
    mode, target, list_length, allow_explicit, cards, language = tuple(row)
    return ChatSettings(mode, target, list_length, None if allow_explicit is None else bool(allow_explicit),
                        None if cards is None else bool(cards), language)


def reading_from_row(row) -> PhotoReading:
    """A photo_readings row (user, label, valence, arousal, confidence, created_at, corrected, id,
    alternatives) of either backend → PhotoReading."""
    values = tuple(row)
    return PhotoReading(*values[:8], alternatives=tuple(a for a in (values[8] or "").split(",") if a))


@dataclass
class Votes:
    """Others' ratings near a mood, summed per track and region (core.store.votes), as arrays: one
    entry per (track, region) with the region's centre. Cheap to build and to score whatever their number."""

    tracks: list[str] = field(default_factory=list)
    score: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    valence: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    arousal: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.tracks)

    @classmethod
    def of(cls, ratings: Sequence[MoodRating], sign: float = 1.0) -> "Votes":
        """Single ratings as votes (`sign` -1: to take a person's own out of a summary)."""
        return cls([r.track for r in ratings], np.array([sign * r.score for r in ratings], np.float32),
                   np.array([r.valence for r in ratings], np.float32), np.array([r.arousal for r in ratings], np.float32))

    def __add__(self, other: "Votes") -> "Votes":
        return Votes(self.tracks + other.tracks, np.concatenate([self.score, other.score]),
                     np.concatenate([self.valence, other.valence]), np.concatenate([self.arousal, other.arousal]))


# --- the grid others' votes are kept on (core.store.votes keeps them; a list reads the regions near its mood)

GRID = 10
CELL = 2.0 / GRID


def region_of(valence: float, arousal: float) -> int:
    """The grid cell of a valence/arousal point (clamped to -1..1)."""
    def index(x: float) -> int:
        return min(GRID - 1, max(0, int((min(1.0, max(-1.0, x)) + 1.0) / CELL)))

    return index(valence) * GRID + index(arousal)


def region_centre(region: int) -> tuple[float, float]:
    return (-1.0 + CELL * (region // GRID + 0.5), -1.0 + CELL * (region % GRID + 0.5))


def centres(regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(valence, arousal) of many regions' centres at once."""
    return (-1.0 + CELL * (regions // GRID + 0.5)).astype(np.float32), (-1.0 + CELL * (regions % GRID + 0.5)).astype(np.float32)


def regions_near(points: Iterable[tuple[float, float]], reach: float) -> list[int]:
    """Every region whose centre lies within `reach` of any of the points."""
    out = set()
    for v, a in points:
        for r in range(GRID * GRID):
            cv, ca = region_centre(r)
            if (cv - v) ** 2 + (ca - a) ** 2 <= reach**2:
                out.add(r)
    return sorted(out)
