"""Build the bundled catalog `core/music/data/catalog.csv.gz` from two public Spotify track datasets.

    python scripts/build_catalog.py SHARED/data/music [--out core/music/data/catalog.csv.gz]

The folder holds the sources as they are published (each with a SOURCES.tsv naming its origin):
- `hit_predictor/dataset-of-*.csv` — 'Spotify Hit Predictor Dataset' (F. Ansari): tracks 1960–2019
  with Spotify ids, audio features and the decade; `target` = 1 marks a Billboard Hot-100 hit.
- `spotify_tracks_114k/spotify_tracks_114k.csv.gz` — the 'Spotify Tracks Dataset' (M. Pandya, BSD
  per its dataset card): 114k rows, 89,741 unique ids, with popularity 0–100, the explicit flag, a
  genre per row (a track listed under two genres appears twice) and audio features.
- `spotify_artist_genres/data_w_genres.csv` — Spotify's genres per artist, joined on the
  normalised main artist name.

What the script does, and why:
- one row per Spotify id, then one per (title, main artist) compared case-, accent- and
  punctuation-insensitively: the same song is listed per decade, per genre and per re-release.
  Where both sources know a song their fields are merged (popularity, explicit and genres from the
  114k set, the decade and the chart flag from the hit predictor); among duplicates the most popular
  release is kept.
- drops what is not a song people would want suggested: spoken word (speechiness > 0.66, Spotify's
  own threshold), tracks under 60 s, tempo 0, and the 114k set's 'comedy', 'sleep', 'children' and
  'kids' genres (stand-up, white noise and nursery rhymes, which would otherwise win calm and happy
  lists on popularity: "Baby Shark" led a happy list before they went);
- keeps popularity only where it is known (0–1), the explicit flag only where known, up to
  MAX_GENRES genres (the track's own first, then its artist's), the chart flag, the decade;
- writes the columns the catalog reads, rounded, sorted, gzip-compressed.
Only the derived file is shipped; the sources are never copied into the project.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path
from typing import Iterator, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.music.catalog import CATALOG_COLUMNS, artist_key, dedupe_key  # noqa: E402
from evaluation.mood_fit import artist_genres  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "core" / "data" / "catalog.csv.gz"
MAX_GENRES = 4
DROPPED_GENRES = {"comedy", "sleep", "children", "kids"}
FEATURES = ("valence", "energy", "acousticness", "danceability", "instrumentalness", "speechiness")


def hit_predictor_rows(folder: Path) -> Iterator[dict]:
    for path in sorted((folder / "hit_predictor").glob("dataset-of-*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                yield {
                    "id": r["uri"].rsplit(":", 1)[-1], "title": r["track"], "artist": r["artist"],
                    "duration_ms": r["duration_ms"], "popularity": None, "explicit": None, "genres": [],
                    "chart_hit": int(r["target"]), "decade": int(r["decade"]),
                    **{k: r[k] for k in FEATURES + ("tempo", "mode", "loudness")},
                }


def tracks_114k_rows(folder: Path) -> Iterator[dict]:
    path = folder / "spotify_tracks_114k" / "spotify_tracks_114k.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            yield {
                "id": r["track_id"], "title": r["track_name"], "artist": ", ".join(a.strip() for a in r["artists"].split(";")),
                "duration_ms": r["duration_ms"], "popularity": int(r["popularity"]) / 100.0,
                "explicit": 1 if r["explicit"] == "True" else 0, "genres": [r["track_genre"]],
                "chart_hit": None, "decade": None,
                **{k: r[k] for k in FEATURES + ("tempo", "mode", "loudness")},
            }


def clean(r: dict) -> Optional[dict]:
    """The row as the catalog stores it, or None when it is not a song to suggest."""
    try:
        if float(r["speechiness"]) > 0.66 or float(r["tempo"]) <= 0 or int(float(r["duration_ms"])) < 60_000:
            return None
        if DROPPED_GENRES & set(r["genres"]):
            return None
        row = {k: round(float(r[k]), 3) for k in FEATURES}
        row.update(
            id=r["id"].strip(), title=r["title"].strip(), artist=r["artist"].strip(), tempo=round(float(r["tempo"]), 1),
            mode=int(r["mode"]), loudness=round(float(r["loudness"]), 1), popularity=r["popularity"],
            explicit=r["explicit"], genres=list(r["genres"]), chart_hit=r["chart_hit"], year=None, decade=r["decade"],
        )
    except (KeyError, ValueError, TypeError):
        return None
    if len(row["id"]) != 22 or not row["title"] or not row["artist"]:
        return None
    return row


def merge(a: dict, b: dict) -> dict:
    """One song known twice: keep the more popular release and what either source knows."""
    first, second = (a, b) if (a["popularity"] or -1) >= (b["popularity"] or -1) else (b, a)
    out = dict(first)
    for key in ("popularity", "explicit", "chart_hit", "decade", "year"):
        if out[key] is None:
            out[key] = second[key]
    if first["chart_hit"] is not None or second["chart_hit"] is not None:
        out["chart_hit"] = max(x["chart_hit"] or 0 for x in (first, second))
    out["genres"] = list(dict.fromkeys(first["genres"] + second["genres"]))
    return out


def build(folder: Path, out: Path) -> dict:
    read = kept_rows = 0
    by_id: dict[str, dict] = {}
    for source in (tracks_114k_rows(folder), hit_predictor_rows(folder)):
        for raw in source:
            read += 1
            row = clean(raw)
            if row is None:
                continue
            kept_rows += 1
            by_id[row["id"]] = merge(by_id[row["id"]], row) if row["id"] in by_id else row
    by_song: dict[tuple[str, str], dict] = {}
    for row in by_id.values():
        key = dedupe_key(row["title"], row["artist"].split(",")[0])
        by_song[key] = merge(by_song[key], row) if key in by_song else row
    genres_of_artist = artist_genres(folder)
    joined = 0
    for row in by_song.values():
        extra = genres_of_artist.get(artist_key(row["artist"]), [])
        joined += bool(extra)
        row["genres"] = "|".join(list(dict.fromkeys(row["genres"] + extra))[:MAX_GENRES])
    out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same sources give the same bytes (the store reloads the catalog when they change)
    with open(out, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz, \
            io.TextIOWrapper(gz, encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CATALOG_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in sorted(by_song.values(), key=lambda r: (r["artist"].lower(), r["title"].lower(), r["id"])):
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    rows = list(by_song.values())
    return {
        "rows_read": read, "rows_kept": kept_rows, "unique_ids": len(by_id), "tracks": len(rows),
        "with_popularity": sum(r["popularity"] is not None for r in rows),
        "with_explicit_flag": sum(r["explicit"] is not None for r in rows),
        "explicit": sum(r["explicit"] == 1 for r in rows),
        "with_genres": sum(bool(r["genres"]) for r in rows), "artist_genres_joined": joined,
        "with_decade": sum(r["decade"] is not None for r in rows),
        "size_kb": out.stat().st_size // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the music data folder (with hit_predictor/, spotify_tracks_114k/, ...)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    report = build(args.folder, args.out)
    print(", ".join(f"{k} {v}" for k, v in report.items()) + f" → {args.out}")


if __name__ == "__main__":
    main()
