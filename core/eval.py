"""Evaluate Moodtune on labelled data: `python -m core.eval faces DIR` and `... music DIR`.

`music DIR` checks the emotion → music mapping against deezer_mood's listener valence/arousal
labels (see `evaluate_music`). `faces DIR` is described below.


DIR holds images and a `labels.csv` (file,label). Labels outside the 7 face labels are skipped and
counted. Reports what the seed papers report: n, accuracy, macro-F1, per-class precision / recall /
F1 and the confusion matrix (rows = truth, columns = prediction). Without `--face-crops` each image
goes through face detection first; images where no face is found count as wrong and are reported
as `no_face`.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

from core.emotions import FACE_LABELS, UnknownLabel, normalize_label
from core.images import ImageError, decode_image

NO_FACE = "no_face"


@dataclass
class ClassReport:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class EvalReport:
    n: int
    skipped: int
    unreadable: int
    no_face: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassReport]
    confusion: dict[str, dict[str, int]]
    calibration: Optional[dict] = None  # see `calibration()`; faces only


def score(truth: Sequence[str], predicted: Sequence[Optional[str]], skipped: int = 0, unreadable: int = 0) -> EvalReport:
    """Metrics over paired labels; a None prediction (no face found) counts as wrong."""
    labels = list(FACE_LABELS)
    idx = {lab: i for i, lab in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels) + 1), dtype=int)  # last column: no face
    for t, p in zip(truth, predicted):
        matrix[idx[t], idx[p] if p is not None else len(labels)] += 1
    n = int(matrix.sum())
    correct = int(np.trace(matrix[:, : len(labels)]))
    per_class: dict[str, ClassReport] = {}
    for i, lab in enumerate(labels):
        tp = matrix[i, i]
        predicted_as = matrix[:, i].sum()
        support = matrix[i].sum()
        precision = tp / predicted_as if predicted_as else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[lab] = ClassReport(round(float(precision), 4), round(float(recall), 4), round(float(f1), 4), int(support))
    present = [c for c in per_class.values() if c.support > 0]
    confusion = {
        t: {p: int(matrix[i, j]) for j, p in enumerate(labels + [NO_FACE]) if p != NO_FACE or matrix[:, -1].any()}
        for i, t in enumerate(labels)
    }
    return EvalReport(
        n=n,
        skipped=skipped,
        unreadable=unreadable,
        no_face=int(matrix[:, -1].sum()),
        accuracy=round(correct / n, 4) if n else 0.0,
        macro_f1=round(float(np.mean([c.f1 for c in present])), 4) if present else 0.0,
        per_class=per_class,
        confusion=confusion,
    )


def read_labels(folder: Path) -> tuple[list[tuple[Path, str]], int]:
    """(image path, face label) rows of DIR/labels.csv and the count of rows skipped."""
    rows, skipped = [], 0
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                label = normalize_label(row["label"])
            except UnknownLabel:
                skipped += 1
                continue
            if label not in FACE_LABELS:
                skipped += 1
                continue
            rows.append((folder / "images" / row["file"] if (folder / "images").is_dir() else folder / row["file"], label))
    return rows, skipped


def predict_faces(paths: Iterable[Path], face_crops: bool, analyzer) -> tuple[list[Optional[str]], list[bool], list[float]]:
    """Per image: the predicted label (None when no face), whether it could be read, and the
    ensemble's probability for that label (0 when no face)."""
    predictions: list[Optional[str]] = []
    readable: list[bool] = []
    top: list[float] = []
    for path in paths:
        try:
            image = decode_image(path.read_bytes())
        except (ImageError, OSError):
            predictions.append(None)
            readable.append(False)
            top.append(0.0)
            continue
        readable.append(True)
        if face_crops:
            probs = analyzer.classify([image.rgb])[0]
            predictions.append(FACE_LABELS[int(np.argmax(probs))])
            top.append(float(np.max(probs)))
        else:
            faces = analyzer.analyze(image.rgb)
            predictions.append(faces[0].label if faces else None)
            top.append(faces[0].probs[faces[0].label] if faces else 0.0)
    return predictions, readable, top


