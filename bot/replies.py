"""Render readings for people and programs, the same for every surface (CLI, Telegram, Discord)."""

from __future__ import annotations

from typing import Any, Optional

from core.fusion import MoodReading


def _r(x: float, nd: int = 4) -> float:
    return round(float(x), nd)


def reading_to_dict(reading: Optional[MoodReading], *, file: Optional[str] = None, error: Optional[str] = None) -> dict[str, Any]:
    """The JSON shape of `python -m bot analyze --json` (one object per photo)."""
    out: dict[str, Any] = {"file": file}
    if reading is None:
        out.update(label=None, confidence=None, valence=None, arousal=None, top=[], faces=[], signals={},
                   explanation=None, timings_ms={}, error=error)
        return out
    out.update(
        label=reading.label,
        confidence=_r(reading.confidence),
        valence=_r(reading.valence),
        arousal=_r(reading.arousal),
        top=[[lab, _r(p)] for lab, p in reading.top],
        faces=[
            {"box": list(f.box), "label": f.label, "probs": {k: _r(v) for k, v in f.probs.items()},
             "detector_confidence": _r(f.detector_confidence)}
            for f in reading.faces
        ],
        signals={
            s.name: {
                "available": s.available,
                "reason": s.reason,
                "weight": _r(s.weight),
                "reliability": _r(s.reliability),
                "distribution": {k: _r(v) for k, v in sorted(s.distribution.items(), key=lambda kv: -kv[1])},
                "valence": _r(s.valence),
                "arousal": _r(s.arousal),
                **({"detail": s.detail} if s.detail else {}),
            }
            for s in reading.signals
        },
        explanation=reading.explanation,
        timings_ms=reading.timings_ms,
        error=error,
    )
    return out


def reading_to_text(reading: Optional[MoodReading], *, file: Optional[str] = None, error: Optional[str] = None) -> str:
    """A few lines a person can read at a glance."""
    head = f"{file}: " if file else ""
    if reading is None:
        return f"{head}✗ {error}"
    lines = [
        f"{head}{reading.label} ({reading.confidence:.0%} confident) — valence {reading.valence:+.2f}, arousal {reading.arousal:+.2f}",
        "  also: " + ", ".join(f"{lab} {p:.0%}" for lab, p in reading.top[1:]),
        f"  {reading.explanation}",
    ]
    for i, f in enumerate(reading.faces, 1):
        x, y, w, h = f.box
        lines.append(f"  face {i} at ({x}, {y}) {w}×{h}: {f.label} {f.probs[f.label]:.0%}")
    if reading.timings_ms:
        lines.append(f"  took {reading.timings_ms.get('total', sum(reading.timings_ms.values())):.0f} ms")
    return "\n".join(lines)


def song_to_dict(song) -> dict[str, Any]:
    t = song.track
    return {
        "id": t.id,
        "title": t.title,
        "artist": t.artist,
        "year": t.year,
        "decade": t.era,
        "spotify_url": song.spotify_url,
        "youtube_url": t.youtube_url,
        "album_art": song.album_art,
        "reason": song.reason,
        "features": {k: (_r(v, 3) if isinstance(v, float) else v) for k, v in song.features().items()},
    }


def recommendation_to_dict(rec) -> dict[str, Any]:
    """`songs` and `recommendation_id` (plus the mood and mode they were ranked for)."""
    return {
        "recommendation_id": rec.id,
        "mood": rec.mood,
        "mode": rec.mode,
        "target": rec.target,
        "songs": [song_to_dict(s) for s in rec.songs],
    }


def songs_to_text(rec) -> str:
    if not rec.songs:
        return "  No songs to suggest — the catalog is empty or you have disliked everything that fits."
    head = f"  Songs ({'shifting toward ' + rec.target if rec.mode == 'shift' else 'matching ' + rec.mood}), list #{rec.id}:"
    lines = [head]
    for i, s in enumerate(rec.songs, 1):
        t = s.track
        era = f" ({t.year or str(t.era) + 's'})" if (t.year or t.era) else ""
        lines.append(f"  {i}. {t.artist} — {t.title}{era} · {s.reason}")
        lines.append(f"     {s.spotify_url}  ·  {t.youtube_url}")
    return "\n".join(lines)
