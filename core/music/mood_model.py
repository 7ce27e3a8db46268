"""How much a human would file a song under each mood: learned label models plus documented rules.

The parameters (`core/music/data/mood_model.json`) are fitted by `scripts/fit_mood_model.py` on human mood
labels — Spotify editorial mood playlists, AllMusic / Rate Your Music / Last.fm tags — and on
listeners' valence/arousal ratings (deezer_mood); only the fitted numbers ship, never a training row.
See docs/MUSIC.md for the label table and docs/EVALUATION.md for held-out numbers.

Two kinds of label:
- LEARNED: one logistic regression per label on the song's audio features, a few products of them
  and its genre family (`features()`); the score is the model's probability with balanced classes.
- RULES, for labels with little or no data, each an explicit blend (`RULES`):
  neutral   = closeness of the song's predicted listener valence/arousal to the centre;
  fear      = ½ angry model + ½ closeness to fear's valence/arousal point;
  disgust   = ½ angry model + ½ closeness to disgust's point;
  surprise  = ½ energetic model + ½ closeness to surprise's point;
  nostalgic = (0.4 sad + 0.3 calm + 0.3 romantic models) × an era factor (1 for the 1960s-80s,
              0.75 unknown, 0.55 later): bittersweet, unhurried and old.
Predicted valence/arousal comes from two ridge regressions fitted on deezer_mood, mapped through
their quantiles on the bundled catalog to -1..1, so a song at the 90th percentile of predicted
valence sits at +0.8, like the labels' points in core.emotions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from core.emotions import LABELS, VA_POINTS
from core.music.genres import FAMILIES, families, split_genres

MODEL_PATH = Path(__file__).resolve().parent / "data" / "mood_model.json"
LEARNED: tuple[str, ...] = ("happy", "sad", "calm", "energetic", "romantic", "angry")
RULES: Mapping[str, dict] = {
    "neutral": {"va": 1.0},
    "fear": {"angry": 0.5, "va": 0.5},
    "disgust": {"angry": 0.5, "va": 0.5},
    "surprise": {"energetic": 0.5, "va": 0.5},
    "nostalgic": {"sad": 0.4, "calm": 0.3, "romantic": 0.3, "era": True},
}
ERA_FACTOR = {"old": 1.0, "unknown": 0.75, "new": 0.55}  # nostalgic: 1960s-80s / unknown / 1990s on
OLD_DECADES = (1960, 1970, 1980)
# Features whose spread among a label's positives defines its typical sound (MoodModel.typicality).
# Tempo is left out: Spotify's tempo doubles or halves too often to say what a song sounds like.
TYPICAL = ("valence", "energy", "acousticness", "danceability")
TYPICAL_POWER = 4.0
VA_WIDTH = 0.45  # closeness = exp(-(distance / VA_WIDTH)^2), as core.emotions.distribution_near

AUDIO = ("valence", "energy", "tempo", "mode", "acousticness", "danceability", "instrumentalness", "loudness", "speechiness")
PRODUCTS = (("valence", "valence"), ("energy", "energy"), ("acousticness", "acousticness"),
            ("instrumentalness", "instrumentalness"), ("valence", "energy"), ("energy", "acousticness"),
            ("valence", "danceability"))
FEATURE_NAMES: tuple[str, ...] = (
    AUDIO + tuple(f"{a}*{b}" for a, b in PRODUCTS) + tuple(f"genre:{f}" for f in FAMILIES) + ("genre_known",)
)


def features(tracks: Sequence) -> np.ndarray:
    """(n, len(FEATURE_NAMES)) float32 for anything with a Track's fields.

    Audio features scaled to about 0..1 (tempo / 200, loudness (dB + 30) / 30); genre as the share
    of the track's genres in each family, all zero and `genre_known` 0 when no genre is known.
    """
    n = len(tracks)
    audio = np.array(
        [(t.valence, t.energy, min(t.tempo, 220.0) / 200.0, 0.5 if t.mode is None else float(t.mode), t.acousticness,
          t.danceability, t.instrumentalness, (max(t.loudness, -40.0) + 30.0) / 30.0, t.speechiness) for t in tracks],
        dtype=np.float32,
    ).reshape(n, len(AUDIO))
    genre = np.array([_genre_row(t.genres) for t in tracks], dtype=np.float32).reshape(n, len(FAMILIES) + 1)
    col = {name: i for i, name in enumerate(AUDIO)}
    products = (np.stack([audio[:, col[a]] * audio[:, col[b]] for a, b in PRODUCTS], axis=1) if n and PRODUCTS
                else np.zeros((n, len(PRODUCTS)), np.float32))
    return np.concatenate([audio, products, genre], axis=1).astype(np.float32)


@lru_cache(maxsize=1 << 16)
def _genre_row(raw: Optional[str]) -> tuple[float, ...]:
    """Share of a genre cell's genres in each family, then 1 if any genre is known."""
    names = split_genres(raw)
    if not names:
        return (0.0,) * (len(FAMILIES) + 1)
    counts = families(names)
    return tuple(counts.get(f, 0) / len(names) for f in FAMILIES) + (1.0,)


