"""Fit and evaluate the mood models on human labels (development only; the bot never runs this).

Used by `scripts/fit_mood_model.py` (fit on everything, write core/music/data/mood_model.json) and by
`python -m evaluation mapping` (fit on some artists, report on the others). Both read the labelled
datasets from a folder given on the command line — the layout of `shared/data/music` — and join
them to the bundled catalog for genres.

Which dataset label counts as which of our labels, in one table (`DATASET_LABELS`, `PLAYMOOD_TAGS`):

| dataset | theirs → ours | left out, and why |
|---|---|---|
| mood_mapper (Spotify mood playlists) | happy → happy, sad → sad, chill → calm, party → energetic, romance → romantic, angry → angry | instrument (a sound, not a mood), spirit (worship/motivation: no one label) |
| spotify_mood_playlists (Spotify editorial) | happy → happy, sad → sad, relax / tranquil / ambient → calm, upbeat → energetic, romance → romantic | focus, epic, enigmatic (no label of ours) |
| gracie_4mood (Spotify mood playlists) | 1 sad, 2 calm, 3 happy, 4 energetic | — |
| playmood (AllMusic / RYM / Last.fm tags) | see PLAYMOOD_TAGS; a track may carry several | tags of no mood of ours |
| deezer_mood (listener valence/arousal) | the valence/arousal regressions, not a label | — |

A labelled row is a positive for each label it carries and a negative for the other labels its
dataset knows (a dataset without "angry" says nothing about anger). Rules labels (core.music.mood_model
RULES) are not fitted; where a dataset has tags for them (playmood: nostalgic, fear) those tags are
used only to evaluate the rule.
"""

from __future__ import annotations

import ast
import csv
import gzip
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from core.music.catalog import Catalog, Track, artist_key, dedupe_key
from core.music.genres import FAMILIES
from core.music.mood_model import FEATURE_NAMES, LEARNED, TYPICAL, MoodModel, features

DATASET_LABELS: dict[str, dict[str, Optional[str]]] = {
    "mood_mapper": {"happy": "happy", "sad": "sad", "chill": "calm", "party": "energetic", "romance": "romantic",
                    "angry": "angry", "instrument": None, "spirit": None},
    "spotify_mood_playlists": {"happy": "happy", "sad": "sad", "relax": "calm", "tranquil": "calm", "ambient": "calm",
                               "upbeat": "energetic", "romance": "romantic", "focus": None, "epic": None, "enigmatic": None},
    "gracie_4mood": {"1": "sad", "2": "calm", "3": "happy", "4": "energetic"},
}
PLAYMOOD_TAGS: dict[str, tuple[str, ...]] = {
    "happy": ("happy", "cheerful", "feel good", "fun", "joyous", "joyful", "optimistic", "carefree", "playful", "sunny"),
    "sad": ("sad", "melancholy", "melancholic", "feeling blue", "heartache", "grief", "loss", "plaintive", "lonely",
            "depressing", "breakup", "heartbreak", "gloomy"),
    "calm": ("calm", "peaceful", "soothing", "quiet", "relaxing", "tranquil", "serene", "mellow", "calming"),
    "energetic": ("energetic", "high energy", "rousing", "exuberant", "boisterous", "partying", "party", "celebratory",
                  "rollicking", "workout"),
    "romantic": ("romantic", "in love", "love", "sensual", "intimate", "romantic evening", "affection", "fondness",
                 "tender", "passionate", "sexy"),
    "angry": ("angry", "aggressive", "confrontational", "hostile", "brash", "rage"),
}
# Tags that evaluate rule labels (never fitted on).
PLAYMOOD_RULE_TAGS: dict[str, tuple[str, ...]] = {
    "nostalgic": ("nostalgic", "bittersweet", "wistful"),
    "fear": ("anxious", "ominous", "eerie", "spooky", "scary", "dark"),
}
# A labelled song is evidence against a label only when it was filed under a contrasting mood: a
# party song says nothing against happy, a calm one nothing against sad (both can be both). Songs of
# the dataset that carry neither the label nor a contrast are left out of that label's fit.
CONTRASTS: dict[str, frozenset[str]] = {
    "happy": frozenset({"sad", "angry"}),
    "sad": frozenset({"happy", "energetic"}),
    "calm": frozenset({"energetic", "angry"}),
    "energetic": frozenset({"calm", "sad"}),
    "romantic": frozenset({"angry", "energetic"}),
    "angry": frozenset({"calm", "romantic", "happy"}),
}
OTHER_NEGATIVE = 1.0  # how much a negative that is not a contrasting mood counts
GENRE_L2 = 1.0
L2 = 1.0  # logistic regression penalty on standardised features (chosen on training artists only)
RIDGE = 10.0
TEST_SHARE = 5  # 1 artist in 5 is held out
AUDIO_COLUMNS = ("valence", "energy", "tempo", "mode", "acousticness", "danceability", "instrumentalness", "loudness", "speechiness")


