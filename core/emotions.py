"""The one emotion label set, each label's valence/arousal point, and label mappings.

Every signal (faces, scene, colour) speaks in these labels, and every later stage (fusion, music)
reads them from here, so a label can never be "fearful" in one place and "fear" in another.

Valence/arousal coordinates (both in -1..1) place each label on Russell's circumplex of affect
(Russell 1980, "A circumplex model of affect", J. Pers. Soc. Psych. 39(6); angles as in its
Figure 2, and Posner, Russell & Peterson 2005). The numbers are our placement, rounded to 0.05:
design choices to be checked against labelled music (see docs/EVALUATION.md), not measurements.

- happy      (+0.80, +0.40)  "happy/glad/delighted" sit 10-25 deg above the pleasure axis.
- surprise   (+0.20, +0.80)  "astonished" ~70 deg: high arousal, valence mildly positive on
                             average (photo surprise is mostly pleasant: parties, gifts).
- angry      (-0.60, +0.70)  "angry/annoyed" ~100-125 deg: unpleasant and activated.
- fear       (-0.65, +0.65)  "afraid/alarmed" ~95-115 deg; a little less activated than anger in
                             face datasets, where fear is often worry rather than panic.
- disgust    (-0.70, +0.35)  unpleasant, moderately activated (between "frustrated" and
                             "distressed").
- sad        (-0.75, -0.40)  "sad/miserable/gloomy" ~200 deg: unpleasant, deactivated.
- neutral    ( 0.00,  0.00)  the origin by definition.
- calm       (+0.55, -0.60)  "relaxed/serene/calm" ~315-330 deg.
- romantic   (+0.70, +0.10)  tender, warm, moderately low arousal (between "pleased" and
                             "content", a little above the axis for excitement).
- energetic  (+0.55, +0.75)  "excited/aroused" ~50 deg.
- nostalgic  (+0.10, -0.35)  bittersweet: slightly positive, low arousal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

# Face-expression labels, in the order every face model here answers in (FER2013's and DeepFace's
# output order; models.faces reads it from here).
FACE_LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Moods a whole photo can have without any face in it.
MOOD_LABELS: tuple[str, ...] = ("calm", "romantic", "energetic", "nostalgic")
LABELS: tuple[str, ...] = FACE_LABELS + MOOD_LABELS


@dataclass(frozen=True)
class VA:
    """A point in valence/arousal space, both coordinates in -1..1."""

    valence: float
    arousal: float

    def distance(self, other: "VA") -> float:
        return math.hypot(self.valence - other.valence, self.arousal - other.arousal)


VA_POINTS: Mapping[str, VA] = {
    "happy": VA(0.80, 0.40),
    "surprise": VA(0.20, 0.80),
    "angry": VA(-0.60, 0.70),
    "fear": VA(-0.65, 0.65),
    "disgust": VA(-0.70, 0.35),
    "sad": VA(-0.75, -0.40),
    "neutral": VA(0.00, 0.00),
    "calm": VA(0.55, -0.60),
    "romantic": VA(0.70, 0.10),
    "energetic": VA(0.55, 0.75),
    "nostalgic": VA(0.10, -0.35),
}

# Names other tools and datasets use for our labels (lower-case). Anything not here is unknown.
ALIASES: Mapping[str, str] = {
    "anger": "angry",
    "mad": "angry",
    "disgusted": "disgust",
    "fearful": "fear",
    "scared": "fear",
    "afraid": "fear",
    "happiness": "happy",
    "joy": "happy",
    "joyful": "happy",
    "sadness": "sad",
    "surprised": "surprise",
    "relaxed": "calm",
    "peaceful": "calm",
    "love": "romantic",
    "excited": "energetic",
    "energy": "energetic",
    "nostalgia": "nostalgic",
}


class UnknownLabel(ValueError):
    """A label that is not in LABELS and has no alias; the message lists the valid names."""

    def __init__(self, label: str):
        super().__init__(f"Unknown emotion '{label}'. Known emotions: {', '.join(LABELS)}.")
        self.label = label


def normalize_label(label: str) -> str:
    """Map any spelling we accept ('Fearful', 'joy') to a label of LABELS, or raise UnknownLabel.
    Called once where a label comes in (a command, a button, a dataset's file); the stages after it
    take the parsed label."""
    key = label.strip().lower()
    if key in VA_POINTS:
        return key
    if key in ALIASES:
        return ALIASES[key]
    raise UnknownLabel(label)


def va_of(distribution: Mapping[str, float]) -> VA:
    """The expected valence/arousal point of a distribution over labels."""
    total = sum(distribution.values())
    if total <= 0:
        return VA_POINTS["neutral"]
    v = sum(p * VA_POINTS[label].valence for label, p in distribution.items()) / total
    a = sum(p * VA_POINTS[label].arousal for label, p in distribution.items()) / total
    return VA(v, a)


def distribution_near(point: VA, labels: Iterable[str] = LABELS, width: float = 0.45) -> dict[str, float]:
    """A soft distribution over labels from a VA point (Gaussian kernel on distance).

    Used for signals that only know a VA point (colour), so they can be fused with the others.
    """
    weights = {lab: math.exp(-(point.distance(VA_POINTS[lab]) / width) ** 2) for lab in labels}
    total = sum(weights.values())
    return {lab: w / total for lab, w in weights.items()}


def ordered(distribution: Mapping[str, float]) -> list[tuple[str, float]]:
    """Labels with their probabilities, most likely first (ties in LABELS order)."""
    return sorted(distribution.items(), key=lambda kv: (-kv[1], LABELS.index(kv[0])))
