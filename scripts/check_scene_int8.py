"""How closely the int8 image tower follows the float one: `python scripts/check_scene_int8.py [--pretrained TAG_OR_FILE] [--json]`

Prepares both copies of the scene model's image tower (as a first start does, in a child process)
and reads the same photos with each — the demo photos and `--n-faces` faces-dev photos (default: the
shared folder beside the checkout, when present) — through the bot's own scorer. Reports, per set:
the cosine between the two embeddings of each photo (mean, min), how often the top mood and the top
scene of the bot's prompts agree, and the largest change of a mood's probability.

Without `--pretrained` the weights are seeded random ones (no pretrained CLIP is reachable here):
the numbers then describe the quantisation of this architecture, not of the trained weights a bot
runs with — with real weights, run it with `--pretrained datacomp_s34b_b86k` (or a weights file).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchmark import DEFAULT_FACES, DEMO, random_weights  # noqa: E402


def compare(exact, small, images: list[np.ndarray]) -> dict:
    a, b = exact.embed_images(images), small.embed_images(images)
    cosine = (a * b).sum(1)
    moods_a = [exact.score_embedding(e) for e in a]
    moods_b = [small.score_embedding(e) for e in b]
    top = lambda r: max(r.moods, key=r.moods.get)  # noqa: E731
    return {
        "photos": len(images),
        "cosine_mean": round(float(cosine.mean()), 5), "cosine_min": round(float(cosine.min()), 5),
        "top_mood_agreement": round(float(np.mean([top(x) == top(y) for x, y in zip(moods_a, moods_b)])), 3),
        "top_scene_agreement": round(float(np.mean([x.scenes[0][0] == y.scenes[0][0] for x, y in zip(moods_a, moods_b)])), 3),
        "max_mood_probability_change": round(max(abs(x.moods[m] - y.moods[m]) for x, y in zip(moods_a, moods_b) for m in x.moods), 4),
        "top_mood_margin_median": round(float(np.median([x.margin for x in moods_a])), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrained", help="an OpenCLIP tag or weights file (default: seeded random weights)")
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("--n-faces", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from core.reading.images import decode_image
    from core.settings import Settings
    from models.clip_prepare import load_clip

    settings = Settings()
    pretrained = args.pretrained or str(random_weights(settings.clip_model, settings.clip_cache_dir))
    with tempfile.TemporaryDirectory() as cache:
        exact, small = (load_clip(settings.clip_model, pretrained, Path(cache), int8=int8, threads=2,
                                  allow_download=settings.allow_downloads) for int8 in (False, True))
        sets = {"demo": [decode_image(p.read_bytes()).rgb for p in DEMO]}
        if args.faces.is_dir():
            faces = sorted(args.faces.glob("*.jpg"))
            sets["faces-dev"] = [decode_image(p.read_bytes()).rgb for p in faces[:: max(1, len(faces) // args.n_faces)][: args.n_faces]]
        report = {"model": settings.clip_model, "weights": args.pretrained or "seeded random (no pretrained CLIP here)",
                  **{name: compare(exact, small, images) for name, images in sets.items()}}
    print(json.dumps(report) if args.json else json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
