"""Latency and memory of the photo pipeline: `python scripts/benchmark.py [--random-clip] [--baseline] [--json]`.

Over a fixed set of photos — the demo photos, plus face photos from `--faces DIR` (default: the
shared faces-dev images beside the checkout, when present) — prints the warm per-photo latency
p50/p95 of each stage and in total, the cold start to the first answer, and the peak memory (max
RSS) of the process. `--random-clip` runs OpenCLIP's real code with seeded random weights
(MOODTUNE_CLIP_MODEL picks the architecture), written once to a weights file in the cache and
configured like a local file of real weights: the timing is that of the real model, the readings
are meaningless.

Starts are measured as a person meets them, each in a fresh process (`python -m` style, imports
included) from nothing to the first photo answered: `first_start_s` with an empty model cache (the
scene model is prepared — by a child process, see models/clip_prepare.py — as on a bot's first start) and
`first_start_peak_rss_mb` (that process's own peak; `first_start_child_peak_rss_mb` is the child's),
then `cold_start_s` (a later start, the cache prepared). `peak_rss_mb` is this process's peak while
reading the photos.

`--baseline` also runs, in the same process and on the same photos, what a straightforward bot
would do (the seed projects' way): `DeepFace.analyze(actions=["emotion"])` with DeepFace's default
detector, and OpenCLIP in PyTorch encoding the mood prompts on every call. DeepFace's emotion
weights cannot be downloaded here, so the baseline uses its architecture with random weights (the
time is the same; the answers are not used). `--json` prints one JSON object:
{"moodtune": {"total_p50_ms", "total_p95_ms", "stages": {...}}, "full_size": {... the same for two
12-megapixel phone-size photos, timed apart}, "baseline": {...}, "ratio_p50",
"first_start_s", "first_start_peak_rss_mb", "first_start_child_peak_rss_mb", "cold_start_s", "peak_rss_mb"}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEMO = sorted((ROOT / "bot" / "demo").glob("*.jpg"))
DEFAULT_FACES = ROOT.parent / "shared" / "data" / "faces-dev" / "images"


def photos(faces_dir: Path | None, n_faces: int) -> list[bytes]:
    paths = list(DEMO)
    if faces_dir and faces_dir.is_dir():
        faces = sorted(faces_dir.glob("*.jpg"))
        paths += faces[:: max(1, len(faces) // n_faces)][:n_faces]
    return [p.read_bytes() for p in paths]


def full_size_photos(cache_dir: Path) -> list[bytes]:
    """Two 12-megapixel phone-style JPEGs (4032 × 3024, quality 92, 2–3 MB — what Discord attachments
    and Telegram files sent as files keep): the astronaut and the coffee demo photos enlarged, with
    sensor-like noise so they cost what a real photo of that size costs to decode. Made once by a
    child process (their 12-megapixel arrays never count in this process's memory)."""
    paths = [cache_dir / f"full-size-{name}" for name in ("astronaut.jpg", "coffee.jpg")]
    if not all(p.is_file() for p in paths):
        cache_dir.mkdir(parents=True, exist_ok=True)
        code = ("import sys, numpy as np; from PIL import Image; rng = np.random.default_rng(0)\n"
                "for src, out in zip(sys.argv[1::2], sys.argv[2::2]):\n"
                "    big = Image.open(src).convert('RGB').resize((4032, 3024), Image.Resampling.LANCZOS)\n"
                "    noisy = np.asarray(big, dtype=np.int16) + rng.normal(0, 4, (3024, 4032, 3)).astype(np.int16)\n"
                "    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(out, 'JPEG', quality=92)\n")
        args = [str(a) for p in paths for a in (ROOT / "bot" / "demo" / p.name.removeprefix("full-size-"), p)]
        subprocess.run([sys.executable, "-c", code, *args], check=True)
    return [p.read_bytes() for p in paths]


def random_weights(model_name: str, cache_dir: Path) -> Path:
    """A file of seeded random weights for `model_name`, made once by a child process (so PyTorch
    never counts in this process's memory); timing only."""
    path = cache_dir / f"random-{model_name}-seed0.pt"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        code = ("import sys, torch, open_clip; torch.manual_seed(0); "
                "torch.save(open_clip.create_model(sys.argv[1], pretrained=None).state_dict(), sys.argv[2])")
        subprocess.run([sys.executable, "-c", code, model_name, str(path)], check=True)
    return path


def settings_for(random_clip: bool, cache_dir: Path | None = None):
    from core.settings import Settings

    settings = Settings() if cache_dir is None else Settings(cache_dir=cache_dir)
    if random_clip:
        # seeded random weights saved once as a weights file and configured like a local file of real
        # weights: a start takes the path a real one takes
        weights = random_weights(settings.clip_model, Settings().clip_cache_dir)
        settings = settings.model_copy(update={"clip_pretrained": str(weights)})
    return settings


def start_once(random_clip: bool, cache_dir: Path, photo: Path) -> dict:
    """In this (fresh) process: load everything, warm up, answer one photo; its own and its children's peak RSS."""
    from core.reading.pipeline import Pipeline

    settings = settings_for(random_clip, cache_dir)
    pipeline = Pipeline.from_settings(settings)
    pipeline.analyze(photo.read_bytes())
    pipeline.close()
    return {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "child_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "scene": pipeline.models.scene is not None}


def timed_start(random_clip: bool, cache_dir: Path) -> dict:
    """A fresh process from its start to its first answer: seconds (wall, interpreter included) and peaks."""
    cmd = [sys.executable, __file__, "--start-only", str(cache_dir)] + (["--random-clip"] if random_clip else [])
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, check=True)
    return {"seconds": round(time.perf_counter() - t0, 2), **json.loads(done.stdout.decode().splitlines()[-1])}


def pct(values) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(values, 50)), 1), "p95_ms": round(float(np.percentile(values, 95)), 1)}