@dataclass
class Example:
    """One human judgement of one song: its features and the labels it was filed under."""

    track: Track
    labels: frozenset[str]
    dataset: str
    vocabulary: frozenset[str]  # the labels this dataset can say yes or no to
    artist: Optional[str]  # normalised main artist; None = unknown (then training only)
    extra: dict = field(default_factory=dict)  # rule-label tags (evaluation only)


@dataclass
class VAExample:
    track: Track
    valence: float
    arousal: float
    artist: str


def artist_genres(folder: Path) -> dict[str, list[str]]:
    """Normalised artist name → Spotify's genres for that artist (spotify_artist_genres)."""
    out: dict[str, list[str]] = {}
    path = folder / "spotify_artist_genres" / "data_w_genres.csv"
    if not path.is_file():
        return out
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            try:
                genres = ast.literal_eval(r["genres"])
            except (ValueError, SyntaxError):
                continue
            if genres:
                out.setdefault(artist_key(r["artists"]), [str(g) for g in genres])
    return out


class _Joiner:
    """Finds a labelled song in the catalog (by id, then title + artist) or builds it from its row."""

    def __init__(self, catalog: Catalog, genres_of_artist: dict[str, list[str]]):
        self.catalog = catalog
        self.by_key = {dedupe_key(t.title, t.artist.split(",")[0]): t for t in catalog.tracks}
        self.genres_of_artist = genres_of_artist
        self.artist_of_id: dict[str, str] = {t.id: t.artist for t in catalog.tracks}
        # rows that carry neither id nor name (half of mood_mapper) are found by their exact features
        self.by_sound = {_fingerprint(t.__dict__): t for t in catalog.tracks}

    def find(self, track_id: str = "", title: str = "", artist: str = "", row: Optional[dict] = None) -> Optional[Track]:
        t = self.catalog.get(track_id) if track_id else None
        if t is None and title and artist:
            t = self.by_key.get(dedupe_key(title, artist.split(",")[0].split(";")[0]))
        if t is None and row is not None:
            t = self.by_sound.get(_fingerprint(row))
        return t

    def build(self, row: dict, track_id: str, title: str, artist: str, genres: Optional[str] = None) -> Optional[Track]:
        known = self.find(track_id, title, artist, row)
        if known is not None:
            return known
        try:
            values = {k: float(row[k]) for k in AUDIO_COLUMNS if row.get(k) not in (None, "")}
            if not {"valence", "energy"} <= set(values):
                return None
            if not genres and artist:
                genres = "|".join(self.genres_of_artist.get(artist_key(artist), [])[:4]) or None
            return Track(
                id=track_id or "", title=title, artist=artist, valence=values["valence"], energy=values["energy"],
                tempo=values.get("tempo", 120.0), mode=int(values["mode"]) if "mode" in values else None,
                acousticness=values.get("acousticness", 0.3), danceability=values.get("danceability", 0.55),
                instrumentalness=values.get("instrumentalness", 0.0), loudness=values.get("loudness", -8.0),
                speechiness=values.get("speechiness", 0.05), genres=genres,
            )
        except (ValueError, TypeError):
            return None


def _fingerprint(values: dict) -> Optional[tuple]:
    """Rounded (valence, energy, danceability, acousticness, tempo): the same recording's features."""
    try:
        return tuple(round(float(values[k]), 3) for k in ("valence", "energy", "danceability", "acousticness")) + (
            round(float(values["tempo"]), 1),)
    except (KeyError, ValueError, TypeError):
        return None


def _rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r.get("id") != "id"]  # gracie repeats its header as a row


