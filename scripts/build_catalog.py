"""Build the bundled catalog `core/data/catalog.csv.gz` from the Spotify Hit Predictor dataset.

    python scripts/build_catalog.py path/to/hit_predictor [--out core/data/catalog.csv.gz]

Source: 'Spotify Hit Predictor Dataset' (F. Ansari), six CSVs of tracks 1960-2019 with Spotify ids
and audio features (Spotify's data); `target` = 1 marks a Billboard Hot-100 hit.
What the script does, and why:
- keeps one row per (title, artist), compared case- and accent-insensitively, preferring the hit
  (the same song is listed once per decade or per re-release);
- drops what is not a song people would want suggested: spoken word (speechiness > 0.66, Spotify's
  own threshold), tracks under 60 s, rows with tempo 0 or missing features;
- writes the columns the recommender reads, rounded, gzip-compressed (~1 MB).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.catalog import CATALOG_COLUMNS, dedupe_key  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "core" / "data" / "catalog.csv.gz"


def rows_from(folder: Path):
    for path in sorted(folder.glob("dataset-of-*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            yield from csv.DictReader(fh)


def build(folder: Path, out: Path) -> tuple[int, int]:
    kept: dict[tuple[str, str], dict] = {}
    read = 0
    for r in rows_from(folder):
        read += 1
        try:
            if float(r["speechiness"]) > 0.66 or float(r["tempo"]) <= 0 or int(r["duration_ms"]) < 60_000:
                continue
            row = {
                "id": r["uri"].rsplit(":", 1)[-1],
                "title": r["track"].strip(),
                "artist": r["artist"].strip(),
                "valence": round(float(r["valence"]), 3),
                "energy": round(float(r["energy"]), 3),
                "tempo": round(float(r["tempo"]), 1),
                "mode": int(r["mode"]),
                "acousticness": round(float(r["acousticness"]), 3),
                "danceability": round(float(r["danceability"]), 3),
                "instrumentalness": round(float(r["instrumentalness"]), 3),
                "popularity": 1.0 if r["target"] == "1" else 0.0,
                "year": "",
                "decade": int(r["decade"]),
            }
        except (KeyError, ValueError):
            continue
        if len(row["id"]) != 22 or not row["title"] or not row["artist"]:
            continue
        key = dedupe_key(row["title"], row["artist"])
        if key not in kept or row["popularity"] > kept[key]["popularity"]:
            kept[key] = row
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CATALOG_COLUMNS)
        writer.writeheader()
        for row in sorted(kept.values(), key=lambda r: (r["artist"].lower(), r["title"].lower())):
            writer.writerow(row)
    return read, len(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    read, kept = build(args.folder, args.out)
    print(f"read {read} rows, wrote {kept} tracks to {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
