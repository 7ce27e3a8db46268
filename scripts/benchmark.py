"""Latency and memory of the photo pipeline: `python scripts/benchmark.py` (or `make bench`).

Prints, over a fixed set of photos (the demo photos and the face fixtures, 10 in all), the warm
per-photo latency p50/p95 of each stage and in total, the cold start to the first answer, and the
peak memory (max RSS) of the process. `--random-clip` runs OpenCLIP's real ViT-B-32 code with
random weights when the pretrained ones are not downloaded: the timing is that of the real model,
the readings are meaningless.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHOTOS = sorted((ROOT / "bot" / "demo").glob("*.jpg")) + sorted((ROOT / "tests" / "fixtures" / "faces").glob("*.jpg"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the photo set")
    parser.add_argument("--random-clip", action="store_true", help="random ViT-B-32 weights if none are cached")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from core.pipeline import Pipeline, load_models
    from core.settings import Settings

    settings = Settings()
    models = load_models(settings)
    if models.scene is None and args.random_clip:
        import torch

        from models.clip import load_clip

        torch.manual_seed(0)  # the same random weights every run, so the on-disk caches apply
        models.scene = load_clip(settings.clip_model, None, settings.clip_cache_dir, threads=settings.scene_threads)
        print(f"scene: {settings.clip_model} with RANDOM weights (timing only)")
    elif models.scene is None:
        print(f"scene: unavailable ({models.scene_reason})")
    pipeline = Pipeline(models, settings)
    pipeline.warm()
    data = [p.read_bytes() for p in PHOTOS]
    pipeline.analyze(data[0])
    cold = time.perf_counter() - t0

    timings: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for blob in data:
            reading = pipeline.analyze(blob)
            for stage, ms in reading.timings_ms.items():
                timings.setdefault(stage, []).append(ms)
    pipeline.close()

    print(f"photos: {len(data)} x {args.rounds} rounds; face models: "
          f"{', '.join(m.name for m in models.faces.models) if models.faces else 'none'}")
    print(f"{'stage':<8}{'p50 ms':>9}{'p95 ms':>9}")
    for stage in ("decode", "faces", "scene", "color", "fusion", "total"):
        values = np.array(timings.get(stage, [0.0]))
        print(f"{stage:<8}{np.percentile(values, 50):>9.1f}{np.percentile(values, 95):>9.1f}")
    print(f"cold start to first answer: {cold:.1f} s")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"memory while serving (RSS after the runs): {current_rss_mb():.0f} MB")


def current_rss_mb() -> float:
    """Resident memory now (Linux /proc; 0 where it is not available)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


if __name__ == "__main__":
    main()
