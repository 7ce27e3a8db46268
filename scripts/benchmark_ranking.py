"""Time of one ranking over the whole catalog: `python scripts/benchmark_ranking.py`.

Ranks the bundled catalog (~39k tracks) for random moods, for a person with 50 ratings, with 2,000
ratings by others for collaborative scores and 20 recent lists to avoid, and prints warm p50/p95
of (a) `Recommender.match` (score + diversify, 5 songs), (b) a 10-song shift list, and (c) the
whole `recommend()` call including its SQLite reads and the write of the list.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.catalog import Catalog  # noqa: E402
from core.emotions import LABELS, VA_POINTS  # noqa: E402
from core.music import target_for_label  # noqa: E402
from core.recommender import Recommender, build_taste, recommend  # noqa: E402
from core.store import MoodRating, Rating, Store  # noqa: E402


def pct(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):6.2f} ms   p95 {np.percentile(values, 95):6.2f} ms"


async def main() -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        async with Store(Path(tmp) / "bench.sqlite3") as store:
            catalog = await Catalog.load(store)
            ranker = Recommender(catalog)
            ids = [t.id for t in catalog.tracks]
            mine = [Rating("me", ids[i], int(rng.choice([-1, 1])), None, 0) for i in rng.choice(len(ids), 50, replace=False)]
            others = [MoodRating(f"u{k % 40}", ids[i], int(rng.choice([-1, 1])), float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))
                      for k, i in enumerate(rng.choice(len(ids), 2000))]
            recent = {ids[i]: 1 for i in rng.choice(len(ids), 100, replace=False)}
            for r in mine:
                await store.rate(r.user, r.track, r.score)
            match_ms, shift_ms, full_ms = [], [], []
            for k in range(220):
                label = str(rng.choice(LABELS))
                t0 = time.perf_counter()
                taste = build_taste(mine, catalog)
                collab = ranker.collaborative_scores(others, VA_POINTS[label])
                ranker.match(target_for_label(label), 5, taste=taste, collaborative=collab, recent=recent)
                t1 = time.perf_counter()
                ranker.shift(VA_POINTS[label], "calm", 10, taste=taste, recent=recent)
                t2 = time.perf_counter()
                await recommend(store, ranker, point=VA_POINTS[label], label=label, user="me")
                t3 = time.perf_counter()
                if k >= 20:  # warm
                    match_ms.append((t1 - t0) * 1000)
                    shift_ms.append((t2 - t1) * 1000)
                    full_ms.append((t3 - t2) * 1000)
    print(f"catalog: {len(catalog)} tracks; 200 warm requests")
    print(f"match, 5 songs (taste + collaborative + repetition): {pct(match_ms)}")
    print(f"shift, 10 songs (10 rankings):                       {pct(shift_ms)}")
    print(f"recommend() with SQLite reads and the write:         {pct(full_ms)}")


if __name__ == "__main__":
    asyncio.run(main())
