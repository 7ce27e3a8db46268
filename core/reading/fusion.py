"""Signals in, one explained MoodReading out (each signal's share and what it saw; bot.replies words it).

Each signal (faces, scene, colour) brings a distribution over core.emotions labels and its own
reliability in 0..1 (faces: detector confidence and face size; scene: CLIP's margin between its two
best moods; colour: fixed, it is a weak prior). A signal's weight is a base weight times that
reliability; a missing signal is dropped, never faked. The fused distribution and valence/arousal
point are weight-averaged, and the reading says how much each signal contributed.

Confidence is the chance the top label is right. For faces it is calibrated on labelled photos
(Platt scaling of the face net's top probability, fitted on faces-dev's report half and PublicTest;
see docs/EVALUATION.md).
Scene and colour have no labelled data here, so their share of the confidence is their raw
probability for the fused label — stated as such, not claimed calibrated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import numpy as np

from core.emotions import FACE_LABELS, LABELS, VA, distribution_near, ordered, va_of

BASE_WEIGHTS: Mapping[str, float] = {"faces": 1.0, "scene": 0.8, "color": 0.2}
# Colour hints at a region of VA space, not a label: a wide kernel keeps its distribution flat, so a
# colour-only reading is honestly unsure (about 20 % confident) instead of naming one label loudly.
COLOR_KERNEL_WIDTH = 0.9

# Platt scaling of the face net's top probability: P(correct) = sigmoid(A * logit(p) + B).
# Fitted by log-loss on faces-dev's report half and FER2013 PublicTest pooled (4,724 labelled faces) by
# scripts/choose_face_ensemble.py --half report, which stores them in models/weights/face_ensemble.json
# beside the net they belong to (a test checks the two agree); 5-fold CV ECE per set in docs/EVALUATION.md.
FACE_PLATT_A = 0.95
FACE_PLATT_B = -0.10


def calibrate_face_confidence(p: float) -> float:
    """Calibrated chance that a face's top emotion is right, from the ensemble's top probability."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return 1.0 / (1.0 + math.exp(-(FACE_PLATT_A * math.log(p / (1 - p)) + FACE_PLATT_B)))


@dataclass
class FaceReading:
    box: tuple[int, int, int, int]  # x, y, w, h in the original photo's pixels
    label: str
    probs: dict[str, float]
    detector_confidence: float


@dataclass
class SignalReading:
    """One signal's say: its distribution, reliability, share of the final weight and notes."""

    name: str
    available: bool
    reason: str = ""  # why unavailable, for the log and the command line; what it saw is in `detail`
    distribution: dict[str, float] = field(default_factory=dict)
    reliability: float = 0.0
    weight: float = 0.0  # share of the fused reading, 0..1 (filled in by fuse)
    valence: float = 0.0
    arousal: float = 0.0
    calibrated: bool = False
    detail: dict = field(default_factory=dict)

    @property
    def top(self) -> Optional[str]:
        return max(self.distribution, key=self.distribution.__getitem__) if self.distribution else None


@dataclass
class MoodReading:
    label: str
    confidence: float
    valence: float
    arousal: float
    distribution: dict[str, float]
    signals: list[SignalReading]
    faces: list[FaceReading]
    timings_ms: dict[str, float] = field(default_factory=dict)
    thumbnail: Optional[np.ndarray] = field(default=None, repr=False)  # small RGB copy of the photo, for its card
    kind: str = "photo"  # "photo", "album" (several photos) or "video" (frames of a GIF or video)
    parts: list[tuple[str, float, float]] = field(default_factory=list)  # album photos / video frames: (label, valence, arousal)

    @property
    def top(self) -> list[tuple[str, float]]:
        return ordered(self.distribution)[:3]


