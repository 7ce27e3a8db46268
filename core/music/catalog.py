"""The track catalog: the bundled one, a person's own CSV, and fast in-memory access for ranking.

The bundled catalog (`core/music/data/catalog.csv.gz`, built by `scripts/build_catalog.py` from the
Spotify Hit Predictor and Spotify Tracks datasets) is loaded into SQLite on first start, and again
when a new Moodtune ships a different one (its checksum is kept in the store), unless a
`--replace` import made another file the whole catalog (core.service.catalog does the storing). `read_file` reads the common public
Spotify CSV layouts; it is idempotent (rows are keyed by Spotify track id), counts the rows it
skips and why, and with `replace=True` makes the file the whole catalog.

Popularity, the explicit flag, genres and the year are kept only where a source knows them (None
otherwise): the ranking imputes a popularity prior (`Catalog.from_tracks`) and filters only tracks
known to be explicit.
"""

from __future__ import annotations

import ast
import csv
import gzip
import hashlib
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import quote_plus

import numpy as np

from core.music.genres import main_family
from core.store.records import TRACK_FIELDS

BUNDLED = Path(__file__).resolve().parent / "data" / "catalog.csv.gz"
CATALOG_COLUMNS = list(TRACK_FIELDS)
_ID = re.compile(r"^[0-9A-Za-z]{22}$")

# Our field -> the names public Spotify CSVs use for it (lower-case), first match wins.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "track_id", "spotify_id", "uri", "track_uri", "spotify_uri"),
    "title": ("name", "track", "track_name", "title", "song", "song_name"),
    "artist": ("artist", "artists", "artist_name", "artist_names", "artist(s)_name"),
    "valence": ("valence",),
    "energy": ("energy",),
    "tempo": ("tempo", "bpm"),
    "mode": ("mode",),
    "acousticness": ("acousticness",),
    "danceability": ("danceability",),
    "instrumentalness": ("instrumentalness",),
    "loudness": ("loudness",),
    "speechiness": ("speechiness",),
    "popularity": ("popularity", "track_popularity"),
    "explicit": ("explicit", "is_explicit"),
    "genres": ("genres", "genre", "track_genre", "artist_genres", "playlist_genre"),
    "chart_hit": ("chart_hit", "target"),
    "year": ("year", "release_date", "album_release_date", "released_year"),
    "decade": ("decade",),
}
ESSENTIAL = ("id", "title", "artist", "valence", "energy")
# Columns whose absence is not worth a word (the bundled catalog's own bookkeeping).
QUIET_OPTIONAL = ("decade", "chart_hit", "genres", "explicit", "loudness", "speechiness")
# What a missing optional audio column is taken to be: a typical value (it then neither helps nor
# hurts a track's match). Popularity, explicit, genres and the year stay unknown (None).
DEFAULTS = {"tempo": 120.0, "mode": None, "acousticness": 0.3, "danceability": 0.55, "instrumentalness": 0.0,
            "loudness": -8.0, "speechiness": 0.05}
_TRUE, _FALSE = {"1", "true", "yes", "t", "y"}, {"0", "false", "no", "f", "n"}


