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

import numpy as np

from core.store.records import CELL, GRID, centres, region_centre, region_of, regions_near  # noqa: F401 (the grid lives with its records)

VOTES_LIKED = 100
VOTES_DISLIKED = 30


def votes_from_rows(rows):
    """(track, region, score) rows → core.store.records.Votes at the regions' centres."""
    from core.store.records import Votes

    if not rows:
        return Votes()
    regions = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    v, a = centres(regions)
    return Votes([r[0] for r in rows], np.fromiter((r[2] for r in rows), dtype=np.float32, count=len(rows)), v, a)


def region_sql(v: str, a: str, dialect: str) -> str:
    """The region of a list's mood point in SQL, the same cells as region_of (SQLite truncates a
    non-negative real with CAST; PostgreSQL's CAST rounds, so it floors first)."""
    least, greatest = ("MIN", "MAX") if dialect == "sqlite" else ("LEAST", "GREATEST")

    def index(x: str) -> str:
        inner = f"(({least}({greatest}({x}, -1.0), 0.999999) + 1.0) / {CELL})"
        return f"CAST({inner} AS INTEGER)" if dialect == "sqlite" else f"CAST(FLOOR({inner}) AS INTEGER)"

    return f"({index(v)} * {GRID} + {index(a)})"
