"""Several readings → one: an album's photos, or a video's frames.

Each part counts by its confidence (a floor of 0.05 keeps an unsure part from vanishing): the label
distributions and the valence/arousal points are confidence-weighted averages, the label is the
top of the combined distribution, and the confidence is the weighted average of how sure each part
was of *that* label (its confidence, scaled by that label's share of its own top probability) — so
parts that disagree make an honest, lower number.

For a video the order matters: `movement()` compares the first and the last third of the frames
and names the change when the mood moved far enough to say so ("starts calm, ends energetic").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

from core.emotions import LABELS, VA, ordered
from core.reading.fusion import MoodReading, SignalReading

CONFIDENCE_FLOOR = 0.05
MOVED = 0.35  # VA distance between the first and last third that counts as the mood moving


def combine(readings: Sequence[MoodReading], *, kind: str) -> MoodReading:
    """One reading for `readings` (at least one). `kind`: "album" or "video"; the result keeps each
    part's point (`parts`) for the card's trail and the words."""
    if not readings:
        raise ValueError("nothing to combine")
    weights = [max(r.confidence, CONFIDENCE_FLOOR) for r in readings]
    total = sum(weights)
    dist = {lab: sum(w * r.distribution.get(lab, 0.0) for w, r in zip(weights, readings)) / total for lab in LABELS}
    label = max(dist, key=dist.__getitem__)
    sure = sum(w * r.confidence * (r.distribution.get(label, 0.0) / max(max(r.distribution.values()), 1e-9))
               for w, r in zip(weights, readings)) / total
    return MoodReading(
        label=label,
        confidence=round(min(max(sure, 0.0), 1.0), 4),
        valence=round(sum(w * r.valence for w, r in zip(weights, readings)) / total, 4),
        arousal=round(sum(w * r.arousal for w, r in zip(weights, readings)) / total, 4),
        distribution={lab: round(p, 4) for lab, p in ordered(dist) if p > 0},
        signals=_mean_signals(readings, weights),
        faces=[f for r in readings for f in r.faces],
        timings_ms={"total": round(sum(r.timings_ms.get("total", 0.0) for r in readings), 2)},
        thumbnail=readings[0].thumbnail,
        kind=kind,
        parts=[(r.label, r.valence, r.arousal) for r in readings],
    )


def _mean_signals(readings: Sequence[MoodReading], weights: Sequence[float]) -> list[SignalReading]:
    """Each signal's share averaged over the parts (the card and the words say what each gave);
    faces counted over all parts, the scene most often seen."""
    out = []
    total = sum(weights)
    for name in ("faces", "scene", "color"):
        mine = [(w, s) for w, r in zip(weights, readings) for s in r.signals if s.name == name]
        used = [(w, s) for w, s in mine if s.available]
        if not used:
            out.append(replace(mine[0][1]) if mine else SignalReading(name, available=False))
            continue
        first = used[0][1]
        detail = dict(first.detail)
        if name == "faces":
            for key in ("count", "found"):
                detail[key] = sum(s.detail.get(key, s.detail.get("count", 0)) for _, s in used)
        out.append(replace(first, weight=round(sum(w * s.weight for w, s in used) / total, 4), detail=detail))
    return out


def movement(reading: MoodReading) -> Optional[tuple[str, str]]:
    """(start label, end label) when a video's mood moved: the first and last third of its frames
    combined differ in label and lie at least MOVED apart on the circle; else None."""
    parts = reading.parts
    if reading.kind != "video" or len(parts) < 3:
        return None
    third = max(1, len(parts) // 3)
    start, end = parts[:third], parts[-third:]

    def centre(points) -> tuple[str, VA]:
        labels = [p[0] for p in points]
        return max(set(labels), key=labels.count), VA(sum(p[1] for p in points) / len(points), sum(p[2] for p in points) / len(points))

    (a, pa), (b, pb) = centre(start), centre(end)
    if a != b and pa.distance(pb) >= MOVED:
        return a, b
    return None
