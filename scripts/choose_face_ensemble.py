"""Choose the face-expression ensemble on two labelled sets together, and report each set.

    python scripts/choose_face_ensemble.py FACES_DEV_DIR FER2013_PUBLIC_DIR [--write] [--json]

Both folders hold images and a labels.csv (file,label). faces-dev's photos are read the way the
bot reads a photo — the default detector finds the face and turns it upright by the eyes (where it
finds none, the whole photo is the crop); FER2013's 48-px images are already face crops and are
read as such (as `python -m evaluation faces DIR --face-crops` reads them).
For each bundled model (`models.faces.BUNDLED_MODELS` whose weights are there: the FER2013
mini-Xception, face-api.js's expression net, the net trained here by scripts/train_face_model.py),
with and without mirror test-time augmentation, the script computes 7-class probabilities once,
then searches the weights of a weighted average (steps of 0.1 over every subset of models) for the
best *mean over the two sets* of (accuracy + macro-F1) / 2, so neither set decides alone (within
TIE of the best, the ensemble with fewer models wins: every model costs time on every face). It
reports every single model and the chosen ensemble on each set, plus a cross-check: weights chosen
on one set, scored on the other (the honest number; the joint choice is in-sample on both).
Then it fits the confidence calibration (Platt scaling of the ensemble's top probability, on both
sets pooled) and reports its 5-fold cross-validated ECE per set.

--write stores the choice in models/weights/face_ensemble.json, which models.faces reads. Once a
bundled net has learned from faces-dev's training half (train_face_model.py --photos), the honest
choice is `--write --half report`: chosen and calibrated on the other half and PublicTest. The
shipped one net: `--write --half report --max-nets 1`. The hand-set keys ("crowd", "teacher" — the
ensemble train_face_model.py --teacher distils —, "int8") are kept as they are.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.emotions import FACE_LABELS  # noqa: E402
from evaluation.eval import ece, fit_platt, read_labels, score  # noqa: E402
from core.reading.images import ImageError, decode_image  # noqa: E402
from models.faces import BUNDLED_MODELS, ENSEMBLE_PATH, WEIGHTS, BlazeFaceDetector, FerCnnEmotion, bundled_model  # noqa: E402

# every bundled model whose weights are there (the trained one appears once the training script has run)
MODELS = {stem: (lambda tta, stem=stem: bundled_model(stem, tta)) for stem in BUNDLED_MODELS if (WEIGHTS / f"{stem}.onnx").is_file()}


def load_set(folder: Path, detect: bool, half: str | None = None) -> tuple[list[np.ndarray], np.ndarray, int]:
    """Face crops (made by the detector when `detect`), their labels, and how many the detector made;
    with `half`, only that half of the photos (evaluation.eval.person_half)."""
    detector = BlazeFaceDetector() if detect else None
    rows, _ = read_labels(folder, half)
    crops, labels, detected = [], [], 0
    for path, label in rows:
        try:
            rgb = decode_image(path.read_bytes()).rgb
        except (ImageError, OSError):
            continue
        faces = detector.detect(rgb) if detector else []
        crops.append(max(faces, key=lambda f: f.box[2] * f.box[3]).crop if faces else rgb)
        detected += bool(faces)
        labels.append(FACE_LABELS.index(label))
    return crops, np.array(labels), detected


def predictions(crops: list[np.ndarray]) -> dict[tuple[str, bool], np.ndarray]:
    out = {}
    for name, make in MODELS.items():
        for tta in (False, True):
            model = make(tta)
            out[(name, tta)] = np.concatenate([model.predict(crops[i : i + 64]) for i in range(0, len(crops), 64)])
    return out


def metrics(probs: np.ndarray, truth: np.ndarray) -> dict:
    report = score([FACE_LABELS[t] for t in truth], [FACE_LABELS[p] for p in probs.argmax(1)])
    return {"accuracy": report.accuracy, "macro_f1": report.macro_f1,
            "recall": {label: c.recall for label, c in report.per_class.items()}}


def objective(m: dict) -> float:
    return (m["accuracy"] + m["macro_f1"]) / 2


MAX_NETS = 3  # every net costs time on every face (issue 19: the ensemble stays at three at most)


def candidates(max_nets: int = MAX_NETS):
    """(tta, weights) for every subset of at most `max_nets` models, weights in steps of 0.1 summing to 1."""
    names = list(MODELS)
    grid = [w for w in itertools.product(range(11), repeat=len(names)) if sum(w) == 10 and sum(map(bool, w)) <= max_nets]
    for tta in (False, True):
        for w in grid:
            yield tta, {n: k / 10 for n, k in zip(names, w) if k}


def combine(preds: dict, tta: bool, weights: dict[str, float]) -> np.ndarray:
    return sum(w * preds[(n, tta)] for n, w in weights.items())


TIE = 0.003  # within this of the best objective, fewer models win: each costs time on every face


def best(sets: list[tuple[dict, np.ndarray]], max_nets: int = MAX_NETS) -> tuple[bool, dict, float]:
    scored = [(float(np.mean([objective(metrics(combine(p, tta, w), t)) for p, t in sets])), tta, w)
              for tta, w in candidates(max_nets)]
    top = max(v for v, _, _ in scored)
    value, tta, weights = max((c for c in scored if c[0] >= top - TIE), key=lambda c: (-len(c[2]), c[0]))
    return tta, weights, value


def calibration(sets: dict[str, tuple[np.ndarray, np.ndarray]], folds: int = 5, seed: int = 0) -> dict:
    """Platt scaling on both sets pooled; ECE raw and cross-validated, per set."""
    top = {k: p.max(1) for k, (p, _) in sets.items()}
    ok = {k: (p.argmax(1) == t).astype(float) for k, (p, t) in sets.items()}
    all_p = np.concatenate(list(top.values()))
    all_ok = np.concatenate(list(ok.values()))
    which = np.concatenate([[k] * len(v) for k, v in top.items()])
    order = np.random.default_rng(seed).permutation(len(all_p))
    calibrated = np.zeros(len(all_p))
    for k, test in enumerate(np.array_split(order, folds)):
        train = np.setdiff1d(order, test)
        a, b = fit_platt(all_p[train], all_ok[train])
        logit = np.log(np.clip(all_p[test], 1e-6, 1 - 1e-6) / (1 - np.clip(all_p[test], 1e-6, 1 - 1e-6)))
        calibrated[test] = 1 / (1 + np.exp(-(a * logit + b)))
    a, b = fit_platt(all_p, all_ok)
    per_set = {k: {"ece_raw": round(ece(top[k], ok[k]), 4), "ece_calibrated_cv": round(ece(calibrated[which == k], ok[k]), 4)}
               for k in sets}
    return {"a": round(a, 3), "b": round(b, 3), "per_set": per_set}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("faces_dev", type=Path)
    parser.add_argument("fer_public", type=Path)
    parser.add_argument("--write", action="store_true", help=f"store the choice in {ENSEMBLE_PATH}")
    parser.add_argument("--max-nets", type=int, default=MAX_NETS,
                        help="at most this many nets vote (1: the best single net, to compare one net with the shipped three)")
    parser.add_argument("--candidate", type=Path, action="append", default=[],
                        help="a 48-px grey net of one's own (train_face_model.py's output) to score beside the bundled ones")
    parser.add_argument("--half", choices=("train", "report"),
                        help="only this half of faces-dev (split by person): a net trained on one half is scored on the other")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.write and (args.candidate or args.half == "train"):
        parser.error("--write chooses the shipped ensemble from the bundled nets only, on both whole sets or, "
                     "with --half report, on the half of faces-dev no bundled net was trained on")
    for path in args.candidate:  # scored (and eligible) like a bundled net; --write would name a file outside weights/
        MODELS[path.stem] = lambda tta, path=path: FerCnnEmotion(path, tta=tta)
    names = {"faces-dev": args.faces_dev, "fer2013-public": args.fer_public}
    data = {}
    for key, folder in names.items():
        crops, truth, detected = load_set(folder, detect=key == "faces-dev", half=args.half if key == "faces-dev" else None)
        data[key] = (predictions(crops), truth)
        print(f"{key}: {len(crops)} faces, {detected} found by the detector", file=sys.stderr)
    table = {}
    for (name, tta) in data["faces-dev"][0]:
        table[f"{name}{'+flip' if tta else ''}"] = {k: metrics(p[(name, tta)], t) for k, (p, t) in data.items()}
    tta, weights, value = best(list(data.values()), args.max_nets)
    chosen = {k: metrics(combine(p, tta, weights), t) for k, (p, t) in data.items()}
    label = " + ".join(f"{w:.1f}×{n}" for n, w in weights.items()) + (" (+flip)" if tta else "")
    table[f"chosen: {label}"] = chosen
    cross = {}
    for fit_on, score_on in (("faces-dev", "fer2013-public"), ("fer2013-public", "faces-dev")):
        c_tta, c_w, _ = best([data[fit_on]], args.max_nets)
        cross[f"chosen on {fit_on}, scored on {score_on}"] = {
            "ensemble": " + ".join(f"{w:.1f}×{n}" for n, w in c_w.items()) + (" (+flip)" if c_tta else ""),
            **metrics(combine(data[score_on][0], c_tta, c_w), data[score_on][1])}
    calib = calibration({k: (combine(p, tta, weights), t) for k, (p, t) in data.items()})
    report = {"table": table, "cross_check": cross, "chosen": {"tta": tta, "weights": weights, "objective": round(value, 4)},
              "calibration": calib}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{'model':<58}" + "".join(f"{k + ' acc':>20}{'F1':>7}" for k in names))
        for name, row in table.items():
            print(f"{name:<58}" + "".join(f"{row[k]['accuracy']:>20.3f}{row[k]['macro_f1']:>7.3f}" for k in names))
        for name, row in cross.items():
            print(f"{name}: {row['ensemble']} → accuracy {row['accuracy']:.3f}, macro-F1 {row['macro_f1']:.3f}")
        print(f"calibration: a={calib['a']} b={calib['b']} " + ", ".join(
            f"{k}: ECE raw {v['ece_raw']:.3f} → {v['ece_calibrated_cv']:.3f} (5-fold CV)" for k, v in calib["per_set"].items()))
    if args.write:
        kept = {k: v for k, v in json.loads(ENSEMBLE_PATH.read_text()).items() if k in ("crowd", "teacher", "int8", "int8_why")}  # chosen by hand
        ENSEMBLE_PATH.write_text(json.dumps({
            "weights": weights, "tta": tta, "calibration": {"a": calib["a"], "b": calib["b"]},
            "chosen_by": f"scripts/choose_face_ensemble.py on {'faces-dev' if not args.half else 'the report half of faces-dev'}"
                         f" and FER2013 PublicTest together{f', at most {args.max_nets} net' if args.max_nets == 1 else ''}",
            **kept,
        }, indent=1) + "\n")
        print(f"wrote {ENSEMBLE_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