def _ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |accuracy - confidence| averaged over 10 equal-width bins."""
    error = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        in_bin = (confidence > lo) & (confidence <= lo + 1 / bins)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def _fit_platt(p: np.ndarray, correct: np.ndarray) -> tuple[float, float]:
    """(A, B) of sigmoid(A * logit(p) + B) with the least log-loss, by grid search."""
    logit = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
    best = (np.inf, 1.0, 0.0)
    for a in np.linspace(0.2, 2.0, 37):
        for b in np.linspace(-1.5, 1.5, 61):
            q = np.clip(1 / (1 + np.exp(-(a * logit + b))), 1e-9, 1 - 1e-9)
            loss = -np.mean(correct * np.log(q) + (1 - correct) * np.log(1 - q))
            if loss < best[0]:
                best = (loss, float(a), float(b))
    return best[1], best[2]


def calibration(top: Sequence[float], correct: Sequence[bool], folds: int = 5, seed: int = 0) -> dict:
    """How well the face confidence matches accuracy (ECE, 10 bins), over images with a face.

    `raw`: the ensemble's top probability; `shipped`: core.fusion's Platt scaling with its
    constants; `refit`: Platt scaling fitted here by log-loss, with its `folds`-fold
    cross-validated ECE — what produced the shipped constants.
    """
    from core.fusion import calibrate_face_confidence

    p, ok = np.asarray(top, dtype=float), np.asarray(correct, dtype=float)
    shipped = np.array([calibrate_face_confidence(x) for x in p])
    order = np.random.default_rng(seed).permutation(len(p))
    cv_errors = []
    for k, test in enumerate(np.array_split(order, folds)):
        train = np.concatenate([f for j, f in enumerate(np.array_split(order, folds)) if j != k])
        a, b = _fit_platt(p[train], ok[train])
        logit = np.log(np.clip(p[test], 1e-6, 1 - 1e-6) / (1 - np.clip(p[test], 1e-6, 1 - 1e-6)))
        cv_errors.append(_ece(1 / (1 + np.exp(-(a * logit + b))), ok[test]))
    a, b = _fit_platt(p, ok)
    return {
        "n": len(p),
        "ece_raw": round(_ece(p, ok), 4),
        "ece_shipped": round(_ece(shipped, ok), 4),
        "refit": {"a": round(a, 3), "b": round(b, 3), "ece_cv": round(float(np.mean(cv_errors)), 4)},
    }


def format_report(report: EvalReport) -> str:
    lines = [
        f"n={report.n}  skipped={report.skipped}  unreadable={report.unreadable}  no_face={report.no_face}",
        f"accuracy={report.accuracy:.3f}  macro_f1={report.macro_f1:.3f}",
        "",
        f"{'class':<10}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}",
    ]
    for lab, c in report.per_class.items():
        lines.append(f"{lab:<10}{c.precision:>10.3f}{c.recall:>8.3f}{c.f1:>8.3f}{c.support:>9}")
    cols = list(next(iter(report.confusion.values())).keys())
    lines += ["", "confusion (rows: truth, columns: predicted)", " " * 10 + "".join(f"{c[:7]:>8}" for c in cols)]
    for t, row in report.confusion.items():
        lines.append(f"{t:<10}" + "".join(f"{row[c]:>8}" for c in cols))
    if report.calibration:
        c = report.calibration
        lines += ["", f"confidence calibration error (ECE, 10 bins, n={c['n']}): raw {c['ece_raw']:.3f}, "
                      f"shipped {c['ece_shipped']:.3f}; refit a={c['refit']['a']} b={c['refit']['b']} "
                      f"(5-fold CV ECE {c['refit']['ece_cv']:.3f})"]
    return "\n".join(lines)


def evaluate_faces(folder: Path, face_crops: bool, analyzer_factory: Callable[[], object]) -> EvalReport:
    rows, skipped = read_labels(folder)
    predictions, readable, top = predict_faces((p for p, _ in rows), face_crops, analyzer_factory())
    kept = [(t, p, c) for (_, t), p, ok, c in zip(rows, predictions, readable, top) if ok]
    report = score([t for t, _, _ in kept], [p for _, p, _ in kept], skipped=skipped, unreadable=readable.count(False))
    with_face = [(t == p, c) for t, p, c in kept if p is not None]
    if len(with_face) >= 10:
        report.calibration = calibration([c for _, c in with_face], [ok for ok, _ in with_face])
    return report


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x)).astype(float)


def correlations(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Pearson and Spearman correlation of two equally long arrays."""
    return {
        "pearson": round(float(np.corrcoef(a, b)[0, 1]), 3),
        "spearman": round(float(np.corrcoef(_ranks(a), _ranks(b))[0, 1]), 3),
    }