@dataclass(frozen=True)
class Track:
    id: str
    title: str
    artist: str
    valence: float
    energy: float
    tempo: float
    mode: Optional[int]
    acousticness: float
    danceability: float
    instrumentalness: float
    loudness: float = DEFAULTS["loudness"]  # dB
    speechiness: float = DEFAULTS["speechiness"]
    popularity: Optional[float] = None  # 0..1 (Spotify's 0-100 / 100); None when unknown
    explicit: Optional[bool] = None  # None when the source does not say
    genres: Optional[str] = None  # 'dance pop|pop': the track's own genres first, then its artist's
    chart_hit: Optional[bool] = None  # a Billboard Hot-100 hit (hit predictor source), None when unknown
    year: Optional[int] = None
    decade: Optional[int] = None

    @property
    def spotify_url(self) -> str:
        return f"https://open.spotify.com/track/{self.id}"

    @property
    def youtube_url(self) -> str:
        return f"https://music.youtube.com/search?q={quote_plus(f'{self.artist} {self.title}')}"

    @property
    def era(self) -> Optional[int]:
        """The decade (1960, 1970, ...), from the decade or the year."""
        if self.decade:
            return self.decade
        return (self.year // 10) * 10 if self.year else None


class CatalogError(ValueError):
    """A catalog file we cannot use; the message says what is wrong in a sentence."""


@dataclass
class ImportReport:
    imported: int
    skipped: int
    skipped_reasons: dict[str, int]
    missing_optional: list[str]
    total: int  # tracks in the catalog afterwards


_TAILS = re.compile(r"\(.*?\)|\[.*?\]| - .*$")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def _norm(s: str) -> str:
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return _NOT_WORD.sub(" ", _TAILS.sub("", s.lower())).strip()


def dedupe_key(title: str, artist: str) -> tuple[str, str]:
    """Title and artist compared without case, accents, punctuation or '(Remastered)' tails (run
    for every track of the catalog when a ranker is built: the patterns are compiled once)."""
    return _norm(title), _norm(artist)


def _first_artist(raw: str) -> str:
    """'['A', 'B']', 'A;B' or 'A, B' → 'A, B' (Spotify CSVs list artists several ways)."""
    raw = raw.strip()
    if raw.startswith("[") and raw.endswith("]"):
        try:
            names = ast.literal_eval(raw)
            if isinstance(names, (list, tuple)):
                return ", ".join(str(n) for n in names)
        except (ValueError, SyntaxError):
            pass
    return ", ".join(p.strip() for p in raw.split(";") if p.strip())


def _year(raw: str) -> Optional[int]:
    m = re.match(r"^\s*(\d{4})", raw or "")
    return int(m.group(1)) if m and 1900 <= int(m.group(1)) <= 2100 else None


def _unit(raw: str, name: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} out of range")
    return value


def _flag(raw: Optional[str]) -> Optional[bool]:
    """'True'/'1'/'yes' → True, 'False'/'0'/'no' → False, anything else → unknown."""
    value = (raw or "").strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


@lru_cache(maxsize=1 << 16)
def _genres(raw: Optional[str]) -> Optional[str]:
    """A genre cell in any common layout ('pop', "['dance pop', 'pop']", 'a;b', 'a|b') → 'a|b'."""
    raw = (raw or "").strip()
    if not raw:
        return None
    names: list[str]
    if raw.startswith("["):
        try:
            names = [str(g) for g in ast.literal_eval(raw)]
        except (ValueError, SyntaxError):
            names = [raw.strip("[]")]
    else:
        names = re.split(r"[|;]", raw)
    names = [n.strip().strip("'\"") for n in names if n.strip().strip("'\"")]
    return "|".join(dict.fromkeys(names)) or None


def _row_to_track(row: dict[str, str], cols: dict[str, str]) -> Track:
    v = {name: row.get(col) or None for name, col in cols.items()}  # empty cells are unknown
    track_id = (v.get("id") or "").strip().rsplit(":", 1)[-1].rsplit("/", 1)[-1].split("?")[0]
    if not _ID.match(track_id):
        raise ValueError("bad id")
    title, artist = (v.get("title") or "").strip(), _first_artist(v.get("artist") or "")
    if not title or not artist:
        raise ValueError("missing title or artist")
    tempo = float(v["tempo"]) if v.get("tempo") else DEFAULTS["tempo"]
    if not 0 < tempo < 300:
        raise ValueError("tempo out of range")
    popularity = float(v["popularity"]) if v.get("popularity") else None
    if popularity is not None:
        popularity = min(max(popularity / 100.0 if popularity > 1 else popularity, 0.0), 1.0)
    year = _year(v.get("year") or "")
    decade = int(float(v["decade"])) if v.get("decade") else ((year // 10) * 10 if year else None)
    unit = {name: _unit(v[name], name) if v.get(name) else DEFAULTS.get(name) for name in _UNIT_OPTIONAL}
    return Track(
        id=track_id,
        title=title,
        artist=artist,
        valence=_unit(v["valence"], "valence"),
        energy=_unit(v["energy"], "energy"),
        tempo=round(tempo, 1),
        mode=int(float(v["mode"])) if v.get("mode") else None,
        loudness=min(max(float(v["loudness"]), -60.0), 5.0) if v.get("loudness") else DEFAULTS["loudness"],
        popularity=popularity,
        explicit=_flag(v.get("explicit")),
        genres=_genres(v.get("genres")),
        chart_hit=_flag(v.get("chart_hit")),
        year=year,
        decade=decade,
        **unit,
    )


_UNIT_OPTIONAL = ("acousticness", "danceability", "instrumentalness", "speechiness")


def read_csv(text: str) -> tuple[list[Track], Counter, list[str]]:
    """Parse catalog CSV text → tracks, skip reasons, and the optional columns it lacks.

    Raises CatalogError when the essentials (id, title, artist, valence, energy) are missing.
    """
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip() for h in (reader.fieldnames or [])]
    lower = {h.lower(): h for h in header}
    cols = {}
    for name, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in lower:
                cols[name] = lower[alias]
                break
    missing = [name for name in ESSENTIAL if name not in cols]
    if missing:
        found = ", ".join(header[:12]) or "none"
        raise CatalogError(
            f"The file lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(looked for e.g. {', '.join(COLUMN_ALIASES[m][0] for m in missing)}; found: {found})."
        )
    tracks: dict[str, Track] = {}
    reasons: Counter = Counter()
    for row in reader:
        row = {(k or "").strip(): v for k, v in row.items()}
        try:
            t = _row_to_track(row, cols)
        except (ValueError, TypeError) as exc:
            reasons[str(exc) if str(exc) in ("bad id", "missing title or artist") else "bad number"] += 1
            continue
        if t.id in tracks:
            reasons["duplicate id"] += 1
        tracks[t.id] = t
    missing_optional = [n for n in COLUMN_ALIASES if n not in cols and n not in ESSENTIAL and n not in QUIET_OPTIONAL]
    return list(tracks.values()), reasons, missing_optional


def track_row(t: Track) -> tuple:
    """A track as the store keeps it (TRACK_FIELDS order)."""
    return tuple(getattr(t, f) for f in TRACK_FIELDS)


def read_file(path: Path) -> tuple[list[Track], Counter, list[str]]:
    """A catalog CSV (plain or .gz) read and checked: its tracks, the rows skipped by reason, the
    optional columns it lacks. Raises CatalogError with a sentence a person can act on."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"Can't read {path}: {exc.strerror or exc}.") from None
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogError(f"{path} is not a UTF-8 text file; save it as CSV (UTF-8) and try again.") from None
    tracks, reasons, missing_optional = read_csv(text)
    if not tracks:
        raise CatalogError(f"No usable rows in {path} ({sum(reasons.values())} skipped: {dict(reasons)}).")
    return tracks, reasons, missing_optional


@lru_cache(maxsize=1)
def bundled_tracks() -> tuple[Track, ...]:
    """The tracks of the catalog shipped in the package (parsed once per process: 3 s)."""
    tracks, _, _ = read_csv(gzip.decompress(BUNDLED.read_bytes()).decode("utf-8"))
    return tuple(tracks)


def bundled_version() -> str:
    """A short checksum of the shipped catalog file: a new release's catalog is loaded again."""
    return hashlib.sha256(BUNDLED.read_bytes()).hexdigest()[:16]


# Feature columns of Catalog.matrix, each scaled to about 0..1.
FEATURES = ("valence", "energy", "tempo", "mode", "acousticness", "danceability", "instrumentalness")


@dataclass
class Catalog:
    """All tracks in memory with a feature matrix, so ranking is a few numpy operations."""

    tracks: list[Track]
    matrix: np.ndarray = field(repr=False)  # (n, len(FEATURES)) float32
    popularity: np.ndarray = field(repr=False)  # 0..1 prior: known popularity, else imputed (see from_tracks)
    era: np.ndarray = field(repr=False)  # decade, 0 when unknown
    artists: np.ndarray = field(repr=False)  # artist key per track (object array)
    index: dict[str, int] = field(repr=False)
    explicit: np.ndarray = field(repr=False)  # True only where a source says the track is explicit
    family: np.ndarray = field(repr=False)  # main genre family per track, "" when unknown (object array)

    @classmethod
    def from_tracks(cls, tracks: Iterable[Track]) -> "Catalog":
        """Build the arrays. Popularity the sources do not know is imputed: the mean known
        popularity of tracks with the same chart flag (a Billboard hit is a song people know), else
        of all tracks with a known popularity, else 0.3."""
        tracks = list(tracks)
        matrix = np.array(
            [
                [t.valence, t.energy, min(t.tempo, 200.0) / 200.0, 0.5 if t.mode is None else float(t.mode),
                 t.acousticness, t.danceability, t.instrumentalness]
                for t in tracks
            ],
            dtype=np.float32,
        ).reshape(len(tracks), len(FEATURES))
        return cls(
            tracks=tracks,
            matrix=matrix,
            popularity=_popularity_prior(tracks),
            era=np.array([t.era or 0 for t in tracks], dtype=np.int32),
            artists=np.array([artist_key(t.artist) for t in tracks], dtype=object),
            index={t.id: i for i, t in enumerate(tracks)},
            explicit=np.array([t.explicit is True for t in tracks], dtype=bool),
            family=np.array([main_family(t.genres) or "" for t in tracks], dtype=object),
        )

    @classmethod
    def bundled(cls) -> "Catalog":
        """The shipped catalog without a database (evaluation, simulation, tests)."""
        return cls.from_tracks(bundled_tracks())

    @classmethod
    def from_rows(cls, rows) -> "Catalog":
        """The catalog from the store's rows (TRACK_FIELDS order; core.service.catalog reads them)."""
        return cls.from_tracks(_track_from_row(tuple(r)) for r in rows)

    def __len__(self) -> int:
        return len(self.tracks)

    @cached_property
    def feature_mean(self) -> np.ndarray:
        """The mean of each column of `matrix` (taste directions are measured from it)."""
        return self.matrix.mean(axis=0) if len(self) else np.zeros(len(FEATURES), np.float32)

    def get(self, track_id: str) -> Optional[Track]:
        i = self.index.get(track_id)
        return self.tracks[i] if i is not None else None

    def stats(self) -> dict:
        eras = Counter(int(e) for e in self.era if e)
        known = [t.popularity for t in self.tracks if t.popularity is not None]
        return {
            "tracks": len(self),
            "artists": len(set(self.artists)) if len(self) else 0,
            "by_decade": dict(sorted(eras.items())),
            "with_popularity": len(known),
            "popular": sum(p >= 0.5 for p in known),
            "chart_hits": sum(t.chart_hit is True for t in self.tracks),
            "explicit": int(self.explicit.sum()),
            "with_genres": int(sum(bool(f) for f in self.family)),
            "by_genre_family": dict(Counter(f for f in self.family if f).most_common()),
            "mean": {f: round(float(self.matrix[:, i].mean()), 3) for i, f in enumerate(FEATURES)} if len(self) else {},
        }


_FLAG_COLUMNS = (TRACK_FIELDS.index("explicit"), TRACK_FIELDS.index("chart_hit"))
_DEFAULT_COLUMNS = ((TRACK_FIELDS.index("loudness"), DEFAULTS["loudness"]), (TRACK_FIELDS.index("speechiness"), DEFAULTS["speechiness"]))


def _track_from_row(row: tuple) -> Track:
    """A store row (TRACK_FIELDS order) → Track: 0/1 flags back to booleans, older rows' gaps filled."""
    values = list(row[: len(TRACK_FIELDS)])
    for k in _FLAG_COLUMNS:
        if values[k] is not None:
            values[k] = bool(values[k])
    for k, default in _DEFAULT_COLUMNS:
        if values[k] is None:
            values[k] = default
    return Track(*values)


def _popularity_prior(tracks: list[Track]) -> np.ndarray:
    known = [(t.chart_hit, t.popularity) for t in tracks if t.popularity is not None]
    overall = float(np.mean([p for _, p in known])) if known else 0.3
    by_flag = {}
    for flag in (True, False):
        values = [p for f, p in known if f is flag]
        by_flag[flag] = float(np.mean(values)) if len(values) >= 20 else overall
    by_flag[None] = overall
    return np.array([t.popularity if t.popularity is not None else by_flag[t.chart_hit] for t in tracks], dtype=np.float32)


_CREDIT_SPLIT = re.compile(r"\s*(?:,|&|\bfeat\.?|\bft\.|\bfeaturing\b)\s*", re.IGNORECASE)


def credits(artist: str) -> list[str]:
    """The artists credited on a track ('Mark Ronson, Bruno Mars' → both; 'A feat. B' → both)."""
    return [c.strip() for c in _CREDIT_SPLIT.split(artist or "") if c.strip()]


def credit_key(name: str) -> str:
    """One credited artist, compared without case or spacing; any script kept ('ЛСП' stays itself)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@lru_cache(maxsize=1 << 16)
def artist_key(artist: str) -> str:
    """The main artist, normalised ('Beyoncé, JAY-Z' → 'beyonce')."""
    return dedupe_key("", artist.split(",")[0])[1]
