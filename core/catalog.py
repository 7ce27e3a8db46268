"""The track catalog: the bundled one, a person's own CSV, and fast in-memory access for ranking.

The bundled catalog (`core/data/catalog.csv.gz`, built by `scripts/build_catalog.py` from the
Spotify Hit Predictor dataset) is loaded into SQLite on first start. `import_csv` reads the common
public Spotify CSV layouts; it is idempotent (rows are keyed by Spotify track id), counts the rows
it skips and why, and with `replace=True` makes the file the whole catalog.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import quote_plus

import numpy as np

from core.store import TRACK_FIELDS, Store

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
    "popularity": ("popularity", "track_popularity"),
    "year": ("year", "release_date", "album_release_date", "released_year"),
    "decade": ("decade",),
}
ESSENTIAL = ("id", "title", "artist", "valence", "energy")
# What a missing optional column is taken to be: the middle of its range (it then neither helps
# nor hurts a track's match).
DEFAULTS = {"tempo": 120.0, "mode": None, "acousticness": 0.3, "danceability": 0.55, "instrumentalness": 0.0, "popularity": 0.0}


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
    popularity: float
    year: Optional[int]
    decade: Optional[int]

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


def dedupe_key(title: str, artist: str) -> tuple[str, str]:
    """Title and artist compared without case, accents, punctuation or '(Remastered)' tails."""

    def norm(s: str) -> str:
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
        s = re.sub(r"\(.*?\)|\[.*?\]| - .*$", "", s)
        return re.sub(r"[^a-z0-9]+", " ", s).strip()

    return norm(title), norm(artist)


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


def _row_to_track(row: dict[str, str], cols: dict[str, str]) -> Track:
    def get(field_name: str) -> Optional[str]:
        col = cols.get(field_name)
        value = row.get(col) if col else None
        return value if value not in (None, "") else None

    track_id = (get("id") or "").strip().rsplit(":", 1)[-1].rsplit("/", 1)[-1].split("?")[0]
    if not _ID.match(track_id):
        raise ValueError("bad id")
    title, artist = (get("title") or "").strip(), _first_artist(get("artist") or "")
    if not title or not artist:
        raise ValueError("missing title or artist")
    tempo = float(get("tempo")) if get("tempo") else DEFAULTS["tempo"]
    if not 0 < tempo < 300:
        raise ValueError("tempo out of range")
    mode = get("mode")
    popularity = float(get("popularity")) if get("popularity") else DEFAULTS["popularity"]
    popularity = popularity / 100.0 if popularity > 1 else popularity
    year = _year(get("year") or "")
    decade = int(float(get("decade"))) if get("decade") else ((year // 10) * 10 if year else None)
    return Track(
        id=track_id,
        title=title,
        artist=artist,
        valence=_unit(get("valence"), "valence"),
        energy=_unit(get("energy"), "energy"),
        tempo=round(tempo, 1),
        mode=int(float(mode)) if mode is not None else None,
        acousticness=_unit(get("acousticness"), "acousticness") if get("acousticness") else DEFAULTS["acousticness"],
        danceability=_unit(get("danceability"), "danceability") if get("danceability") else DEFAULTS["danceability"],
        instrumentalness=_unit(get("instrumentalness"), "instrumentalness") if get("instrumentalness") else DEFAULTS["instrumentalness"],
        popularity=min(max(popularity, 0.0), 1.0),
        year=year,
        decade=decade,
    )


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
    missing_optional = [n for n in COLUMN_ALIASES if n not in cols and n not in ESSENTIAL and n != "decade"]
    return list(tracks.values()), reasons, missing_optional


def _as_row(t: Track) -> tuple:
    return tuple(getattr(t, f) for f in TRACK_FIELDS)


async def import_csv(store: Store, path: Path, replace: bool = False) -> ImportReport:
    """Import a catalog CSV (plain or .gz) into the store."""
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
    await store.upsert_tracks((_as_row(t) for t in tracks), source=path.name, replace=replace)
    await store.set_meta("catalog_source", "bundled+import" if not replace else f"import:{path.name}")
    return ImportReport(
        imported=len(tracks),
        skipped=sum(reasons.values()),
        skipped_reasons=dict(reasons),
        missing_optional=missing_optional,
        total=await store.count_tracks(),
    )


def bundled_tracks() -> list[Track]:
    """The tracks of the catalog shipped in the package."""
    tracks, _, _ = read_csv(gzip.decompress(BUNDLED.read_bytes()).decode("utf-8"))
    return tracks


async def ensure_bundled(store: Store) -> int:
    """Load the bundled catalog on first start (never again, and never over a --replace import)."""
    if await store.get_meta("catalog_source") is None:
        await store.upsert_tracks((_as_row(t) for t in bundled_tracks()), source="bundled")
        await store.set_meta("catalog_source", "bundled")
    return await store.count_tracks()


# Feature columns of Catalog.matrix, each scaled to about 0..1.
FEATURES = ("valence", "energy", "tempo", "mode", "acousticness", "danceability", "instrumentalness")


@dataclass
class Catalog:
    """All tracks in memory with a feature matrix, so ranking is a few numpy operations."""

    tracks: list[Track]
    matrix: np.ndarray = field(repr=False)  # (n, len(FEATURES)) float32
    popularity: np.ndarray = field(repr=False)
    era: np.ndarray = field(repr=False)  # decade, 0 when unknown
    artists: np.ndarray = field(repr=False)  # artist key per track (object array)
    index: dict[str, int] = field(repr=False)

    @classmethod
    def from_tracks(cls, tracks: Iterable[Track]) -> "Catalog":
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
            popularity=np.array([t.popularity for t in tracks], dtype=np.float32),
            era=np.array([t.era or 0 for t in tracks], dtype=np.int32),
            artists=np.array([artist_key(t.artist) for t in tracks], dtype=object),
            index={t.id: i for i, t in enumerate(tracks)},
        )

    @classmethod
    def bundled(cls) -> "Catalog":
        """The shipped catalog without a database (evaluation, simulation, tests)."""
        return cls.from_tracks(bundled_tracks())

    @classmethod
    async def load(cls, store: Store) -> "Catalog":
        await ensure_bundled(store)
        rows = await store.fetch_tracks()
        return cls.from_tracks(Track(*tuple(r)[: len(TRACK_FIELDS)]) for r in rows)

    def __len__(self) -> int:
        return len(self.tracks)

    def get(self, track_id: str) -> Optional[Track]:
        i = self.index.get(track_id)
        return self.tracks[i] if i is not None else None

    def stats(self) -> dict:
        eras = Counter(int(e) for e in self.era if e)
        return {
            "tracks": len(self),
            "artists": len(set(self.artists)) if len(self) else 0,
            "by_decade": dict(sorted(eras.items())),
            "hits_or_popular": int((self.popularity >= 0.5).sum()),
            "mean": {f: round(float(self.matrix[:, i].mean()), 3) for i, f in enumerate(FEATURES)} if len(self) else {},
        }


def artist_key(artist: str) -> str:
    """The main artist, normalised ('Beyoncé, JAY-Z' → 'beyonce')."""
    return dedupe_key("", artist.split(",")[0])[1]
