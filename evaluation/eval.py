"""Evaluate Moodtune on labelled data: `python -m evaluation faces DIR`, `... music DIR`, `... mapping DIR`.

`mapping DIR` (the music data folder) fits the mood models on 4 artists in 5 and reports, on the
fifth, how well they rank songs humans filed under each mood — beside the hand-written mapping of
the previous release (see `evaluate_mapping`). `music DIR` checks catalog features against
deezer_mood's listener valence/arousal labels (see `evaluate_music`). `faces DIR` is described below.


DIR holds images and a `labels.csv` (file,label). Labels outside the 7 face labels are skipped and
counted. Reports what the seed papers report: n, accuracy, macro-F1, per-class precision / recall /
F1 and the confusion matrix (rows = truth, columns = prediction). Without `--face-crops` each image
goes through face detection first; images where no face is found count as wrong and are reported
as `no_face`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

from core.emotions import FACE_LABELS, UnknownLabel, normalize_label
from core.reading.images import ImageError, decode_image

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


def person_half(file_name: str) -> str:
    """"train" or "report": the half of a labelled face set a photo belongs to, by a hash of the person
    it shows ("George_W_Bush_0012.jpg" and "Dwarakish_7.jpg" name theirs before the number), so no
    person's face is learned from in one half and scored in the other, and the halves never move."""
    match = re.match(r"(.+)_\d+k?\.\w+$", file_name)
    person = match.group(1) if match else file_name
    return "train" if hashlib.sha1(person.encode()).digest()[0] % 2 == 0 else "report"


