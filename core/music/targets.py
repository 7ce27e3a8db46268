"""From a mood to music: what a list should feel like, and the stepwise paths of mood-shift lists.

A target is a weight per label plus a valence/arousal point. How well a song fits a label is not
guessed from the circumplex any more: core.music.mood_model scores every song for every label with
models learned from human mood labels (and documented rules for labels without data). The ranking
(core.music.recommender) blends those scores by the target's weights; for a reading or a shift step (not
a named mood) it adds, POINT_SHARE of the match, the closeness of the song's predicted listener
valence/arousal to the target's point:
- a named mood ('calm', from `/mode` or the command line) weighs only that label;
- a photo's reading weighs its whole label distribution (LABEL_SHARE) and the labels near its
  valence/arousal point (the rest), so a photo read 60 % calm / 30 % romantic gets songs that are
  mostly calm and a little romantic, not only the top label, and a calmer 'happy' photo gets calmer
  songs than an excited one;
- a bare valence/arousal point weighs the labels near it (core.emotions.distribution_near);
- a label together with a point (a soundtrack, a step of a shift list) mixes the two, LABEL_SHARE
  for the label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Optional

from core.emotions import LABELS, VA, VA_POINTS, UnknownLabel, distribution_near

MAX_STEP = 0.15  # iso principle: each song of a shift list moves at most this far in VA
# A shift list is as long as its path needs to reach the target in steps of MAX_STEP: at most 16
# steps, enough from any point of the square to any label (the longest, (-1, -1) to energetic, is 2.34).
MAX_SHIFT_SONGS = 17
LABEL_SHARE = 0.7
POINT_SHARE = 0.15


@dataclass(frozen=True)
class MusicTarget:
    """What a list should feel like: a weight per label (LABELS order, summing to 1) and a VA point."""

    weights: tuple[float, ...]
    va: VA
    label: str = ""  # the main label, for reasons
    point_share: float = 0.0  # of the match: closeness to `va` (readings and shift steps; 0 for a named mood)

    @property
    def distribution(self) -> dict[str, float]:
        return {lab: w for lab, w in zip(LABELS, self.weights) if w > 0}


def _normalised(distribution: Mapping[str, float]) -> tuple[float, ...]:
    total = sum(max(0.0, float(distribution.get(lab, 0.0))) for lab in LABELS)
    if total <= 0:
        return tuple(1.0 / len(LABELS) for _ in LABELS)
    return tuple(max(0.0, float(distribution.get(lab, 0.0))) / total for lab in LABELS)


def _clip_va(point: VA) -> VA:
    return VA(max(-1.0, min(1.0, point.valence)), max(-1.0, min(1.0, point.arousal)))


def _known(label: str) -> None:
    """Labels are parsed once, where a person's words come in (core.emotions.parse_label); past that
    point an unknown one is a bug, refused with the list of names rather than a KeyError."""
    if label not in VA_POINTS:
        raise UnknownLabel(label)


def target_for_distribution(distribution: Mapping[str, float], point: VA) -> MusicTarget:
    """A reading's target: its label distribution, and (1 - LABEL_SHARE) for the labels near its VA
    point — two photos both read 'happy' get different lists when one is calmer (lower arousal)."""
    point = _clip_va(point)
    dist = _normalised(distribution)
    near = distribution_near(point)
    weights = _normalised({lab: LABEL_SHARE * d + (1 - LABEL_SHARE) * near[lab] for lab, d in zip(LABELS, dist)})
    return MusicTarget(weights, point, LABELS[max(range(len(LABELS)), key=dist.__getitem__)], POINT_SHARE)


def target_for_va(point: VA, label: str = "") -> MusicTarget:
    """A VA point's target: the labels near it, and `label` (if any) weighted LABEL_SHARE."""
    point = _clip_va(point)
    near = distribution_near(point)
    if not label:
        return target_for_distribution(near, point)
    _known(label)
    mixed = {lab: (1 - LABEL_SHARE) * p + (LABEL_SHARE if lab == label else 0.0) for lab, p in near.items()}
    return MusicTarget(_normalised(mixed), point, label, POINT_SHARE)


def target_for(label: str, point: VA, distribution: Optional[Mapping[str, float]] = None) -> MusicTarget:
    """The one place a list's target is worked out, once per list: a reading's distribution and
    point; a named mood at its own point (`/mode`, `recommend --emotion`): that mood only; a mood
    with another point (a soundtrack, a list's follow-up): the mood and the labels near the point."""
    if distribution:
        return target_for_distribution(distribution, point)
    _known(label)
    if point == VA_POINTS[label]:
        return target_for_label(label)
    return target_for_va(point, label)


def target_for_label(label: str) -> MusicTarget:
    """Target for a named mood (one of LABELS, parsed where it came in); raises core.emotions.UnknownLabel."""
    _known(label)
    return MusicTarget(_normalised({label: 1.0}), VA_POINTS[label], label)


def nearest_label(point: VA) -> str:
    """The label whose VA point is closest to `point`."""
    return min(VA_POINTS, key=lambda lab: point.distance(VA_POINTS[lab]))


def default_shift_target(start: VA) -> str:
    """Where a mood-shift list goes when the person does not say.

    From a negative, activated mood (angry, afraid) toward calm; from a negative, low mood (sad)
    toward happy; from a positive mood, toward calm if it is very activated, else toward happy.
    """
    if start.valence < 0:
        return "calm" if start.arousal > 0 else "happy"
    return "calm" if start.arousal > 0.5 else "happy"


def shift_length(start: VA, target: VA, n: int, max_step: float = MAX_STEP) -> int:
    """How many songs a shift list needs: at least `n`, and enough steps of `max_step` to arrive
    (never more than MAX_SHIFT_SONGS)."""
    needed = math.ceil(start.distance(target) / max_step - 1e-9) + 1
    return max(1, min(MAX_SHIFT_SONGS, max(n, needed)))


def shift_path(start: VA, target: VA, n: int, max_step: float = MAX_STEP) -> list[VA]:
    """n VA points: the first at `start`, each next one at most `max_step` closer to `target`.

    When the target is near enough (see `shift_length`), the steps are even and the last point
    lands on it.
    """
    if n < 1:
        return []
    distance = start.distance(target)
    if n == 1 or distance == 0:
        return [start] * n
    step = min(max_step, distance / (n - 1))
    dv, da = (target.valence - start.valence) / distance, (target.arousal - start.arousal) / distance
    return [VA(start.valence + dv * step * i, start.arousal + da * step * i) for i in range(n)]


def feel_of(valence: float, energy: float) -> str:
    """A song's feel as a code bot.replies words: upbeat, intense, gentle, heavy, bright, mellow, moody."""
    if energy > 0.7:
        return "upbeat" if valence >= 0.5 else "intense"
    if energy < 0.35:
        return "gentle" if valence >= 0.4 else "heavy"
    return "bright" if valence >= 0.6 else "mellow" if valence >= 0.35 else "moody"