def load_examples(folder: Path, catalog: Catalog) -> list[Example]:
    """Every usable labelled row of the mood datasets in `folder` (see the module's table)."""
    join = _Joiner(catalog, artist_genres(folder))
    out: list[Example] = []

    def add(dataset: str, track: Optional[Track], labels: set[str], vocabulary: set[str], artist: str = "", extra=None):
        if track is None or not labels & vocabulary and not extra:
            return
        name = artist or track.artist or join.artist_of_id.get(track.id, "")
        out.append(Example(track, frozenset(labels), dataset, frozenset(vocabulary), artist_key(name) if name else None, extra or {}))

    # one CSV per playlist, named after its mood; (id, title, artist) of a row, where the file has them
    playlist_folders = {
        "mood_mapper": lambda r: (r.get("id", ""), "", ""),
        "spotify_mood_playlists": lambda r: (r["id"], r["song_name"], r["artists"]),
    }
    for dataset, ident in playlist_folders.items():
        table = DATASET_LABELS[dataset]
        vocab = {v for v in table.values() if v}
        for path in sorted((folder / dataset).glob("*.csv")):
            ours = table.get(path.stem)
            if not ours:
                continue
            for r in _rows(path):
                track_id, title, artist = ident(r)
                add(dataset, join.build(r, track_id, title, artist), {ours}, vocab, artist)
    table = DATASET_LABELS["gracie_4mood"]
    vocab = set(table.values())
    path = folder / "gracie_4mood" / "all_data_no_duplicates_no_nan.csv"
    if path.is_file():
        for r in _rows(path):
            ours = table.get(r["multiclass_label"])
            if ours:
                add("gracie_4mood", join.build(r, r["id"], r["track_name"], r["artist_name"]), {ours}, vocab, r["artist_name"])
    out += _playmood(folder, join)
    return _dedupe(out)


