"""Rank the catalog for a mood and a person, in two modes: match and shift.

score(track) = match: how well the song fits the target — its label scores (learned from human
               mood labels, or rules; core.music.mood_model) weighted by the target's label weights
             + popularity prior (known Spotify popularity, else imputed from the chart flag)
             + the person's taste: the artists, eras and audio-feature leanings of what they (and,
               in a group, its members) rated, and their own rating of the track
             + collaborative: what other people liked or disliked on lists for a similar mood
             - repetition: songs (in any version) already suggested to this person or chat recently,
               and artists already in two of their recent lists
Disliked tracks are never suggested again; explicit tracks are left out where not allowed.

Label scores are what lists rank by (core.music.listening: probability × typicality × sound rules).
Lists: no artist twice, no song twice in any version, at most GENRE_SHARE of a list from one genre
family, and one slot in DISCOVERY_EVERY for a lesser-known song (popularity prior below
DISCOVERY_MAX_POPULARITY), chosen by the same score without the popularity term — so a list is mostly
songs people know, with room for a find.

Every track's label scores are computed once per catalog, so one ranking is a few vectorised
operations over the whole catalog (~106k tracks; 6 ms p50, docs/PERFORMANCE.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence

import numpy as np

from core.music.catalog import Catalog, Track, credit_key, credits, dedupe_key
from core.emotions import LABELS, VA, VA_POINTS
from core.music.genres import FAMILIES, is_artefact
from core.music.listening import list_scores
from core.music.mood_model import MoodModel, features, shipped_model, va_closeness
from core.music.targets import (MAX_SHIFT_SONGS, MusicTarget, default_shift_target, feel_of, nearest_label, shift_length, shift_path,
                        target_for, target_for_va)
from core.store.records import CELL, MoodRating, Rating, Votes, regions_near

MAX_SONGS = 10
DEFAULT_SONGS = 5
GENRE_SHARE = 0.4  # at most this share of a list (and at least 2 songs) from one genre family
DISCOVERY_EVERY = 5  # one lesser-known song per 5 in a list (lists of 4 and more get at least one)
DISCOVERY_MAX_POPULARITY = 0.35
COLLABORATIVE_REACH = 1.5  # others' votes count within this many radii of a list's mood (weight e^-2.25 there)
DISCOVERY_MEMORY = 50  # a chat is not offered the same lesser-known song twice within this many lists
CALIBRATION = 2.0  # how much a list's genre-family mix is pulled toward the labelled positives' mix
SHIFT_STEP = 0.2  # consecutive songs of a shift list differ by at most this in Spotify valence and energy
SHIFT_PATH_STEP = 0.1  # ... so the sound path advances by this much a song, each song within ±0.05 of it
ARTIST_LISTS = 2  # an artist in this many of the recent lists waits (three pages: at most twice in 30)


@dataclass(frozen=True)
class RankWeights:
    """How much each part of the score counts.

    The personal weights were chosen with scripts/simulate_personalisation.py as a balance: the
    heavier taste weights tried (taste 1.2, era 0.2) lifted hit-rate more but let a person's taste
    pull lists away from the photo's mood. With the learned mood scores these weights lift hit-rate
    by ~70 % after 20 ratings at a 6 % cost in mood fit (docs/EVALUATION.md). Popularity is a prior
    on the same 0..1 scale as the mood fit: among songs that fit about equally, known ones win.
    """

    popularity: float = 0.25
    artist: float = 0.45
    era: float = 0.10
    taste: float = 0.6
    liked_track: float = 0.10
    collaborative: float = 0.20
    collaborative_radius: float = 0.35
    repetition: float = 0.35
    artefact: float = 0.6  # children's / soundtrack / holiday / cover tracks, unless the person liked such tracks
    artist_repeat: float = 1.0  # an artist already in ARTIST_LISTS of the person's or chat's recent lists


@dataclass
class Taste:
    """A person's (or group's) leanings, learnt from their ratings."""

    n: int = 0
    track: dict[str, int] = field(default_factory=dict)
    artist: dict[str, float] = field(default_factory=dict)  # -1..1, shrunk toward 0
    era: dict[int, float] = field(default_factory=dict)
    features: Optional[np.ndarray] = None  # direction in feature space they lean to


def build_taste(ratings: Iterable[Rating], catalog: Catalog) -> Taste:
    """Aggregate ratings: shrunk mean score per artist and era, and a feature direction."""
    ratings = [r for r in ratings if r.track in catalog.index]
    taste = Taste(n=len(ratings))
    if not ratings:
        return taste
    by_artist: dict[str, list[int]] = defaultdict(list)
    by_era: dict[int, list[int]] = defaultdict(list)
    rows, scores = [], []
    for r in ratings:
        i = catalog.index[r.track]
        taste.track[r.track] = r.score
        by_artist[catalog.artists[i]].append(r.score)
        if catalog.era[i]:
            by_era[int(catalog.era[i])].append(r.score)
        rows.append(i)
        scores.append(r.score)
    # shrinkage: one rating moves an artist half-way, more ratings more (sum / (count + 1))
    taste.artist = {a: sum(s) / (len(s) + 1) for a, s in by_artist.items()}
    taste.era = {e: sum(s) / (len(s) + 2) for e, s in by_era.items()}
    centred = catalog.matrix[rows] - catalog.feature_mean
    taste.features = (centred * np.array(scores, dtype=np.float32)[:, None]).sum(axis=0) / (len(rows) + 3)
    return taste


def merge_tastes(primary: Taste, group: Taste, group_weight: float = 0.5) -> Taste:
    """A person's taste with their group's blended in.

    Only the person's own dislikes ban a song; what other members disliked just weighs on its
    artist, era and sound, so one member cannot veto a song for everyone.
    """
    if group.n == 0:
        return primary
    merged = Taste(n=primary.n + group.n)
    merged.track = {**{k: v for k, v in group.track.items() if v > 0}, **primary.track}
    for attr in ("artist", "era"):
        a, b = getattr(primary, attr), getattr(group, attr)
        setattr(merged, attr, {k: a.get(k, 0.0) + group_weight * b.get(k, 0.0) for k in set(a) | set(b)})
    parts = [f for f in (primary.features, None if group.features is None else group.features * group_weight) if f is not None]
    merged.features = np.sum(parts, axis=0) if parts else None
    return merged


@dataclass(frozen=True)
class SongReason:
    """Why a song is on a list, as facts (bot.replies words them): its feel and what it matches,
    then what lifted it — a liked artist, other people's ratings, its era, a lesser-known find —
    and for a shift list its step on the way."""

    feel: str  # core.music.feel_of
    acoustic: bool
    major: Optional[bool]  # None: key unknown
    bpm: int
    matches: str  # the mood label
    liked_artist: Optional[str] = None
    others_liked: bool = False
    decade: Optional[int] = None  # for nostalgic lists
    lesser_known: bool = False
    step: Optional[tuple[int, int, str]] = None  # (k, of n, toward label)
    main_mood: Optional[str] = None  # the reading's main mood, when the song is on the list for another of its moods
    your_taste: bool = False  # lifted by the sound of what the person liked


@dataclass
class Song:
    track: Track
    score: float
    reason: SongReason
    album_art: Optional[str] = None  # from Spotify enrichment, when configured
    spotify_id: Optional[str] = None  # a fresher id Spotify resolved, when the catalog's went stale

    @property
    def spotify_url(self) -> str:
        return f"https://open.spotify.com/track/{self.spotify_id or self.track.id}"

    def features(self) -> dict[str, float]:
        t = self.track
        return {"valence": t.valence, "energy": t.energy, "tempo": t.tempo, "mode": t.mode, "acousticness": t.acousticness,
                "danceability": t.danceability, "instrumentalness": t.instrumentalness}


@dataclass
class Recommendation:
    id: Optional[int]
    mood: str
    mode: str  # "match" or "shift"
    valence: float
    arousal: float
    songs: list[Song]
    target: Optional[str] = None  # shift target label


class Recommender:
    """Pure ranking over an in-memory Catalog; no I/O."""

    def __init__(self, catalog: Catalog, weights: RankWeights = RankWeights(), model: Optional[MoodModel] = None):
        self.catalog = catalog
        self.w = weights
        self.genre_share = GENRE_SHARE
        self.model = model = model or shipped_model()
        x = features(catalog.tracks)
        raw = list_scores(model, catalog.tracks, x, catalog.era)  # (n, len(LABELS)) 0..1
        # each label on one scale: its best songs (the top 0.1 % of this catalog) near 1, so a rule
        # label whose scores crowd near 1 (neutral) cannot outweigh a reading's main label
        top = np.quantile(raw, 0.999, axis=0) if len(raw) else np.ones(len(LABELS), np.float32)
        self.label_scores = (raw / np.maximum(top, 1e-3)).astype(np.float32)
        self.va = model.va(x)  # (n, 2) predicted listener valence / arousal: a shift list's steps on the model's scale
        self._sound = np.ascontiguousarray(catalog.matrix[:, :2])  # Spotify valence, energy: what a shift list's steps are heard as
        self._artist_codes, artist_names = self._codes(catalog.artists)
        self._artist_index = {a: i for i, a in enumerate(artist_names)}
        self._era_list = sorted(set(int(e) for e in catalog.era))
        self._era_codes = np.searchsorted(self._era_list, catalog.era) if len(catalog) else np.zeros(0, np.int64)
        family_index = {f: k for k, f in enumerate(FAMILIES)}
        self._family_codes = np.array([family_index.get(f, -1) if f else -1 for f in catalog.family], dtype=np.int64)
        self._other = family_index["other"]  # genres no family keyword matched: no family to calibrate toward
        self._obscure = catalog.popularity < DISCOVERY_MAX_POPULARITY
        self._artefact = np.array([is_artefact(t.genres, t.title, t.artist) for t in catalog.tracks], dtype=bool)
        # one code per song, whatever the version ('Silver Bells' / 'Silver Bells - Stereo', remasters,
        # live takes, covers): a list never holds two, and a song met recently counts in every version
        codes: dict[str, int] = {}  # (a dict, not np.unique: a fixed-width copy of 105k titles would be ~200 MB)
        self._song_of: list[int] = [codes.setdefault(dedupe_key(t.title, "")[0] or t.id, len(codes)) for t in catalog.tracks]
        self._song_codes = np.array(self._song_of, dtype=np.int64)
        self._credits: Optional[dict[str, np.ndarray]] = None

    def tracks_crediting(self, key: str) -> np.ndarray:
        """Indices of the tracks that credit the artist with this credit key (built on first use)."""
        if self._credits is None:
            index: dict[str, list[int]] = defaultdict(list)
            for i, t in enumerate(self.catalog.tracks):
                for name in credits(t.artist):
                    index[credit_key(name)].append(i)
            self._credits = {k: np.array(v, dtype=np.int64) for k, v in index.items()}
        return self._credits.get(key, np.zeros(0, np.int64))

    @staticmethod
    def _codes(values: np.ndarray) -> tuple[np.ndarray, list]:
        if len(values) == 0:
            return np.zeros(0, np.int64), []
        uniq, inverse = np.unique(values.astype(str), return_inverse=True)
        return inverse, list(uniq)

    def match_scores(self, target: MusicTarget) -> np.ndarray:
        """0..1: how well every track fits the target — its label scores blended by the target's
        label weights, and (the target's `point_share`) the closeness of its predicted listener
        valence/arousal to the target's point: a label's best songs are much alike for a calm and
        an excited 'happy' photo; the point tells them apart."""
        labels = self.label_scores @ np.asarray(target.weights, dtype=np.float32)
        if not target.point_share:
            return labels
        return (1 - target.point_share) * labels + target.point_share * va_closeness(self.va, target.va)

    def scores(
        self,
        target: MusicTarget,
        taste: Optional[Taste] = None,
        collaborative: Optional[np.ndarray] = None,
        recent: Optional[dict[str, int]] = None,
        allow_explicit: bool = True,
        muted: Iterable[str] = (),
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Total score per track and its parts (for reasons and tests). `muted`: credit keys
        (core.music.catalog.credit_key) of artists the person muted — never on their lists, not
        even as a featured credit."""
        parts: dict[str, np.ndarray] = {"match": self.match_scores(target)}
        parts["popularity"] = self.w.popularity * self.catalog.popularity
        n = len(self.catalog)
        personal = np.zeros(n, np.float32)
        banned = np.zeros(n, bool) if allow_explicit else self.catalog.explicit.copy()
        for key in muted:
            banned[self.tracks_crediting(key)] = True
        likes_artefacts = False
        if taste is not None and taste.n:
            if taste.artist:
                aff = np.zeros(len(self._artist_index) + 1, np.float32)
                for a, v in taste.artist.items():
                    if a in self._artist_index:
                        aff[self._artist_index[a]] = v
                personal += self.w.artist * aff[self._artist_codes]
            if taste.era:
                by_era = np.array([taste.era.get(e, 0.0) for e in self._era_list], dtype=np.float32)
                personal += self.w.era * by_era[self._era_codes]
            if taste.features is not None:
                # (matrix - mean) @ f without the centred copy of the matrix (105k × 7 floats a request)
                personal += self.w.taste * (self.catalog.matrix @ taste.features - float(self.catalog.feature_mean @ taste.features))
            for track_id, score in taste.track.items():
                i = self.catalog.index.get(track_id)
                if i is None:
                    continue
                if score < 0:
                    banned[i] = True
                else:
                    personal[i] += self.w.liked_track
                    likes_artefacts = likes_artefacts or bool(self._artefact[i])
        parts["personal"] = personal
        parts["collaborative"] = self.w.collaborative * collaborative if collaborative is not None else np.zeros(n, np.float32)
        parts["repetition"] = -self.repetition(recent or {})
        # a children's song or a karaoke cover is not what a listener files under a mood, unless
        # this person showed they want such tracks by liking one
        parts["artefact"] = np.zeros(n, np.float32) if likes_artefacts else -self.w.artefact * self._artefact
        total = parts["match"] + parts["popularity"] + parts["personal"] + parts["collaborative"] + parts["repetition"] + parts["artefact"]
        total = np.where(banned, -np.inf, total)
        return total, parts

    def repetition(self, recent: Mapping[str, int]) -> np.ndarray:
        """What a person or chat met lately weighs against a song (`recent`: track id -> how many of the
        last lists held it): the song in every version, `repetition` a list; and an artist already in
        ARTIST_LISTS of those lists, `artist_repeat` more — three pages of "More like this" hold an
        artist at most twice."""
        index = self.catalog.index
        rows = [(index[t], count) for t, count in recent.items() if t in index]
        if not rows:
            return np.zeros(len(self.catalog), np.float32)
        songs = np.zeros(int(self._song_codes.max()) + 1, np.float32)
        by_artist = np.zeros(int(self._artist_codes.max()) + 1, np.float32)
        for i, count in rows:
            songs[self._song_codes[i]] += count
            by_artist[self._artist_codes[i]] += count
        out = self.w.repetition * songs[self._song_codes] + self.w.artist_repeat * (by_artist[self._artist_codes] >= ARTIST_LISTS)
        return out.astype(np.float32)

    def collaborative_scores(self, votes: "Votes | Sequence[MoodRating]", point: VA) -> np.ndarray:
        """tanh of others' ratings for each track, weighted by how close their list's mood was
        (`votes`: core.store.records.Votes, or single ratings)."""
        if not isinstance(votes, Votes):
            votes = Votes.of(list(votes))
        out = np.zeros(len(self.catalog), np.float32)
        if not len(votes):
            return out
        index = self.catalog.index
        rows = np.fromiter((index.get(t, -1) for t in votes.tracks), dtype=np.int64, count=len(votes))
        known = rows >= 0
        d2 = (votes.valence - point.valence) ** 2 + (votes.arousal - point.arousal) ** 2
        r2 = self.w.collaborative_radius ** 2
        weight = np.where(known & (d2 <= COLLABORATIVE_REACH**2 * r2), votes.score * np.exp(-d2 / r2), 0.0).astype(np.float32)
        np.add.at(out, rows[known], weight[known])
        return np.tanh(out)

    def _pick(self, total: np.ndarray, n: int, taken: set[int], artists: set[str],
              families: Optional[dict[int, int]] = None, family_cap: int = 0, only: Optional[np.ndarray] = None,
              mix: Optional[np.ndarray] = None) -> list[int]:
        """The n best tracks: no artist twice (including artists already in `artists`), at most
        `family_cap` per genre family (0: no cap; counts kept in `families`), only where `only`.

        With `mix` (a genre-family mix to aim for) each next song is the best by score minus
        CALIBRATION × how far the list's family mix would then be from `mix` (squared distance;
        the greedy scheme of Steck's "Calibrated recommendations", RecSys 2018, whose KL
        divergence swings too hard on lists of five): among songs that fit about equally, the
        one whose family the list lacks wins, so a list has the shape of the songs people filed
        under the mood, and the hard cap is only a guard.

        Looks at a partitioned shortlist first; sorts everything only when the shortlist runs out
        (someone who disliked nearly all of it).
        """
        picked: list[int] = []
        if only is not None:
            total = np.where(only, total, -np.inf)
        if not len(total) or n <= 0:
            return picked
        families = {} if families is None else families
        k = min(len(total), max(64, 40 * n + len(taken)))
        shortlist = np.argpartition(-total, k - 1)[:k] if k < len(total) else np.arange(len(total))
        passes = (lambda: shortlist[np.argsort(-total[shortlist], kind="stable")], lambda: np.argsort(-total, kind="stable"))
        for candidates in passes:
            song = self._song_of
            songs = {song[j] for j in taken}  # never two versions of one song in a list
            order = [i for i in candidates().tolist() if np.isfinite(total[i]) and i not in taken and song[i] not in songs]
            while len(picked) < n and order:
                best = self._next(order, total, artists, families, family_cap, mix)
                if best is None:
                    break
                i = order.pop(best)
                order = [j for j in order if song[j] != song[i]]
                picked.append(i)
                taken.add(i)
                artists.add(self.catalog.artists[i])
                fam = int(self._family_codes[i])
                if fam >= 0:
                    families[fam] = families.get(fam, 0) + 1
            if len(picked) == n:
                break
        return picked

    def _next(self, order: list[int], total: np.ndarray, artists: set[str], families: dict[int, int], family_cap: int,
              mix: Optional[np.ndarray]) -> Optional[int]:
        """Position in `order` (best first) of the next song to take, or None when none is allowed."""
        best_of_family: dict[int, int] = {}  # family -> position of its best allowed song
        for pos, i in enumerate(order):
            fam = int(self._family_codes[i])
            if fam in best_of_family or self.catalog.artists[i] in artists:
                continue
            if family_cap and fam >= 0 and families.get(fam, 0) >= family_cap:
                continue
            if mix is None:
                return pos
            best_of_family[fam] = pos
            if len(best_of_family) == len(FAMILIES) + 1:
                break
        if not best_of_family:
            return None
        counts = np.zeros(len(FAMILIES), np.float64)
        for fam, c in families.items():
            counts[fam] = c
        q = counts[None, :] + np.eye(len(FAMILIES))  # the list's family counts after adding one of each family
        q = q / q.sum(axis=1, keepdims=True)
        after = ((q - mix) ** 2).sum(axis=1)  # squared distance of the list's mix from `mix`, per added family
        unknown = float(mix @ after)  # a song of unknown family: the distance expected if its family were drawn from mix
        return max(best_of_family.values(),
                   key=lambda pos: total[order[pos]] - CALIBRATION * (after[f] if (f := int(self._family_codes[order[pos]])) >= 0
                                                                       and f != self._other else unknown))

    def matched_label(self, i: int, target: MusicTarget) -> str:
        """The label of the target's a song is on the list for: its best weighted label fit."""
        weighted = self.label_scores[i] * np.asarray(target.weights, dtype=np.float32)
        return LABELS[int(np.argmax(weighted))] if weighted.max() > 0 else (target.label or nearest_label(target.va))

    def reason(self, i: int, target: MusicTarget, parts: dict[str, np.ndarray], taste: Optional[Taste],
               step: Optional[tuple[int, int, str]] = None) -> SongReason:
        t = self.catalog.tracks[i]
        main = target.label or nearest_label(target.va)
        matches = main if step else self.matched_label(i, target)
        return SongReason(
            feel=feel_of(t.valence, t.energy), acoustic=t.acousticness > 0.6,
            major=None if t.mode is None else t.mode == 1, bpm=int(round(t.tempo)),
            matches=matches, main_mood=main if matches != main else None,
            liked_artist=t.artist.split(",")[0] if taste and taste.artist.get(self.catalog.artists[i], 0) > 0 else None,
            others_liked=bool(parts["collaborative"][i] > 0.05),
            decade=int(self.catalog.era[i]) if matches == "nostalgic" and self.catalog.era[i] else None,
            lesser_known=bool(self._obscure[i]), step=step,
            your_taste=bool(parts["personal"][i] > 0.1),
        )

    def match(self, target: MusicTarget, n: int, avoid: Iterable[str] = (), **context) -> list[Song]:
        """The n best songs for the target; 1 in DISCOVERY_EVERY is a lesser-known one (the last).

        The lesser-known song fits the mood at least as well as the list's weakest popular song
        and is none of `avoid` (what this chat or person was offered in its last lists), so a
        chat meets a new find each time, and each mood its own."""
        total, parts = self.scores(target, **context)
        discoveries = n // DISCOVERY_EVERY + (1 if n % DISCOVERY_EVERY >= 4 else 0)
        taken: set[int] = set()
        artists: set[str] = set()
        families: dict[int, int] = {}
        cap = max(2, math.ceil(self.genre_share * n))
        mix = self.model.family_mix(target.distribution)
        # the cap is a guard, never a reason to send fewer songs: a catalog of few genre families
        # fills what the cap leaves empty without it
        picked = self._pick(total, n - discoveries, taken, artists, families, cap, mix=mix)
        picked += self._pick(total, n - discoveries - len(picked), taken, artists, families)
        found: list[int] = []
        if discoveries:
            floor = min((parts["match"][i] for i in picked), default=-np.inf)
            eligible = self._obscure & (parts["match"] >= floor) & (parts["artefact"] == 0)
            for track_id in avoid:
                j = self.catalog.index.get(track_id)
                if j is not None:
                    eligible[j] = False
            found = (self._pick(total - parts["popularity"], discoveries, taken, artists, families, cap, only=eligible)
                     or self._pick(total - parts["popularity"], discoveries, taken, artists, families, only=eligible))
        picked += found
        picked += self._pick(total, n - len(picked), taken, artists, families, cap, mix=mix)
        picked += self._pick(total, n - len(picked), taken, artists, families)
        return [Song(self.catalog.tracks[i], float(total[i]), self.reason(i, target, parts, context.get("taste"))) for i in picked]

    def shift(self, start: VA, target_label: str, n: int, collaborative_ratings: "Votes | Sequence[MoodRating]" = (),
              **context) -> list[Song]:
        """A path of songs from the start mood to the target label that a listener hears as a path.

        Steps are planned on two scales at once: the mood circle (core.music.shift_path, ≤ MAX_STEP
        a song) and what is heard — Spotify valence and energy, from the sound of the first song to
        the middle of the target label's positives in steps of SHIFT_PATH_STEP. Each song must lie
        within SHIFT_STEP of the previous one on valence, energy and the model's predicted
        valence/arousal, and near its step of the sound path; among those, the best fit for its
        step's mood wins. The list is as long as the longer of the two paths needs."""
        end = VA_POINTS[target_label]
        songs: list[Song] = []
        taken: set[int] = set()
        artists: set[str] = set()
        sound = self._sound
        first = target_for_va(start, nearest_label(start))
        total0, _ = self.scores(first, **context)
        opening = self._pick(total0, 1, set(), set())
        centre = self.model.sound_centre(target_label)
        if not opening or centre is None:
            return songs
        a, b = sound[opening[0]], np.asarray(centre, np.float32)
        sound_steps = math.ceil(float(np.abs(b - a).max()) / SHIFT_PATH_STEP - 1e-9) + 1
        length = min(MAX_SHIFT_SONGS, max(shift_length(start, end, n), sound_steps))
        path = shift_path(start, end, length)
        previous: Optional[int] = None
        for k, point in enumerate(path):
            target = target_for_va(point, target_label if k == len(path) - 1 else nearest_label(point))
            collab = self.collaborative_scores(collaborative_ratings, point) if len(collaborative_ratings) else None
            total, parts = self.scores(target, collaborative=collab, **context)
            here = a + (b - a) * (k / max(1, len(path) - 1))
            for slack in (1.0, 1.5, 2.5, None):  # widen only when nothing fits (a tiny catalog)
                allowed = np.ones(len(total), bool) if slack is None else np.all(np.abs(sound - here) <= slack * SHIFT_PATH_STEP / 2, axis=1)
                if previous is not None and slack is not None:
                    allowed &= np.all(np.abs(sound - sound[previous]) <= SHIFT_STEP, axis=1)
                    allowed &= np.all(np.abs(self.va - self.va[previous]) <= SHIFT_STEP, axis=1)
                picked = self._pick(total, 1, taken, artists, only=allowed)
                if picked:
                    break
            for i in picked:
                reason = self.reason(i, target, parts, context.get("taste"), step=(k + 1, len(path), target_label))
                songs.append(Song(self.catalog.tracks[i], float(total[i]), reason))
                previous = i
        return songs


def _path_reach(start: VA, target: Optional[str]) -> list[tuple[float, float]]:
    """Points along a shift list's way (its collaborative scores are read near each step)."""
    end = VA_POINTS[target or default_shift_target(start)]
    return [(start.valence + (end.valence - start.valence) * k / 8, start.arousal + (end.arousal - start.arousal) * k / 8)
            for k in range(9)]


def clamp_length(n: Optional[int]) -> int:
    return max(1, min(MAX_SONGS, n or DEFAULT_SONGS))


@dataclass
class ListContext:
    """What a list is ranked against besides its mood, gathered by the caller (core.service.songs
    reads it from the store): the taste of the person (and group), the songs shown lately (id →
    lists ago), the lesser-known songs not to offer again, others' votes near the mood (the person's
    own taken out) and the muted artists' keys."""

    taste: Taste = field(default_factory=lambda: Taste())
    recent: Mapping[str, int] = field(default_factory=dict)
    avoid: Iterable[str] = ()
    others: Votes = field(default_factory=Votes)
    muted: Sequence[str] = ()


def vote_regions(recommender: "Recommender", point: VA, mode: str, target: Optional[str]) -> list[int]:
    """The regions of others' votes a list for this mood reads (core.store.records' grid): near its
    point, or along a shift list's way."""
    path = _path_reach(point, target) if mode == "shift" else [(point.valence, point.arousal)]
    return regions_near(path, COLLABORATIVE_REACH * recommender.w.collaborative_radius + CELL / 2)


def rank_list(
    recommender: "Recommender", *, point: VA, label: str, mode: str = "match", target: Optional[str] = None,
    n: Optional[int] = None, distribution: Optional[Mapping[str, float]] = None, allow_explicit: bool = True,
    context: ListContext = ListContext(),
) -> Recommendation:
    """A list for a mood (`label`, a parsed label) in `context`, not yet saved (its id is None).

    `distribution` (a reading's label probabilities) weighs every label; without it the list is
    for `label` at `point`. `allow_explicit=False` leaves out tracks known to be explicit; muted
    artists never appear."""
    n = clamp_length(n)
    if mode == "shift":
        target = target or default_shift_target(point)
        songs = recommender.shift(point, target, n, collaborative_ratings=context.others, taste=context.taste,
                                  recent=context.recent, allow_explicit=allow_explicit, muted=context.muted)
    elif mode == "match":
        target = None
        songs = recommender.match(target_for(label, point, distribution), n, avoid=context.avoid, taste=context.taste,
                                  recent=context.recent, collaborative=recommender.collaborative_scores(context.others, point),
                                  allow_explicit=allow_explicit, muted=context.muted)
    else:
        raise ValueError(f"Unknown mode '{mode}'. Modes: match, shift.")
    return Recommendation(None, label, mode, point.valence, point.arousal, songs, target)
