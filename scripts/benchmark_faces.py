"""The faces stage alone, by kind of photo: `python scripts/benchmark_faces.py [PHOTO_DIR ...] [--json]`.

Times what the pipeline's faces stage does — propose, check, read the most prominent faces — one
photo at a time on one core, warm, with the bot's settings (the shipped detector, check and face
nets). Photos are grouped by what the stage found in them: **none** (pets, food, scenery), **1–7
faces** (portraits, couples, small groups) and **8 or more** (crowds: read from the most prominent
MOODTUNE_MAX_FACES). Default photos: the demo photos, plus — where the shared folder is beside the
checkout — every fourth of shared/data/no-faces and 200 of faces-dev. Prints p50 / p95 / max ms per
group and the number of photos; `--json` prints {group: {"n", "p50_ms", "p95_ms", "max_ms"}}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.reading.images import ImageError, decode_image  # noqa: E402
from core.settings import Settings  # noqa: E402
from models.faces import build_face_analyzer  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SUFFIXES = (".jpg", ".jpeg", ".png")


def default_photos() -> list[Path]:
    paths = sorted((ROOT / "bot" / "demo").glob("*.jpg"))
    if (SHARED / "no-faces").is_dir():
        paths += sorted(p for p in (SHARED / "no-faces").iterdir() if p.suffix.lower() in SUFFIXES)[::4]
    if (SHARED / "faces-dev" / "images").is_dir():
        faces = sorted((SHARED / "faces-dev" / "images").iterdir())
        paths += faces[:: max(1, len(faces) // 200)][:200]
    return paths


def group(found: int) -> str:
    return "none" if found == 0 else "1-7 faces" if found < 8 else "8+ faces"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="folders of photos (default: see above)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per photo (the median counts)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings(deepface_emotion=False)
    analyzer, _ = build_face_analyzer(settings)
    paths = [p for d in args.dirs for p in sorted(d.iterdir()) if p.suffix.lower() in SUFFIXES] if args.dirs else default_photos()
    times: dict[str, list[float]] = {}
    for path in paths:
        try:
            rgb = decode_image(path.read_bytes(), working_side=settings.working_side).rgb
        except (ImageError, OSError):
            continue
        read = analyzer.analyze(rgb)  # warm for this photo's sizes
        runs = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            analyzer.analyze(rgb)
            runs.append((time.perf_counter() - start) * 1000)
        times.setdefault(group(read.found), []).append(float(np.median(runs)))
    report = {g: {"n": len(t), "p50_ms": round(float(np.percentile(t, 50)), 1), "p95_ms": round(float(np.percentile(t, 95)), 1),
                  "max_ms": round(max(t), 1)} for g, t in sorted(times.items())}
    report["nets"] = [m.name for m in analyzer.models]
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"face nets: {', '.join(report.pop('nets'))}")
    for g, r in report.items():
        print(f"{g:10s} {r['n']:4d} photos  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  max {r['max_ms']:6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