def _playmood(folder: Path, join: _Joiner) -> list[Example]:
    meta_path, tags_path = folder / "playmood" / "metadata.csv", folder / "playmood" / "tracks_to_tags.csv"
    if not (meta_path.is_file() and tags_path.is_file()):
        return []
    tags: dict[str, set[str]] = defaultdict(set)
    with open(tags_path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r.get("selected", "1") == "1":
                tags[r["spotify_id"]].add(r["tag"].strip().lower())
    ours_of = {tag: label for label, names in PLAYMOOD_TAGS.items() for tag in names}
    rule_of = {tag: label for label, names in PLAYMOOD_RULE_TAGS.items() for tag in names}
    out = []
    with open(meta_path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            track = join.find(r["spotify_id"], r["name"], r["artist"])
            mine = tags.get(r["spotify_id"], set())
            labels = {ours_of[t] for t in mine if t in ours_of}
            rules = {rule_of[t] for t in mine if t in rule_of}
            if track is None or not (labels or rules):
                continue
            out.append(Example(track, frozenset(labels), "playmood", frozenset(PLAYMOOD_TAGS), artist_key(r["artist"]),
                               {"rule_labels": frozenset(rules)}))
    return out


def _dedupe(examples: list[Example]) -> list[Example]:
    """One row per song per dataset (labels merged): playlists repeat songs."""
    merged: dict[tuple[str, object], Example] = {}
    for e in examples:
        t = e.track
        key = (e.dataset, t.id or (round(t.valence, 3), round(t.energy, 3), round(t.tempo, 1), round(t.danceability, 3)))
        if key in merged:
            old = merged[key]
            rules = old.extra.get("rule_labels", frozenset()) | e.extra.get("rule_labels", frozenset())
            merged[key] = Example(t, old.labels | e.labels, e.dataset, old.vocabulary, old.artist or e.artist, {"rule_labels": rules})
        else:
            merged[key] = e
    return list(merged.values())


def load_va_examples(folder: Path, catalog: Catalog) -> list[VAExample]:
    """deezer_mood songs found in the catalog by title + artist, with their listener valence/arousal."""
    join = _Joiner(catalog, {})
    out, seen = [], set()
    for name in ("train", "validation", "test"):
        path = folder / "deezer_mood" / f"{name}.csv"
        if not path.is_file():
            continue
        for r in _rows(path):
            t = join.find("", r["track_name"], r["artist_name"])
            if t is not None and t.id not in seen:
                seen.add(t.id)
                out.append(VAExample(t, float(r["valence"]), float(r["arousal"]), artist_key(r["artist_name"])))
    return out


def is_held_out(artist: Optional[str]) -> bool:
    """The artist split: a stable hash puts 1 artist in TEST_SHARE on the held-out side; unknown → train."""
    return artist is not None and zlib.crc32(artist.encode()) % TEST_SHARE == 0


def balanced_weights(y: np.ndarray, groups: Optional[np.ndarray] = None, weights: Optional[np.ndarray] = None) -> np.ndarray:
    """A weight per row (mean 1): every group (dataset) weighs the same in total, and within each
    group positives and negatives weigh half each; `weights` scale single rows first."""
    groups = np.zeros(len(y), int) if groups is None else groups
    rw = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    sample_w = np.zeros(len(y))
    names = np.unique(groups)
    for g in names:
        rows = groups == g
        n_pos, n_neg = (rw * (y > 0))[rows].sum(), (rw * (y <= 0))[rows].sum()
        if n_pos == 0 or n_neg == 0:  # a group with one class only says nothing on its own
            sample_w[rows] = 0.5 * rw[rows] / rw[rows].sum()
            continue
        sample_w[rows] = rw[rows] * np.where(y[rows] > 0, 0.5 / n_pos, 0.5 / n_neg)
    return sample_w * len(y) / len(names)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 30,
                 groups: Optional[np.ndarray] = None, weights: Optional[np.ndarray] = None,
                 penalty_scale: Optional[np.ndarray] = None) -> np.ndarray:
    """Weights (last = intercept) of an L2 logistic regression with balanced classes (Newton steps).

    x is standardised already; the intercept is not penalised. With `groups` (a dataset name per
    row) every group weighs the same in total, and classes are balanced within each group: one
    large dataset (gracie_4mood has half the rows) must not decide what 'happy' sounds like alone.
    `weights` scale single rows (softer negatives); `penalty_scale` scales the L2 penalty per column.
    """
    xb = np.concatenate([x, np.ones((len(x), 1))], axis=1).astype(np.float64)
    sample_w = balanced_weights(y, groups, weights)
    w = np.zeros(xb.shape[1])
    penalty = np.full(xb.shape[1], l2)
    if penalty_scale is not None:
        penalty[:-1] *= penalty_scale
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (sample_w * (p - y)) + penalty * w
        hess = (xb * (sample_w * p * (1 - p))[:, None]).T @ xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def fit_ridge(x: np.ndarray, y: np.ndarray, l2: float = RIDGE) -> np.ndarray:
    """Ridge regression weights (last = intercept, not penalised)."""
    xb = np.concatenate([x, np.ones((len(x), 1))], axis=1).astype(np.float64)
    penalty = np.full(xb.shape[1], l2)
    penalty[-1] = 0.0
    return np.linalg.solve(xb.T @ xb + np.diag(penalty), xb.T @ y)


def label_rows(examples: Sequence[Example], label: str, contrast: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows used, positive, weight) for one label: every song of a dataset that knows the label,
    songs filed under a contrasting mood (CONTRASTS) counting fully as negatives and the other
    negatives OTHER_NEGATIVE as much (with contrast=False all count fully: one-vs-rest)."""
    against = CONTRASTS[label]
    rows = np.array([label in e.vocabulary for e in examples])
    positive = np.array([label in e.labels for e in examples])
    weight = np.array([1.0 if not contrast or label in e.labels or e.labels & against else OTHER_NEGATIVE for e in examples])
    return rows, positive, weight


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    cum = (cum - 0.5 * weights[order]) / cum[-1]
    return np.interp(qs, cum, values[order])


def typical_profile(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """(2, len(TYPICAL)): the middle of each TYPICAL feature's box for some songs and the box's
    width — the box holds their middle 60 % (20th to 80th percentile; at least 0.1 wide, so one
    narrow playlist cannot make a label a point), every dataset (`groups`) weighing the same:
    gracie_4mood's instrumental 'calm' must not be all of calm."""
    names, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]
    out = np.zeros((2, len(TYPICAL)))
    for k, f in enumerate(TYPICAL):
        low, high = _weighted_quantiles(x[:, FEATURE_NAMES.index(f)], w, (0.2, 0.8))
        out[:, k] = ((low + high) / 2, max(high - low, 0.1))
    return out


