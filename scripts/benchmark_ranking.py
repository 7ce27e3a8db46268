"""The catalog's cost and the time of one ranking over it: `python scripts/benchmark_ranking.py [--json]`.

Measures the bundled catalog's size in the package, the first start (bundled CSV → SQLite →
memory, label scores), a later start (SQLite → memory, label scores) and the process's peak memory;
then ranks the whole catalog for random moods, for a person with 50 ratings, with 2,000 ratings by
others for collaborative scores and 100 recent songs to avoid, and prints warm p50/p95 of (a)
`Recommender.match` (score + diversify, 5 songs), (b) a shift list (as long as its path needs), and
(c) the whole `recommend()` call including its SQLite reads and the write of the list.
`--ratings N` first fills the database with N synthetic ratings by others (50 per person, on lists
of random moods) and the collaborative summary built from them as the migration builds it, so (c)
shows what a list costs with that many ratings given; `rss_mb` is the process's memory after the
requests. With --json, one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.music.catalog import BUNDLED, Catalog  # noqa: E402
from core.emotions import LABELS, VA_POINTS  # noqa: E402
from core.music.targets import target_for_label  # noqa: E402
from core.music.recommender import Recommender, build_taste  # noqa: E402
from core.service.catalog import load_catalog  # noqa: E402
from core.service.songs import recommend  # noqa: E402
from core.store import MoodRating, Rating, SqliteStore  # noqa: E402


def pct(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p95_ms": round(float(np.percentile(values, 95)), 2)}


async def start(path: Path) -> tuple[Catalog, Recommender, float]:
    t0 = time.perf_counter()
    async with SqliteStore(path) as store:
        catalog = await load_catalog(store)
    ranker = Recommender(catalog)
    return catalog, ranker, time.perf_counter() - t0


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fill_ratings(path: Path, ids: list[str], n: int, rng: np.random.Generator) -> None:
    """N ratings by N/50 synthetic people, each on one list of a random mood, and the summary."""
    import sqlite3

    from core.store.votes import region_sql

    con = sqlite3.connect(path)
    people = max(1, n // 50)
    moods = rng.uniform(-1, 1, size=(people, 2))
    con.executemany("INSERT INTO recommendations(id, chat, user, mood, valence, arousal, mode, created_at) VALUES (?, ?, ?, 'x', ?, ?, 'match', 0)",
                    [(1_000_000 + p, f"c{p}", f"p{p}", float(v), float(a)) for p, (v, a) in enumerate(moods)])
    tracks = rng.integers(0, len(ids), size=n)
    scores = rng.choice([-1, 1], size=n)
    con.executemany("INSERT OR REPLACE INTO ratings(user, track, recommendation, score, created_at) VALUES (?, ?, ?, ?, 0)",
                    ((f"p{k // 50}", ids[tracks[k]], 1_000_000 + k // 50, int(scores[k])) for k in range(n)))
    con.execute("DELETE FROM mood_votes")
    con.execute(f"INSERT INTO mood_votes(track, region, score, n) SELECT ra.track, {region_sql('r.valence', 'r.arousal', 'sqlite')}, "
                "SUM(ra.score), COUNT(*) FROM ratings ra JOIN recommendations r ON r.id = ra.recommendation GROUP BY 1, 2")
    con.commit()
    con.close()


async def main(as_json: bool, ratings: int = 0) -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        _, _, first = await start(Path(tmp) / "bench.sqlite3")
        catalog, ranker, later = await start(Path(tmp) / "bench.sqlite3")
        if ratings:
            fill_ratings(Path(tmp) / "bench.sqlite3", [t.id for t in catalog.tracks], ratings, rng)
        rss_before = rss_mb()
        async with SqliteStore(Path(tmp) / "bench.sqlite3") as store:
            ids = [t.id for t in catalog.tracks]
            mine = [Rating("me", ids[i], int(rng.choice([-1, 1])), None, 0) for i in rng.choice(len(ids), 50, replace=False)]
            others = [MoodRating(f"u{k % 40}", ids[i], int(rng.choice([-1, 1])), float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))
                      for k, i in enumerate(rng.choice(len(ids), 2000))]
            recent = {ids[i]: 1 for i in rng.choice(len(ids), 100, replace=False)}
            for r in mine:
                await store.ratings.rate(r.user, r.track, r.score)
            match_ms, shift_ms, full_ms = [], [], []
            for k in range(220):
                label = str(rng.choice(LABELS))
                t0 = time.perf_counter()
                taste = build_taste(mine, catalog)
                collab = ranker.collaborative_scores(others, VA_POINTS[label])
                ranker.match(target_for_label(label), 5, taste=taste, collaborative=collab, recent=recent)
                t1 = time.perf_counter()
                ranker.shift(VA_POINTS[label], "calm", 5, taste=taste, recent=recent)
                t2 = time.perf_counter()
                await recommend(store, ranker, point=VA_POINTS[label], label=label, user="me")
                t3 = time.perf_counter()
                if k >= 20:  # warm
                    match_ms.append((t1 - t0) * 1000)
                    shift_ms.append((t2 - t1) * 1000)
                    full_ms.append((t3 - t2) * 1000)
    report = {
        "catalog_tracks": len(catalog), "package_size_kb": BUNDLED.stat().st_size // 1024,
        "first_start_s": round(first, 2), "later_start_s": round(later, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "warm_requests": len(match_ms), "match_5": pct(match_ms), "shift": pct(shift_ms), "recommend_with_sqlite": pct(full_ms),
        "ratings_in_database": ratings, "rss_mb": round(rss_mb()), "rss_growth_during_requests_mb": round(rss_mb() - rss_before),
    }
    if as_json:
        print(json.dumps(report))
        return
    print(f"catalog: {report['catalog_tracks']} tracks, {report['package_size_kb']} KB in the package; first start "
          f"{report['first_start_s']} s, later start {report['later_start_s']} s; peak RSS {report['peak_rss_mb']} MB")
    for name, key in (("match, 5 songs (taste + collaborative + repetition)", "match_5"), ("shift list (to its target)", "shift"),
                      ("recommend() with SQLite reads and the write", "recommend_with_sqlite")):
        print(f"{name:<52} p50 {report[key]['p50_ms']:6.2f} ms   p95 {report[key]['p95_ms']:6.2f} ms")
    print(f"{report['ratings_in_database']:,} ratings by others in the database; RSS after the requests {report['rss_mb']} MB "
          f"(+{report['rss_growth_during_requests_mb']} MB during them)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--ratings", type=int, default=0, help="fill the database with this many synthetic ratings first")
    args = parser.parse_args()
    asyncio.run(main(args.json, args.ratings))