def deepface_emotion_stand_in(home: Path) -> None:
    """DeepFace's emotion CNN (its published Keras architecture: 48x48 grey → 7) with random weights,
    saved where DeepFace's onnx backend loads it, so DeepFace.analyze runs for timing."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits, nodes = [], []

    def w(name, shape):
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * 0.05).astype(np.float32), name))
        return name

    x = "t"
    nodes.append(helper.make_node("Transpose", ["x"], [x], perm=[0, 3, 1, 2]))
    layers = [("conv", 64, 1, 5), ("maxpool", 5, 2), ("conv", 64, 64, 3), ("conv", 64, 64, 3), ("avgpool", 3, 2),
              ("conv", 128, 64, 3), ("conv", 128, 128, 3), ("avgpool", 3, 2)]
    for i, layer in enumerate(layers):
        out = f"l{i}"
        if layer[0] == "conv":
            _, o, c, k = layer
            nodes.append(helper.make_node("Conv", [x, w(f"w{i}", (o, c, k, k)), w(f"b{i}", (o,))], [out + "c"]))
            nodes.append(helper.make_node("Relu", [out + "c"], [out]))
        else:
            op = "MaxPool" if layer[0] == "maxpool" else "AveragePool"
            nodes.append(helper.make_node(op, [x], [out], kernel_shape=[layer[1]] * 2, strides=[layer[2]] * 2))
        x = out
    nodes.append(helper.make_node("Flatten", [x], ["f"], axis=1))
    dims = [128, 1024, 1024, 7]
    x = "f"
    for j in range(3):
        nodes.append(helper.make_node("Gemm", [x, w(f"fw{j}", (dims[j] if j else 128, dims[j + 1])), w(f"fb{j}", (dims[j + 1],))], [f"d{j}"]))
        x = f"d{j}"
    nodes.append(helper.make_node("Softmax", [x], ["y"], axis=1))
    graph = helper.make_graph(nodes, "deepface_emotion_random", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 48, 48, 1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 7])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = home / ".deepface" / "weights" / "facial_expression_model_weights.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def baseline(data: list[bytes], clip_model: str, rounds: int) -> dict:
    """The seed-style pipeline, timed per photo: DeepFace.analyze + OpenCLIP encoding prompts per call."""
    import cv2
    import open_clip
    import torch
    from PIL import Image

    from core.emotions import LABELS

    os.environ["DEEPFACE_HOME"] = tempfile.mkdtemp(prefix="moodtune-baseline-")
    deepface_emotion_stand_in(Path(os.environ["DEEPFACE_HOME"]))
    from deepface import DeepFace

    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms(clip_model, pretrained=None)
    model.eval()
    tokenizer = open_clip.get_tokenizer(clip_model)
    prompts = [f"a photo that feels {label}" for label in LABELS]
    times = []

    def one(blob: bytes) -> None:
        bgr = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
        DeepFace.analyze(bgr, actions=["emotion"], enforce_detection=False, silent=True)
        with torch.no_grad():
            image = preprocess(Image.fromarray(bgr[:, :, ::-1])).unsqueeze(0)
            text = model.encode_text(tokenizer(prompts))
            img = model.encode_image(image)
            (img / img.norm(dim=-1, keepdim=True) @ (text / text.norm(dim=-1, keepdim=True)).T).softmax(dim=-1)

    one(data[0])  # warm
    for _ in range(rounds):
        for blob in data:
            t0 = time.perf_counter()
            one(blob)
            times.append((time.perf_counter() - t0) * 1000)
    return {"total_p50_ms": pct(times)["p50_ms"], "total_p95_ms": pct(times)["p95_ms"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the photo set")
    parser.add_argument("--random-clip", action="store_true", help="seeded random CLIP weights (timing only)")
    parser.add_argument("--baseline", action="store_true", help="also time the seed-style pipeline in this process")
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES, help="a folder of face photos to add")
    parser.add_argument("--n-faces", type=int, default=6)
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--start-only", type=Path, metavar="CACHE_DIR", help=argparse.SUPPRESS)  # one timed start (internal)
    args = parser.parse_args()
    if args.start_only:
        print(json.dumps(start_once(args.random_clip, args.start_only, DEMO[0])))
        return
    say = (lambda *a: None) if args.json else print

    settings = settings_for(args.random_clip)
    if args.random_clip:
        say(f"scene: {settings.clip_model} with RANDOM weights (timing only)")
    with tempfile.TemporaryDirectory(prefix="moodtune-bench-cache-") as empty:
        first = timed_start(args.random_clip, Path(empty))  # nothing prepared: the scene model is prepared now
        later = timed_start(args.random_clip, Path(empty))  # the same cache: a later start

    from core.reading.pipeline import Pipeline, load_models

    t0 = time.perf_counter()
    models = load_models(settings)
    if models.scene is None:
        say(f"scene: unavailable ({models.scene_reason})")
    pipeline = Pipeline(models, settings)
    pipeline.warm()
    data = photos(args.faces, args.n_faces)
    full_size_photos_data = full_size_photos(settings.clip_cache_dir.parent / "benchmark")
    pipeline.analyze(data[0])
    in_process = time.perf_counter() - t0

    def timed(blobs: list[bytes]) -> dict[str, dict[str, float]]:
        """p50/p95 of every stage over `args.rounds` passes over `blobs`."""
        timings: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for blob in blobs:
                for stage, ms in pipeline.analyze(blob).timings_ms.items():
                    timings.setdefault(stage, []).append(ms)
        return {s: pct(timings.get(s, [0.0])) for s in ("decode", "faces", "scene", "faces_and_scene", "color", "fusion", "total")}

    stages, full_size = timed(data), timed(full_size_photos_data)
    pipeline.close()
    report = {
        "photos": len(data), "rounds": args.rounds, "scene_model": settings.clip_model if models.scene else None,
        "face_detector": settings.face_detector,
        "face_models": [m.name for m in models.faces.models] if models.faces else [],
        "moodtune": {"total_p50_ms": stages["total"]["p50_ms"], "total_p95_ms": stages["total"]["p95_ms"], "stages": stages},
        "full_size": {"photos": len(full_size_photos_data), "total_p50_ms": full_size["total"]["p50_ms"],
                      "total_p95_ms": full_size["total"]["p95_ms"], "stages": full_size},
        "first_start_s": first["seconds"], "first_start_peak_rss_mb": first["peak_rss_mb"],
        "first_start_child_peak_rss_mb": first["child_peak_rss_mb"],
        "cold_start_s": later["seconds"], "cold_start_peak_rss_mb": later["peak_rss_mb"],
        "load_in_this_process_s": round(in_process, 2),
    }
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # before the baseline loads its models
    if args.baseline:
        report["baseline"] = baseline(data, settings.clip_model, args.rounds)
        report["ratio_p50"] = round(report["baseline"]["total_p50_ms"] / report["moodtune"]["total_p50_ms"], 2)
    if args.json:
        print(json.dumps(report))
        return
    print(f"photos: {len(data)} x {args.rounds} rounds; detector {report['face_detector']}; face models: {', '.join(report['face_models'])}")
    print(f"{'stage':<8}{'p50 ms':>9}{'p95 ms':>9}")
    for stage, v in stages.items():
        print(f"{stage:<8}{v['p50_ms']:>9.1f}{v['p95_ms']:>9.1f}")
    print(f"12-megapixel photos ({len(full_size_photos_data)}): total p50 {full_size['total']['p50_ms']:.1f} ms, "
          f"p95 {full_size['total']['p95_ms']:.1f} ms (decoding p50 {full_size['decode']['p50_ms']:.1f} ms)")
    print(f"first start to first answer (empty cache): {first['seconds']:.1f} s, peak RSS {first['peak_rss_mb']} MB "
          f"(the preparing child: {first['child_peak_rss_mb']} MB)")
    print(f"later start to first answer: {later['seconds']:.1f} s, peak RSS {later['peak_rss_mb']} MB")
    print(f"peak memory (max RSS) of this process reading the photos: {report['peak_rss_mb']} MB")
    if args.baseline:
        b = report["baseline"]
        print(f"baseline (DeepFace.analyze + OpenCLIP prompts per call): p50 {b['total_p50_ms']} ms, p95 {b['total_p95_ms']} ms "
              f"→ Moodtune is {report['ratio_p50']}x faster at p50")


if __name__ == "__main__":
    main()