def family_profile(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """(len(FAMILIES),): the genre-family mix of some songs whose genre is known, every dataset
    weighing the same; what a list for the label should look like (core.music.recommender calibrates to it)."""
    cols = [FEATURE_NAMES.index(f"genre:{f}") for f in FAMILIES]
    known = x[:, FEATURE_NAMES.index("genre_known")] > 0
    mix = np.zeros(len(FAMILIES))
    for g in np.unique(groups[known]):
        rows = known & (groups == g)
        mix += x[rows][:, cols].mean(axis=0)
    return mix / mix.sum() if mix.sum() > 0 else np.full(len(FAMILIES), 1.0 / len(FAMILIES))


def fit(examples: Sequence[Example], va_examples: Sequence[VAExample], catalog: Catalog,
        use_genre: bool = True, info: Optional[dict] = None, contrast: bool = True, guard: bool = True) -> MoodModel:
    """Fit every learned label and the VA regressions; quantiles of predicted VA on `catalog`.

    With `guard` (the shipped way) inputs are clipped to the labelled songs' 1st-99th percentiles
    and each label's score is weighed by how typical a song's sound is of its positives, so the top
    of a catalog holds songs like the labelled ones, not the most extreme ones."""
    x = features([e.track for e in examples])
    xv = features([e.track for e in va_examples])
    if not use_genre:
        genre_cols = [i for i, n in enumerate(FEATURE_NAMES) if n.startswith("genre")]
        x[:, genre_cols] = 0.0
        xv[:, genre_cols] = 0.0
    both = np.concatenate([x, xv]) if len(xv) else x
    mean = both.mean(axis=0)
    scale = both.std(axis=0)
    scale[scale < 1e-6] = 1.0  # a constant column (e.g. genre off) gets no weight, not a division by 0
    lo, hi = (np.percentile(both, 1, axis=0), np.percentile(both, 99, axis=0)) if guard else (None, None)
    z = ((np.clip(x, lo, hi) if guard else x) - mean) / scale
    weights = {}
    counts = {}
    typical = {}
    families = {}
    # genre families weigh in only where the data insists (GENRE_L2 times the audio penalty)
    penalty_scale = np.array([GENRE_L2 if n.startswith("genre") else 1.0 for n in FEATURE_NAMES])
    for label in LEARNED:
        rows, positive, weight = label_rows(examples, label, contrast)
        y = positive[rows].astype(float)
        datasets = np.array([e.dataset for e in examples])
        if guard:
            typical[label] = typical_profile(x[positive], datasets[positive])
        families[label] = family_profile(x[positive], datasets[positive])
        if y.sum() < 10:
            raise ValueError(f"only {int(y.sum())} examples of {label}; the datasets folder looks incomplete")
        weights[label] = fit_logistic(z[rows], y, groups=datasets[rows], weights=weight[rows], penalty_scale=penalty_scale)
        counts[label] = {"positive": int(y.sum()), "negative": int(len(y) - y.sum())}
    if len(va_examples) >= 20:
        zv = ((np.clip(xv, lo, hi) if guard else xv) - mean) / scale
        targets = np.array([(e.valence, e.arousal) for e in va_examples])
        va_w = np.stack([fit_ridge(zv, targets[:, k]) for k in range(2)])
    else:
        va_w = np.zeros((2, len(FEATURE_NAMES) + 1))
        va_w[0, FEATURE_NAMES.index("valence")] = va_w[1, FEATURE_NAMES.index("energy")] = 1.0
    cat_x = features(catalog.tracks)
    if not use_genre:
        cat_x[:, [i for i, n in enumerate(FEATURE_NAMES) if n.startswith("genre")]] = 0.0
    raw = np.concatenate([((np.clip(cat_x, lo, hi) if guard else cat_x) - mean) / scale, np.ones((len(cat_x), 1))], axis=1) @ va_w.T
    quantiles = np.quantile(raw, np.linspace(0, 1, 41), axis=0).T
    meta = {"examples": counts, "va_examples": len(va_examples), "use_genre": use_genre, "contrast": contrast, "guard": guard,
            **(info or {})}
    f32 = lambda a: None if a is None else a.astype(np.float32)  # noqa: E731
    return MoodModel(mean.astype(np.float32), scale.astype(np.float32), {k: v.astype(np.float32) for k, v in weights.items()},
                     va_w.astype(np.float32), quantiles.astype(np.float32), meta, lo=f32(lo), hi=f32(hi),
                     typical={k: f32(v) for k, v in typical.items()} or None, families={k: f32(v) for k, v in families.items()})


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> Optional[float]:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half)."""
    pos, neg = scores[positive], scores[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return None
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    allv = np.concatenate([pos, neg])
    for v in np.unique(allv):  # average ranks of ties
        tie = allv == v
        if tie.sum() > 1:
            ranks[tie] = ranks[tie].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def precision_at(scores: np.ndarray, positive: np.ndarray, k: int = 10) -> Optional[float]:
    if len(scores) < k:
        return None
    top = np.argsort(-scores, kind="stable")[:k]
    return float(positive[top].mean())


def split(items: Iterable, artist_of=lambda e: e.artist) -> tuple[list, list]:
    train, test = [], []
    for e in items:
        (test if is_held_out(artist_of(e)) else train).append(e)
    return train, test