def era_factor(decades: np.ndarray) -> np.ndarray:
    """Nostalgic's era factor per track (decade 0 = unknown)."""
    return np.where(np.isin(decades, OLD_DECADES), ERA_FACTOR["old"],
                    np.where(decades == 0, ERA_FACTOR["unknown"], ERA_FACTOR["new"])).astype(np.float32)


def va_closeness(va: np.ndarray, point) -> np.ndarray:
    """exp(-(distance / VA_WIDTH)^2) of every row of `va` (n, 2) to a VA point."""
    d2 = (va[:, 0] - point.valence) ** 2 + (va[:, 1] - point.arousal) ** 2
    return np.exp(-d2 / VA_WIDTH**2).astype(np.float32)


class ModelMissing(RuntimeError):
    """The fitted parameters file is absent or unreadable; the message says how to make it."""


@dataclass(frozen=True)
class MoodModel:
    """Fitted parameters: per-label logistic weights, VA ridge weights and their quantile maps."""

    mean: np.ndarray
    scale: np.ndarray
    weights: Mapping[str, np.ndarray]  # label -> (len(FEATURE_NAMES) + 1,), last = intercept
    va_weights: np.ndarray  # (2, len(FEATURE_NAMES) + 1)
    va_quantiles: np.ndarray  # (2, Q): predicted values at evenly spaced quantiles of the bundled catalog
    info: Mapping[str, object]
    lo: Optional[np.ndarray] = None  # (len(FEATURE_NAMES),) the labelled songs' 1st percentile: inputs are clipped to
    hi: Optional[np.ndarray] = None  # [lo, hi] so no song is scored beyond what labelled songs showed
    typical: Optional[Mapping[str, np.ndarray]] = None  # label -> (2, len(TYPICAL)): middle and width of the positives' box
    families: Optional[Mapping[str, np.ndarray]] = None  # label -> (len(FAMILIES),): positives' genre-family mix

    @classmethod
    def from_dict(cls, data: Mapping) -> "MoodModel":
        if list(data["features"]) != list(FEATURE_NAMES):
            raise ModelMissing("mood_model.json was fitted on other features; run scripts/fit_mood_model.py again.")
        return cls(
            mean=np.array(data["mean"], np.float32),
            scale=np.array(data["scale"], np.float32),
            weights={k: np.array(v, np.float32) for k, v in data["labels"].items()},
            va_weights=np.array(data["va"]["weights"], np.float32),
            va_quantiles=np.array(data["va"]["quantiles"], np.float32),
            info=data.get("info", {}),
            lo=np.array(data["clip"]["lo"], np.float32) if "clip" in data else None,
            hi=np.array(data["clip"]["hi"], np.float32) if "clip" in data else None,
            typical={k: np.array(v, np.float32) for k, v in data["typical"].items()} if "typical" in data else None,
            families={k: np.array(v, np.float32) for k, v in data["families"].items()} if "families" in data else None,
        )

    def to_dict(self) -> dict:
        r = lambda a: [round(float(x), 5) for x in a]  # noqa: E731
        return {
            "features": list(FEATURE_NAMES), "mean": r(self.mean), "scale": r(self.scale),
            "labels": {k: r(v) for k, v in self.weights.items()},
            "va": {"weights": [r(w) for w in self.va_weights], "quantiles": [r(q) for q in self.va_quantiles]},
            "info": dict(self.info),
            **({"clip": {"lo": r(self.lo), "hi": r(self.hi)}} if self.lo is not None else {}),
            **({"typical": {k: [r(row) for row in v] for k, v in self.typical.items()}} if self.typical else {}),
            **({"families": {k: r(v) for k, v in self.families.items()}} if self.families else {}),
        }

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "MoodModel":
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelMissing(f"Can't read the mood model {path} ({exc}); run scripts/fit_mood_model.py.") from None

    def _standard(self, x: np.ndarray) -> np.ndarray:
        if self.lo is not None:
            x = np.clip(x, self.lo, self.hi)
        z = (x - self.mean) / self.scale
        return np.concatenate([z, np.ones((len(x), 1), np.float32)], axis=1)

    def learned(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Each learned label's probability (balanced classes) for feature rows `x`."""
        z = self._standard(x)
        return {label: (1.0 / (1.0 + np.exp(-(z @ w)))).astype(np.float32) for label, w in self.weights.items()}

    def typicality(self, x: np.ndarray, label: str) -> np.ndarray:
        """0..1: whether a song sounds like the label's positives — 1 inside the box of their
        middle 60 % on every TYPICAL feature, falling off with the distance outside it in units of
        the box's width (exp(-1/2) one width out on one feature). A logistic model scores
        the most extreme song highest (the quietest song is the calmest, the loudest the angriest);
        people file a song under a mood when it sounds like the songs they filed there."""
        median, spread = self.typical[label]
        cols = [FEATURE_NAMES.index(f) for f in TYPICAL]
        d = np.maximum(np.abs(x[:, cols] - median) - spread / 2, 0.0) / spread
        return np.exp(-0.5 * (d**2).sum(axis=1))

    def _rule_parts(self, label: str) -> dict[str, float]:
        """The learned labels a label is made of, with their weights (a learned label: itself;
        neutral, whose rule is a point only: every learned label alike)."""
        if label in self.weights:
            return {label: 1.0}
        parts = {k: w for k, w in RULES[label].items() if k in self.weights}
        return parts or {k: 1.0 for k in self.weights}

    def family_mix(self, weights: Mapping[str, float]) -> Optional[np.ndarray]:
        """The genre-family mix (FAMILIES order) a list for these label weights should have: the
        labelled positives' mix of each label (rule labels: of the labels they are made of), over
        the named families ('other' is no family to aim for)."""
        if not self.families:
            return None
        mix = np.zeros(len(FAMILIES), np.float64)
        for label, w in weights.items():
            parts = self._rule_parts(label)
            total = sum(parts.values())
            for part, pw in parts.items():
                mix += w * pw / total * self.families[part]
        mix[FAMILIES.index("other")] = 0.0
        return (mix / mix.sum()).astype(np.float32) if mix.sum() > 0 else None

    def sound_centre(self, label: str) -> Optional[tuple[float, float]]:
        """(Spotify valence, energy) in the middle of a label's positives (rule labels: of their parts)."""
        if not self.typical:
            return None
        parts = self._rule_parts(label)
        total = sum(parts.values())
        iv, ie = TYPICAL.index("valence"), TYPICAL.index("energy")
        v = sum(w * float(self.typical[k][0][iv]) for k, w in parts.items()) / total
        e = sum(w * float(self.typical[k][0][ie]) for k, w in parts.items()) / total
        return v, e

    def va(self, x: np.ndarray) -> np.ndarray:
        """(n, 2) predicted listener valence and arousal on -1..1 (quantile-mapped)."""
        raw = self._standard(x) @ self.va_weights.T
        q = np.linspace(-1.0, 1.0, self.va_quantiles.shape[1])
        return np.stack([np.interp(raw[:, k], self.va_quantiles[k], q) for k in range(2)], axis=1).astype(np.float32)

    def label_scores(self, x: np.ndarray, decades: Optional[np.ndarray] = None, typical: bool = False) -> np.ndarray:
        """(n, len(LABELS)) 0..1: how well each song fits each label, learned or by rule.

        With `typical` each learned label's probability is weighed by `typicality` (what lists
        rank by): among songs that surely fit, the ones that sound like the labelled ones first."""
        learned = self.learned(x)
        if typical and self.typical:
            learned = {k: (v * self.typicality(x, k) ** TYPICAL_POWER).astype(np.float32) if k in self.typical else v
                       for k, v in learned.items()}
        va = self.va(x)
        decades = np.zeros(len(x), np.int32) if decades is None else decades
        out = np.zeros((len(x), len(LABELS)), np.float32)
        for j, label in enumerate(LABELS):
            if label in learned:
                out[:, j] = learned[label]
                continue
            rule = RULES[label]
            score = np.zeros(len(x), np.float32)
            for part, weight in rule.items():
                if part == "va":
                    score += weight * va_closeness(va, VA_POINTS[label])
                elif part != "era":
                    score += weight * learned[part]
            if rule.get("era"):
                score *= era_factor(decades)
            out[:, j] = score
        return out


@lru_cache(maxsize=1)
def shipped_model() -> MoodModel:
    """The model fitted for this release (loaded once per process)."""
    return MoodModel.load()