def read_labels(folder: Path, half: Optional[str] = None) -> tuple[list[tuple[Path, str]], int]:
    """(image path, face label) rows of DIR/labels.csv and the count of rows skipped; with `half`,
    only the photos of that half (`person_half`)."""
    rows, skipped = [], 0
    with open(folder / "labels.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if half is not None and person_half(row["file"]) != half:
                continue
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
            faces = analyzer.analyze(image.rgb).faces
            predictions.append(faces[0].label if faces else None)
            top.append(faces[0].probs[faces[0].label] if faces else 0.0)
    return predictions, readable, top


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |accuracy - confidence| averaged over 10 equal-width bins."""
    error = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        in_bin = (confidence > lo) & (confidence <= lo + 1 / bins)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def fit_platt(p: np.ndarray, correct: np.ndarray) -> tuple[float, float]:
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

    `raw`: the ensemble's top probability; `shipped`: core.reading.fusion's Platt scaling with its
    constants; `refit`: Platt scaling fitted here by log-loss, with its `folds`-fold
    cross-validated ECE — what produced the shipped constants.
    """
    from core.reading.fusion import calibrate_face_confidence

    p, ok = np.asarray(top, dtype=float), np.asarray(correct, dtype=float)
    shipped = np.array([calibrate_face_confidence(x) for x in p])
    order = np.random.default_rng(seed).permutation(len(p))
    cv_errors = []
    for k, test in enumerate(np.array_split(order, folds)):
        train = np.concatenate([f for j, f in enumerate(np.array_split(order, folds)) if j != k])
        a, b = fit_platt(p[train], ok[train])
        logit = np.log(np.clip(p[test], 1e-6, 1 - 1e-6) / (1 - np.clip(p[test], 1e-6, 1 - 1e-6)))
        cv_errors.append(ece(1 / (1 + np.exp(-(a * logit + b))), ok[test]))
    a, b = fit_platt(p, ok)
    return {
        "n": len(p),
        "ece_raw": round(ece(p, ok), 4),
        "ece_shipped": round(ece(shipped, ok), 4),
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


def evaluate_faces(folder: Path, face_crops: bool, analyzer_factory: Callable[[], object],
                   half: Optional[str] = None) -> EvalReport:
    rows, skipped = read_labels(folder, half)
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
    from core.music.catalog import Catalog, dedupe_key
    from core.emotions import VA_POINTS
    from core.music.targets import target_for_label
    from core.music.recommender import Recommender

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


# --- the emotion → music mapping ------------------------------------------------------------

def handwritten_scores(tracks, label: str) -> np.ndarray:
    """The previous release's hand-written mapping, frozen here as the baseline: target features
    from the label's circumplex point (valence → valence and major key; arousal → energy, tempo,
    less acoustic) with its label adjustments, scored by exp(-weighted squared distance / 0.12)."""
    from core.emotions import VA_POINTS

    p = VA_POINTS[label]
    v, a = p.valence, p.arousal
    clip = lambda x: min(1.0, max(0.0, x))  # noqa: E731
    t = {"valence": clip(0.5 + 0.45 * v), "energy": clip(0.5 + 0.45 * a), "tempo": 115.0 + 35.0 * a, "major": clip(0.5 + 0.4 * v),
         "acousticness": clip(0.35 - 0.35 * a), "danceability": clip(0.55 + 0.15 * v + 0.15 * a)}
    adjust = {"nostalgic": {"acousticness": 0.15}, "romantic": {"acousticness": 0.2, "tempo": -10.0, "danceability": -0.05},
              "calm": {"acousticness": 0.15}, "energetic": {"danceability": 0.1}, "sad": {"acousticness": 0.1},
              "angry": {"acousticness": -0.15}}.get(label, {})
    for k, d in adjust.items():
        t[k] = t[k] + d if k == "tempo" else clip(t[k] + d)
    m = np.array([[x.valence, x.energy, min(x.tempo, 200.0) / 200.0, 0.5 if x.mode is None else float(x.mode), x.acousticness,
                   x.danceability] for x in tracks], dtype=np.float32).reshape(len(tracks), 6)
    target = np.array([t["valence"], t["energy"], min(t["tempo"], 200.0) / 200.0, t["major"], t["acousticness"], t["danceability"]])
    score = np.exp(-((m - target) ** 2 @ np.array([3.0, 3.0, 1.0, 0.4, 1.0, 0.6])) / 0.12)
    if label == "romantic":
        score *= 1.0 - 0.3 * np.array([x.instrumentalness for x in tracks])
    if label == "nostalgic":
        score *= np.where(np.isin([x.era or 0 for x in tracks], (1960, 1970, 1980)), 1.0, 0.4)
    return score


def _ranking_metrics(scores: np.ndarray, positive: np.ndarray) -> dict:
    from evaluation.mood_fit import precision_at, roc_auc

    auc, p10 = roc_auc(scores, positive), precision_at(scores, positive, 10)
    return {"auc": None if auc is None else round(auc, 3), "p_at_10": None if p10 is None else round(p10, 2)}


def _cv_score(train, va_train, catalog, use_genre: bool, folds: int = 5) -> float:
    """Mean held-out AUC over labels and datasets, folds by artist within the training artists only."""
    import zlib

    from evaluation.mood_fit import fit, roc_auc
    from core.music.mood_model import LEARNED, features

    fold_of = lambda e: zlib.crc32(f"cv:{e.artist}".encode()) % folds if e.artist else -1  # noqa: E731
    aucs = []
    for k in range(folds):
        tr = [e for e in train if fold_of(e) != k]
        te = [e for e in train if fold_of(e) == k]
        model = fit(tr, [e for e in va_train if fold_of(e) != k], catalog, use_genre=use_genre)
        scores = model.learned(features([e.track for e in te]))
        for ds in {e.dataset for e in te}:
            rows = np.array([e.dataset == ds for e in te])
            for label in LEARNED:
                pos = np.array([label in e.labels for e in te])[rows]
                if label in next(e.vocabulary for e in te if e.dataset == ds):
                    auc = roc_auc(scores[label][rows], pos)
                    if auc is not None:
                        aucs.append(auc)
    return float(np.mean(aucs))


def evaluate_mapping(folder: Path, catalog, learner: str = "logistic") -> dict:
    """Fit the mood models on 4 artists in 5 (evaluation.mood_fit.is_held_out), report on the fifth.

    Per dataset and label: precision@10 and ROC-AUC of ranking that dataset's held-out songs by
    the learned score, and by the previous hand-written mapping; rule labels scored on the tags
    that exist for them (playmood); listener valence/arousal agreement on held-out deezer_mood
    songs; and where the seed paper's examples rank in the shipped ranking of the whole catalog.
    Whether genre features are used is chosen by cross-validation on the training artists only.
    `learner` "trees" or "blend" swaps the learned labels for evaluation.mood_trees' (an experiment).
    """
    from core.emotions import LABELS
    from evaluation.mood_fit import fit, load_examples, load_va_examples, split
    from core.music.listening import list_scores
    from core.music.mood_model import LEARNED, RULES, features
    from core.music.recommender import Recommender
    from evaluation.top import seed_ranks

    examples, va_examples = load_examples(folder, catalog), load_va_examples(folder, catalog)
    train, test = split(examples)
    va_train, va_test = split(va_examples)
    cv = {"with_genre": round(_cv_score(train, va_train, catalog, True), 4),
          "audio_only": round(_cv_score(train, va_train, catalog, False), 4)}
    use_genre = cv["with_genre"] >= cv["audio_only"]
    model = fit(train, va_train, catalog, use_genre=use_genre)
    if learner != "logistic":
        from evaluation.mood_trees import with_learner

        model = with_learner(model, train, learner)
    x = features([e.track for e in test])
    decades = np.array([e.track.era or 0 for e in test], dtype=np.int32)
    scores = model.label_scores(x, decades)
    listed = list_scores(model, [e.track for e in test], x, decades)  # what lists rank by (× typicality, × sound rules)
    out: dict = {
        "rows": {"train": len(train), "test": len(test), "unknown_artist_train_only": sum(e.artist is None for e in examples)},
        "artists": {"train": len({e.artist for e in train if e.artist}), "test": len({e.artist for e in test})},
        "shared_artists": len({e.artist for e in train if e.artist} & {e.artist for e in test}),
        "cv_mean_auc": cv, "use_genre": use_genre, "learner": learner, "datasets": {},
    }
    groups = sorted({e.dataset for e in test}) + ["all"]
    for ds in groups:
        rows = np.array([ds in ("all", e.dataset) for e in test])
        subset = [e for e, keep in zip(test, rows) if keep]
        vocab = set().union(*(e.vocabulary for e in subset)) if subset else set()
        report = {}
        for label in [lab for lab in LEARNED if lab in vocab]:
            known = np.array([label in e.vocabulary for e in subset])
            pos = np.array([label in e.labels for e in subset])[known]
            if pos.sum() == 0:
                continue
            learned = scores[rows][known][:, LABELS.index(label)]
            typical = listed[rows][known][:, LABELS.index(label)]
            hand = handwritten_scores([e.track for e, k in zip(subset, known) if k], label)
            report[label] = {"n": int(known.sum()), "positives": int(pos.sum()), "base_rate": round(float(pos.mean()), 3),
                             "learned": _ranking_metrics(learned, pos), "listed": _ranking_metrics(typical, pos),
                             "handwritten": _ranking_metrics(hand, pos)}
        for label in RULES:
            tagged = [("rule_labels" in e.extra) for e in subset]
            if not any(tagged):
                continue
            pos = np.array([label in e.extra.get("rule_labels", ()) for e, t in zip(subset, tagged) if t])
            if pos.sum() < 5:
                continue
            rule = scores[rows][np.array(tagged)][:, LABELS.index(label)]
            rule_listed = listed[rows][np.array(tagged)][:, LABELS.index(label)]
            hand = handwritten_scores([e.track for e, t in zip(subset, tagged) if t], label)
            report[label] = {"n": int(len(pos)), "positives": int(pos.sum()), "base_rate": round(float(pos.mean()), 3), "rule": True,
                             "learned": _ranking_metrics(rule, pos), "listed": _ranking_metrics(rule_listed, pos),
                             "handwritten": _ranking_metrics(hand, pos)}
        out["datasets"][ds] = report
    if va_test:
        truth = np.array([(e.valence, e.arousal) for e in va_test])
        pred = model.va(features([e.track for e in va_test]))
        out["valence_arousal"] = {
            "n_test": len(va_test),
            "learned": {"valence_r": round(float(np.corrcoef(pred[:, 0], truth[:, 0])[0, 1]), 3),
                        "arousal_r": round(float(np.corrcoef(pred[:, 1], truth[:, 1])[0, 1]), 3)},
            "raw_features": {"valence_r": round(float(np.corrcoef([e.track.valence for e in va_test], truth[:, 0])[0, 1]), 3),
                             "energy_vs_arousal_r": round(float(np.corrcoef([e.track.energy for e in va_test], truth[:, 1])[0, 1]), 3)},
        }
    # the sanity check a user makes: the shipped ranking (shipped model, no ratings) over the whole catalog
    out["seed_examples"] = seed_ranks(catalog, Recommender(catalog), frozenset(e.track.id for e in examples))
    return out


def format_mapping(report: dict) -> str:
    lines = [f"held-out by artist: {report['rows']['test']} rows of {report['artists']['test']} artists "
             f"(train {report['rows']['train']} rows, {report['artists']['train']} artists, shared {report['shared_artists']}); "
             f"learner: {report.get('learner', 'logistic')}; genre features: {'on' if report['use_genre'] else 'off'} (train-artist CV AUC {report['cv_mean_auc']})", ""]
    lines.append(f"{'dataset':<24}{'label':<11}{'n':>6}{'pos':>6}{'base':>6}  {'AUC learned':>11}{'listed':>7}{'hand':>7}  "
                 f"{'P@10 learned':>12}{'listed':>7}{'hand':>7}")
    fmt = lambda v: "  -" if v is None else f"{v:.2f}"  # noqa: E731
    for ds, labels in report["datasets"].items():
        for label, r in labels.items():
            lines.append(f"{ds:<24}{label + (' (rule)' if r.get('rule') else ''):<11}{r['n']:>6}{r['positives']:>6}{r['base_rate']:>6.2f}  "
                         f"{fmt(r['learned']['auc']):>11}{fmt(r.get('listed', {}).get('auc')):>7}{fmt(r['handwritten']['auc']):>7}  "
                         f"{fmt(r['learned']['p_at_10']):>12}{fmt(r.get('listed', {}).get('p_at_10')):>7}{fmt(r['handwritten']['p_at_10']):>7}")
    if "valence_arousal" in report:
        va = report["valence_arousal"]
        lines += ["", f"deezer_mood held-out ({va['n_test']} songs): predicted valence r {va['learned']['valence_r']}, "
                      f"arousal r {va['learned']['arousal_r']}; raw Spotify valence r {va['raw_features']['valence_r']}, "
                      f"energy vs arousal r {va['raw_features']['energy_vs_arousal_r']}"]
    lines += ["", "seed examples in the shipped ranking (whole catalog, no ratings):"]
    for s in report["seed_examples"]:
        where = "not in the catalog" if s["rank"] is None else f"{s['rank']:,} of {s['of']:,}" + (" (in training labels)" if s.get("in_training_labels") else "")
        lines.append(f"  {s['mood']:<9}{s['song']}: {where}")
    return "\n".join(lines)


def _default_analyzer():
    from core.settings import get_settings
    from models.faces import build_face_analyzer

    return build_face_analyzer(get_settings())[0]


async def corrections_report(db: Optional[str] = None) -> dict:
    """The confusion people report: for each mood the bot said, how often its sender chose another
    and which, from the store the bot writes (`--db`, else MOODTUNE_DB)."""
    from core.settings import get_settings
    from core.store import open_store

    store = await open_store(db or get_settings().db_path)
    try:
        rows = await store.readings.corrections()
    finally:
        await store.close()
    said: dict[str, dict[str, int]] = {}
    for s, c, n in rows:
        said.setdefault(s, {})[c] = n
    return {"total": sum(n for _, _, n in rows),
            "by_said": {s: {"total": sum(c.values()), "into": dict(sorted(c.items(), key=lambda kv: -kv[1]))} for s, c in said.items()}}


def format_corrections(report: dict) -> str:
    if not report["total"]:
        return "No corrections yet: nobody has pressed 'Not this mood?' and chosen another mood."
    lines = [f"{report['total']} corrections ('Not this mood?'): the mood I said → what its sender chose"]
    for s, r in sorted(report["by_said"].items(), key=lambda kv: -kv[1]["total"]):
        lines.append(f"  {s:<10} {r['total']:>4}  → " + ", ".join(f"{c} {n}" for c, n in r["into"].items()))
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    from evaluation.mood_trees import LEARNERS

    parser = argparse.ArgumentParser(prog="python -m evaluation", description="Evaluate Moodtune's models on labelled data.")
    sub = parser.add_subparsers(dest="task", required=True)
    faces = sub.add_parser("faces", help="face-emotion accuracy on DIR with labels.csv (file,label)")
    faces.add_argument("dir", type=Path)
    faces.add_argument("--face-crops", action="store_true", help="images are already-cropped faces: skip detection")
    faces.add_argument("--half", choices=("train", "report"),
                       help="only this half of the photos, split by person (a net trained on one half is scored on the other)")
    faces.add_argument("--json", action="store_true", help="print one JSON object")
    music = sub.add_parser("music", help="bundled catalog features vs deezer_mood valence/arousal labels")
    music.add_argument("dir", type=Path, help="folder with deezer_mood train/validation/test.csv")
    music.add_argument("--top", type=int, default=50, help="songs per label in the mapping check")
    mapping = sub.add_parser("mapping", help="learned mood models vs the hand-written mapping, held out by artist")
    mapping.add_argument("dir", type=Path, help="the music data folder (mood_mapper/, playmood/, deezer_mood/, ...)")
    mapping.add_argument("--json", action="store_true", help="print one JSON object")
    mapping.add_argument("--learner", choices=LEARNERS, default="logistic",
                         help="the learned labels' model: the shipped logistic regressions, or (an experiment, needs "
                              "scikit-learn) boosted trees or the two averaged")
    corr = sub.add_parser("corrections", help="how often people corrected each mood, and into what ('Not this mood?')")
    corr.add_argument("--db", help="the database (default: MOODTUNE_DB, as the bot uses it)")
    corr.add_argument("--json", action="store_true", help="print one JSON object")
    top = sub.add_parser("top", help="the first songs of the whole catalog for every label, as people see them")
    top.add_argument("--data", type=Path, help="the music data folder: compare with each label's labelled positives")
    top.add_argument("--catalog", type=Path, help="a catalog CSV (the import format) instead of the bundled one")
    top.add_argument("--n", type=int, default=50, help="songs per label (default 50; the first 10 are reported too)")
    top.add_argument("--json", action="store_true", help="print one JSON object")
    top.add_argument("--learner", choices=LEARNERS, default="logistic",
                     help="with --data and not logistic: rank by a model fitted here on all labelled songs, with "
                          "boosted trees (or the two averaged) for the learned labels (an experiment, needs scikit-learn)")
    args = parser.parse_args(argv)

    if args.task == "corrections":
        import asyncio

        report = asyncio.run(corrections_report(args.db))
        print(json.dumps(report) if args.json else format_corrections(report))
        return 0

    if args.task == "top":
        from core.music.catalog import Catalog, CatalogError
        from core.music.recommender import Recommender
        from evaluation.top import evaluate_top, format_top, load_catalog

        try:
            catalog = load_catalog(args.catalog)
        except (OSError, CatalogError) as exc:
            parser.error(str(exc))
        examples = []
        if args.data:
            from evaluation.mood_fit import load_examples

            examples = load_examples(args.data, Catalog.bundled() if args.catalog else catalog)
        model = None
        if args.learner != "logistic":
            if not args.data:
                parser.error("--learner trees/blend fits on the labelled songs: give --data")
            from evaluation.mood_fit import fit, load_va_examples
            from evaluation.mood_trees import with_learner

            model = with_learner(fit(examples, load_va_examples(args.data, catalog), catalog), examples, args.learner)
        report = evaluate_top(catalog, Recommender(catalog, model=model), examples, n=max(10, min(args.n, 500)))
        print(json.dumps(report) if args.json else format_top(report))
        return 0

    if args.task == "mapping":
        from core.music.catalog import Catalog

        if not (args.dir / "mood_mapper").is_dir() and not (args.dir / "playmood").is_dir():
            parser.error(f"{args.dir} holds none of the labelled music datasets (mood_mapper/, playmood/, ...)")
        report = evaluate_mapping(args.dir, Catalog.bundled(), args.learner)
        print(json.dumps(report) if args.json else format_mapping(report))
        return 0

    if args.task == "music":
        from core.music.catalog import Catalog

        print(json.dumps(evaluate_music(args.dir, Catalog.bundled(), args.top), indent=1))
        return 0
    if not (args.dir / "labels.csv").is_file():
        parser.error(f"{args.dir / 'labels.csv'} not found")
    report = evaluate_faces(args.dir, args.face_crops, _default_analyzer, args.half)
    if args.json:
        print(json.dumps(asdict(report)))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