def face_signal(faces: Sequence[FaceReading], image_area: float, found: int = 0) -> SignalReading:
    """Aggregate the faces read, each weighted by detector confidence and the square root of its area
    (the most prominent weigh most); `found` is how many the photo holds (≥ the faces read)."""
    if not faces:
        return SignalReading("faces", available=False, reason="no face found")
    weights = [max(f.detector_confidence, 0.05) * math.sqrt(f.box[2] * f.box[3] / image_area) for f in faces]
    total = sum(weights)
    dist = {lab: sum(w * f.probs[lab] for w, f in zip(weights, faces)) / total for lab in FACE_LABELS}
    largest = max(f.box[2] * f.box[3] for f in faces) / image_area
    size_factor = min(1.0, 0.4 + 2.0 * math.sqrt(largest))  # a face of 10 % of the photo counts fully
    reliability = max(f.detector_confidence for f in faces) * size_factor
    point = va_of(dist)
    return SignalReading(
        "faces",
        available=True,
        distribution=dist,
        reliability=round(reliability, 4),
        valence=point.valence,
        arousal=point.arousal,
        calibrated=True,
        detail={"count": len(faces), "found": max(found, len(faces))},
    )


def scene_signal(moods: Optional[Mapping[str, float]], margin: float = 0.0, scenes: Sequence = (), reason: str = "") -> SignalReading:
    """The scene's mood distribution; reliability grows with CLIP's top-2 margin (full at 0.25)."""
    if moods is None:
        return SignalReading("scene", available=False, reason=reason or "scene analysis unavailable")
    dist = {lab: float(moods.get(lab, 0.0)) for lab in LABELS if moods.get(lab, 0.0) > 0}
    point = va_of(dist)
    return SignalReading(
        "scene",
        available=True,
        distribution=dist,
        reliability=round(min(1.0, max(0.1, margin / 0.25)), 4),
        valence=point.valence,
        arousal=point.arousal,
        detail={"scenes": [[s, round(p, 4)] for s, p in scenes], "margin": round(margin, 4)},
    )


def color_signal(valence: float, arousal: float, detail: Mapping) -> SignalReading:
    """Colour's VA cue turned into a soft distribution over all labels; a fixed, weak prior."""
    point = VA(valence, arousal)
    return SignalReading(
        "color",
        available=True,
        distribution=distribution_near(point, width=COLOR_KERNEL_WIDTH),
        reliability=1.0,
        valence=valence,
        arousal=arousal,
        detail=dict(detail),
    )


def fuse(signals: Sequence[SignalReading], faces: Sequence[FaceReading] = ()) -> MoodReading:
    """Weight-average the available signals into one reading with an honest confidence."""
    used = [s for s in signals if s.available and s.distribution]
    raw = {s.name: BASE_WEIGHTS.get(s.name, 0.5) * s.reliability for s in used}
    total = sum(raw.values())
    if total <= 0:  # cannot happen while colour is always available; stay honest if it does
        return MoodReading("neutral", 0.0, 0.0, 0.0, {"neutral": 1.0}, list(signals), list(faces))
    for s in used:
        s.weight = round(raw[s.name] / total, 4)
    dist = {lab: sum(s.weight * s.distribution.get(lab, 0.0) for s in used) for lab in LABELS}
    norm = sum(dist.values())
    dist = {lab: p / norm for lab, p in dist.items()}
    label = max(dist, key=dist.__getitem__)
    valence = sum(s.weight * s.valence for s in used)
    arousal = sum(s.weight * s.arousal for s in used)
    confidence = 0.0
    for s in used:
        p = s.distribution.get(label, 0.0)
        confidence += s.weight * (calibrate_face_confidence(p) if s.calibrated else p)
    return MoodReading(
        label=label,
        confidence=round(min(max(confidence, 0.0), 1.0), 4),
        valence=round(max(-1.0, min(1.0, valence)), 4),
        arousal=round(max(-1.0, min(1.0, arousal)), 4),
        distribution={lab: round(p, 4) for lab, p in ordered(dist)},
        signals=list(signals),
        faces=list(faces),
    )

