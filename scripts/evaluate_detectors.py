"""Compare face detectors: recall on face photos, false faces on faceless photos, time.

    python scripts/evaluate_detectors.py FACES_DIR FACELESS_DIR [--detectors blazeface,blazeface-short,opencv,yunet] [--json]

FACES_DIR: photos that each show a face (e.g. shared/data/faces-dev/images); recall = the share of
them where at least one face is found. FACELESS_DIR: photos without a face (e.g. scikit-image's
bundled sample photos: `python -c "import skimage.data"`; the demo cat, coffee and rocket);
false faces = faces found there, in all. Time: warm per-photo p50/p95 on this machine (1 thread).
Detector names are those of MOODTUNE_FACE_DETECTOR: 'blazeface' (full range), 'blazeface-short',
or a DeepFace backend ('opencv' = Haar cascades, 'yunet' — needs its weights in DEEPFACE_HOME,
see shared/models/yunet/README.md — 'ssd', ...).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.reading.images import ImageError, decode_image  # noqa: E402
from models.faces import make_detector  # noqa: E402

SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def images(folder: Path, limit: int) -> list[np.ndarray]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES):
        try:
            out.append(decode_image(path.read_bytes()).rgb)
        except (ImageError, OSError):
            continue
    step = max(1, len(out) // limit) if limit else 1
    return out[::step][: limit or None]


def run(name: str, faces: list[np.ndarray], faceless: list[np.ndarray]) -> dict:
    detector = make_detector(name)
    detector.detect(faces[0])  # warm
    times, found = [], []
    for img in faces:
        t0 = time.perf_counter()
        found.append(len(detector.detect(img)))
        times.append((time.perf_counter() - t0) * 1000)
    false = [len(detector.detect(img)) for img in faceless]
    return {
        "recall": round(float(np.mean([n > 0 for n in found])), 4),
        "faces_photos": len(faces),
        "false_faces": int(sum(false)),
        "faceless_photos_with_a_face": int(sum(n > 0 for n in false)),
        "faceless_photos": len(faceless),
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("faces", type=Path)
    parser.add_argument("faceless", type=Path, nargs="+")
    parser.add_argument("--detectors", default="blazeface,blazeface-short,opencv")
    parser.add_argument("--limit", type=int, default=0, help="use at most this many face photos (evenly spread)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    faces = images(args.faces, args.limit)
    faceless = [img for folder in args.faceless for img in images(folder, 0)]
    report = {name: run(name, faces, faceless) for name in args.detectors.split(",")}
    if args.json:
        print(json.dumps(report))
        return
    print(f"{'detector':<18}{'recall':>8}{'false faces':>13}{'photos w/ false':>17}{'p50 ms':>8}{'p95 ms':>8}")
    for name, r in report.items():
        print(f"{name:<18}{r['recall']:>8.3f}{r['false_faces']:>13}{r['faceless_photos_with_a_face']:>11} of {r['faceless_photos']:<3}"
              f"{r['p50_ms']:>8}{r['p95_ms']:>8}")


if __name__ == "__main__":
    main()
