"""The --json shapes of the command line (`python -m bot analyze|recommend --json`): a contract
scripts rely on, kept apart from the words (bot.replies supplies the explanation and the reasons)."""

from __future__ import annotations

from typing import Any, Optional

from bot.replies import explain, song_reason
from core.reading.aggregate import movement
from core.reading.fusion import MoodReading


def _r(x: float, nd: int = 4) -> float:
    return round(float(x), nd)


def reading_to_dict(reading: Optional[MoodReading], *, file: Optional[str] = None, error: Optional[str] = None) -> dict[str, Any]:
    """The JSON shape of `python -m bot analyze --json` (one object per photo)."""
    out: dict[str, Any] = {"file": file}
    if reading is None:
        out.update(label=None, confidence=None, valence=None, arousal=None, top=[], faces=[], signals={},
                   explanation=None, kind=None, parts=[], moves=[], timings_ms={}, error=error)
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
        explanation=explain(reading),
        kind=reading.kind,
        parts=[{"label": lab, "valence": _r(v), "arousal": _r(a)} for lab, v, a in reading.parts],
        moves=list(movement(reading) or []),
        timings_ms=reading.timings_ms,
        error=error,
    )
    return out


def song_to_dict(song, preview_url: Any = ...) -> dict[str, Any]:
    """One song; `preview_url` (a URL or None) is added only when previews were asked for."""
    out = _song_dict(song)
    if preview_url is not ...:
        out["preview_url"] = preview_url
    return out


def _song_dict(song) -> dict[str, Any]:
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
        "popularity": t.popularity,
        "explicit": t.explicit,
        "genres": t.genres.split("|") if t.genres else [],
        "reason": song_reason(song.reason),
        "features": {k: (_r(v, 3) if isinstance(v, float) else v) for k, v in song.features().items()},
    }


def recommendation_to_dict(rec, previews: Optional[dict] = None) -> dict[str, Any]:
    """`songs` and `recommendation_id` (plus the mood and mode they were ranked for); with
    `previews` (track id → preview URL or None, from --previews) each song gains `preview_url`."""
    return {
        "recommendation_id": rec.id,
        "mood": rec.mood,
        "mode": rec.mode,
        "target": rec.target,
        "songs": [song_to_dict(s) if previews is None else song_to_dict(s, previews.get(s.track.id)) for s in rec.songs],
    }
