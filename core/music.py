"""From a mood to music: target audio features for any label or valence/arousal point, and the
stepwise paths of mood-shift playlists.

The mapping, and why (all features are Spotify's, 0..1 unless said):
- valence → track valence: the two scales mean the same thing (musical positiveness). Our valence
  is -1..1, so target = 0.5 + 0.45 * v.
- arousal → energy (target = 0.5 + 0.45 * a) and tempo (80 BPM at a = -1 to 150 BPM at a = +1):
  energy and tempo are the audio correlates of felt arousal in music-emotion research
  (Gabrielsson & Lindström 2010; Eerola & Vuoskoski 2011).
- valence → mode: major keys read as happier; target P(major) = 0.5 + 0.4 * v.
- low arousal → acoustic; high valence and arousal → danceable.
Labels adjust that where the label means more than its VA point (LABEL_ADJUSTMENTS):
- nostalgic leans to older decades (1960s–80s) and to acoustic sound;
- romantic leans to softer, acoustic, slower songs and away from instrumentals;
- calm leans acoustic and instrumental is welcome; energetic leans danceable.
The agreement of catalog valence/energy with listeners' valence/arousal labels (deezer_mood) is
reported in docs/EVALUATION.md (`python -m core.eval music`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Optional

from core.emotions import VA, VA_POINTS, normalize_label

MAX_STEP = 0.15  # iso principle: each song of a shift list moves at most this far in VA


@dataclass(frozen=True)
class MusicTarget:
    """What a list should sound like. `era` = preferred decades (None: any), `era_weight` 0..1."""

    valence: float
    energy: float
    tempo: float  # BPM
    major: float  # probability the key should be major
    acousticness: float
    danceability: float
    instrumental_ok: bool = True
    era: Optional[tuple[int, ...]] = None
    era_weight: float = 0.0
    label: str = ""
    va: VA = VA(0.0, 0.0)


LABEL_ADJUSTMENTS: Mapping[str, dict] = {
    "nostalgic": {"era": (1960, 1970, 1980), "era_weight": 0.6, "acousticness": +0.15},
    "romantic": {"acousticness": +0.2, "tempo": -10.0, "danceability": -0.05, "instrumental_ok": False},
    "calm": {"acousticness": +0.15},
    "energetic": {"danceability": +0.1},
    "sad": {"acousticness": +0.1},
    "angry": {"acousticness": -0.15},
}


def _clip(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


def target_for_va(point: VA, label: str = "") -> MusicTarget:
    """Target audio features for a VA point; `label` (if any) applies that label's adjustments."""
    v, a = _clip(point.valence, -1, 1), _clip(point.arousal, -1, 1)
    target = MusicTarget(
        valence=_clip(0.5 + 0.45 * v),
        energy=_clip(0.5 + 0.45 * a),
        tempo=115.0 + 35.0 * a,
        major=_clip(0.5 + 0.4 * v),
        acousticness=_clip(0.35 - 0.35 * a),
        danceability=_clip(0.55 + 0.15 * v + 0.15 * a),
        label=label,
        va=VA(v, a),
    )
    adj = LABEL_ADJUSTMENTS.get(label, {})
    changes = {}
    for key, delta in adj.items():
        if key in ("era", "era_weight", "instrumental_ok"):
            changes[key] = delta
        elif key == "tempo":
            changes[key] = target.tempo + delta
        else:
            changes[key] = _clip(getattr(target, key) + delta)
    return replace(target, **changes)


def target_for_label(label: str) -> MusicTarget:
    """Target for a label (any accepted spelling); raises core.emotions.UnknownLabel."""
    label = normalize_label(label)
    return target_for_va(VA_POINTS[label], label)


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


def shift_path(start: VA, target: VA, n: int, max_step: float = MAX_STEP) -> list[VA]:
    """n VA points: the first at `start`, each next one at most `max_step` closer to `target`.

    When the target is near enough, the steps are even and the last point lands on it.
    """
    if n < 1:
        return []
    distance = start.distance(target)
    if n == 1 or distance == 0:
        return [start] * n
    step = min(max_step, distance / (n - 1))
    dv, da = (target.valence - start.valence) / distance, (target.arousal - start.arousal) / distance
    return [VA(start.valence + dv * step * i, start.arousal + da * step * i) for i in range(n)]


def describe(valence: float, energy: float, tempo: float, mode: Optional[int], acousticness: float) -> str:
    """A few words a person understands: 'upbeat, major key, 124 BPM'."""
    if energy > 0.7:
        feel = "upbeat" if valence >= 0.5 else "intense"
    elif energy < 0.35:
        feel = "gentle" if valence >= 0.4 else "slow and heavy-hearted"
    else:
        feel = "bright" if valence >= 0.6 else "mellow" if valence >= 0.35 else "moody"
    parts = [feel]
    if acousticness > 0.6:
        parts.append("acoustic")
    if mode is not None:
        parts.append("major key" if mode == 1 else "minor key")
    parts.append(f"{tempo:.0f} BPM")
    return ", ".join(parts)

