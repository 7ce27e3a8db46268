"""What a listener expects of a mood beyond what its labelled songs teach: the list-time sound rules.

The learned scores (core.music.mood_model) say how likely people are to file a song under a mood, and
lists rank by them times how typical the song sounds for the mood. Two moods need more than the
labels give (a third, romantic, was checked and needs none):
- **happy**, the reading people meet most (most shared photos show smiling faces). Its labelled songs
  and energetic's sound alike (their positives' middle boxes: valence 0.59 / 0.55, energy 0.71 / 0.73,
  danceability 0.66 / 0.66), so happy's list was energetic's: 22 of its first 30 songs mostly
  instrumental club tracks, mean valence 0.69. What a person expects from "happy" is a bright,
  danceable song in a major key with a voice to sing along to: vocals (Spotify instrumentalness), a
  major key, valence from 0.65 and danceability from 0.55 at full weight, and not the most intense
  tracks (energy past 0.85 is energetic's ground). (Valence from 0.7 and danceability from 0.6 gave
  the same means over 30 songs but pushed known songs out of the first five.)
- **romantic** needs no rule of sound: its list's mean valence was already 0.36 (0.3–0.7 is what a
  listener calls tender); its trouble was "Silver Bells" in two versions, now an artefact by title
  (core.music.genres) and one song whatever the version (core.music.recommender). A lower bound of
  0.3 pushed "Perfect" (valence 0.17), the seed paper's own romantic example, from the top 0.2 % of
  the catalog to the top 34 %; an upper bound of 0.7 cost held-out agreement (pooled AUC −0.06) and
  changed no song of the first 30.
- **angry**: dark and loud, not merely energetic — energy 0.75–0.88 (the top of the labelled angry
  songs' middle half; louder still is noise, not anger) and valence to 0.5 (Limp Bizkit's and Twisted
  Sister's party anthems are energetic; the labelled "angry" songs' mean valence is 0.51).
Each rule multiplies the label's list score by a factor in 0..1 that is 1 inside the range and falls
off smoothly outside it (a Gaussian shoulder `SOFT` wide), so a song just outside still ranks when
nothing better fits (a small catalog), and the learned probability itself — what `python -m evaluation
mapping` measures — is untouched. docs/EVALUATION.md shows the lists before and after.
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from core.emotions import LABELS

SOFT = 0.08  # the width of a rule's shoulder, in Spotify's 0..1 units


def _from(x: np.ndarray, lo: float, soft: float = SOFT) -> np.ndarray:
    """1 from `lo` up, falling off below it."""
    return np.exp(-0.5 * (np.maximum(lo - x, 0.0) / soft) ** 2)


def _to(x: np.ndarray, hi: float, soft: float = SOFT) -> np.ndarray:
    """1 up to `hi`, falling off above it."""
    return np.exp(-0.5 * (np.maximum(x - hi, 0.0) / soft) ** 2)


def _happy(f: Mapping[str, np.ndarray]) -> np.ndarray:
    voice = 1.0 - 0.8 * np.clip((f["instrumentalness"] - 0.2) / 0.3, 0.0, 1.0)  # 0.2 at instrumentalness 0.5 and up
    key = np.where(f["mode"] == 1, 1.0, np.where(f["mode"] == 0, 0.75, 0.85))
    return voice * key * _from(f["valence"], 0.65) * _from(f["danceability"], 0.55) * _to(f["energy"], 0.85)


def _angry(f: Mapping[str, np.ndarray]) -> np.ndarray:
    return _from(f["energy"], 0.75) * _to(f["energy"], 0.88) * _to(f["valence"], 0.5)


RULES: Mapping[str, Callable[[Mapping[str, np.ndarray]], np.ndarray]] = {
    "happy": _happy, "angry": _angry,
}


def sound_factors(tracks) -> dict[str, np.ndarray]:
    """label -> (n,) factor in 0..1 for each track (anything with a Track's audio fields); labels
    without a rule are absent (their factor is 1)."""
    f = {k: np.array([getattr(t, k) for t in tracks], dtype=np.float32)
         for k in ("valence", "energy", "danceability", "instrumentalness")}
    f["mode"] = np.array([-1 if t.mode is None else t.mode for t in tracks], dtype=np.int8)
    return {label: rule(f).astype(np.float32) for label, rule in RULES.items()}


def list_scores(model, tracks: Sequence, x: np.ndarray, decades: Optional[np.ndarray] = None) -> np.ndarray:
    """(n, len(LABELS)) what lists rank by: each label's probability × how typical the song sounds for
    it (core.music.mood_model), × its sound rule here. The ranking and `python -m evaluation mapping`'s
    "listed" column both read it."""
    scores = model.label_scores(x, decades, typical=True)
    for label, factor in sound_factors(tracks).items():
        scores[:, LABELS.index(label)] *= factor
    return scores