def evaluate_music(deezer_dir: Path, catalog, top: int = 50) -> dict:
    """How catalog features agree with listeners' valence/arousal labels (deezer_mood).

    Songs are matched on normalised (title, artist). Reports the correlations of catalog valence
    with Deezer valence and of energy/tempo/etc. with Deezer arousal, and, for each label, the
    mean Deezer valence/arousal of the `top` matched songs our mapping ranks best for it.
    """
    from core.catalog import Catalog, dedupe_key
    from core.emotions import VA_POINTS
    from core.music import target_for_label
    from core.recommender import Recommender

    labels: dict[tuple[str, str], tuple[float, float]] = {}
    for name in ("train", "validation", "test"):
        path = deezer_dir / f"{name}.csv"
        if not path.is_file():
            continue
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                labels[dedupe_key(row["track_name"], row["artist_name"])] = (float(row["valence"]), float(row["arousal"]))
    matched = [(t, labels[dedupe_key(t.title, t.artist)]) for t in catalog.tracks if dedupe_key(t.title, t.artist) in labels]
    if len(matched) < 10:
        raise SystemExit(f"only {len(matched)} songs matched between the catalog and {deezer_dir}")
    sub = Catalog.from_tracks(t for t, _ in matched)
    dz = np.array([va for _, va in matched])
    feats = {f: np.array([getattr(t, f) for t, _ in matched], dtype=float) for f in ("valence", "energy", "tempo", "danceability", "acousticness")}
    out = {
        "deezer_songs": len(labels),
        "matched": len(matched),
        "valence_vs_valence": correlations(feats["valence"], dz[:, 0]),
        "arousal": {f: correlations(feats[f], dz[:, 1]) for f in ("energy", "tempo", "danceability", "acousticness")},
        "valence_vs_arousal": correlations(feats["valence"], dz[:, 1]),
        "energy_vs_valence": correlations(feats["energy"], dz[:, 0]),
    }
    ranker = Recommender(sub)
    per_label = {}
    for label in VA_POINTS:
        best = np.argsort(-ranker.match_scores(target_for_label(label)))[:top]
        per_label[label] = {"target": [VA_POINTS[label].valence, VA_POINTS[label].arousal],
                            "deezer_mean": [round(float(dz[best, 0].mean()), 3), round(float(dz[best, 1].mean()), 3)]}
    out["per_label"] = per_label
    targets = np.array([v["target"] for v in per_label.values()])
    means = np.array([v["deezer_mean"] for v in per_label.values()])
    out["label_agreement"] = {"valence": correlations(targets[:, 0], means[:, 0]), "arousal": correlations(targets[:, 1], means[:, 1])}
    return out


def _default_analyzer():
    from core.settings import get_settings
    from models.faces import build_face_analyzer

    return build_face_analyzer(get_settings())[0]


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.eval", description="Evaluate Moodtune's models on labelled data.")
    sub = parser.add_subparsers(dest="task", required=True)
    faces = sub.add_parser("faces", help="face-emotion accuracy on DIR with labels.csv (file,label)")
    faces.add_argument("dir", type=Path)
    faces.add_argument("--face-crops", action="store_true", help="images are already-cropped faces: skip detection")
    faces.add_argument("--json", action="store_true", help="print one JSON object")
    music = sub.add_parser("music", help="bundled catalog features vs deezer_mood valence/arousal labels")
    music.add_argument("dir", type=Path, help="folder with deezer_mood train/validation/test.csv")
    music.add_argument("--top", type=int, default=50, help="songs per label in the mapping check")
    args = parser.parse_args(argv)

    if args.task == "music":
        from core.catalog import Catalog

        print(json.dumps(evaluate_music(args.dir, Catalog.bundled(), args.top), indent=1))
        return 0
    if not (args.dir / "labels.csv").is_file():
        parser.error(f"{args.dir / 'labels.csv'} not found")
    report = evaluate_faces(args.dir, args.face_crops, _default_analyzer)
    if args.json:
        print(json.dumps(asdict(report)))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
