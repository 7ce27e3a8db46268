"""Time OpenCLIP image towers for the scene model choice: `python scripts/benchmark_scene_models.py [--json]`.

Random weights (the pretrained ones cannot be downloaded here): the speed is the real model's,
its answers are meaningless. For each architecture: parameters of the image tower, and the warm
p50 of one 224-px-class image through the tower as the bot runs it (exported once to ONNX and run on
onnxruntime, `models.clip_prepare.load_clip`), one photo at a time, on this machine. Published ImageNet
zero-shot accuracy of each model's pretrained weights is in docs/EVALUATION.md, "Scene model".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODELS = ("ViT-B-32", "ViT-B-32-256", "MobileCLIP-S1", "MobileCLIP-S2", "MobileCLIP2-S0", "MobileCLIP2-S2")


def time_model(name: str, runs: int) -> dict:
    import torch

    from models.clip_prepare import load_clip

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        scorer = load_clip(name, None, Path(cache), threads=torch.get_num_threads())
        load_s = time.perf_counter() - t0
        rgb = np.random.default_rng(0).integers(0, 255, (768, 1024, 3), dtype=np.uint8)
        scorer.score(rgb)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            scorer.score(rgb)
            times.append((time.perf_counter() - t0) * 1000)
    import open_clip

    params = sum(p.numel() for p in open_clip.create_model(name, pretrained=None).visual.parameters()) / 1e6
    return {"image_params_m": round(params, 1), "score_p50_ms": round(float(np.percentile(times, 50)), 1),
            "score_p95_ms": round(float(np.percentile(times, 95)), 1), "first_load_s": round(load_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {}
    for name in args.models.split(","):
        try:
            report[name] = time_model(name, args.runs)
        except Exception as exc:  # an architecture this OpenCLIP cannot build or export is reported, not fatal
            report[name] = {"error": f"{exc.__class__.__name__}: {exc}"[:300]}
        if not args.json:
            print(name, report[name], flush=True)
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
