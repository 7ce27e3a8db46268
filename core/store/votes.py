"""Where others' ratings live for the collaborative signal: summed per track and region of the
valence–arousal plane, not read back row by row.

A rating given on a list counts in the region of that list's mood (a 10 × 10 grid over -1..1 on
both axes, cells 0.2 wide): `mood_votes` holds, per (track, region), the sum of its scores. Both
backends keep it in the same transaction as the rating (a re-rating moves its old score out, /forget
takes a person's scores out), and their migrations build it from the ratings already there. A list
reads the regions within reach of its mood point, a bounded number of rows whatever the number of
ratings ever given: in each region the VOTES_LIKED tracks liked most and
the VOTES_DISLIKED disliked most (an index on (region, score) finds them), the strongest of what
others said there — a track a few people liked once cannot outrank the mood's own fit anyway.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

GRID = 10
CELL = 2.0 / GRID
VOTES_LIKED = 100
VOTES_DISLIKED = 30


def region_of(valence: float, arousal: float) -> int:
    """The grid cell of a valence/arousal point (clamped to -1..1)."""
    def index(x: float) -> int:
        return min(GRID - 1, max(0, int((min(1.0, max(-1.0, x)) + 1.0) / CELL)))

    return index(valence) * GRID + index(arousal)


def region_centre(region: int) -> tuple[float, float]:
    return (-1.0 + CELL * (region // GRID + 0.5), -1.0 + CELL * (region % GRID + 0.5))


def centres(regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(valence, arousal) of many regions' centres at once."""
    return (-1.0 + CELL * (regions // GRID + 0.5)).astype(np.float32), (-1.0 + CELL * (regions % GRID + 0.5)).astype(np.float32)


def votes_from_rows(rows):
    """(track, region, score) rows → core.store.records.Votes at the regions' centres."""
    from core.store.records import Votes

    if not rows:
        return Votes()
    regions = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    v, a = centres(regions)
    return Votes([r[0] for r in rows], np.fromiter((r[2] for r in rows), dtype=np.float32, count=len(rows)), v, a)


def regions_near(points: Iterable[tuple[float, float]], reach: float) -> list[int]:
    """Every region whose centre lies within `reach` of any of the points."""
    out = set()
    for v, a in points:
        for r in range(GRID * GRID):
            cv, ca = region_centre(r)
            if (cv - v) ** 2 + (ca - a) ** 2 <= reach**2:
                out.add(r)
    return sorted(out)


def region_sql(v: str, a: str, dialect: str) -> str:
    """The region of a list's mood point in SQL, the same cells as region_of (SQLite truncates a
    non-negative real with CAST; PostgreSQL's CAST rounds, so it floors first)."""
    least, greatest = ("MIN", "MAX") if dialect == "sqlite" else ("LEAST", "GREATEST")

    def index(x: str) -> str:
        inner = f"(({least}({greatest}({x}, -1.0), 0.999999) + 1.0) / {CELL})"
        return f"CAST({inner} AS INTEGER)" if dialect == "sqlite" else f"CAST(FLOOR({inner}) AS INTEGER)"

    return f"({index(v)} * {GRID} + {index(a)})"
