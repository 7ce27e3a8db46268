"""Make the int8 copies of the shipped face-expression nets, and say what they cost in accuracy.

    python scripts/quantize_face_nets.py FACES_DEV_DIR FER2013_DIR [--json]

Why: the three-net ensemble read a face in ~7 ms (each net mirrored: face-api.js 1.8 ms, each
FER2013 CNN 2.5 ms) — the larger half of a portrait's faces stage. Static int8 quantization
(ONNX Runtime's QDQ format: int8 weights per output channel, uint8 activations whose ranges are
measured on real faces) runs the same CNNs about 2.5 times as fast (measured on these machines' AVX-512 VNNI CPU),
and moves their readings by a fraction of a point, so the bot keeps the ensemble's accuracy at about
half its cost (3.8 ms a face against 7.3) instead of trading accuracy for speed with one smaller net.
Since the ensemble was distilled into one net (`fer2013_student48`, as accurate as the three), that
net is what is quantized: 7.1 → 2.3 ms a face, mirrored.

Calibration faces — what the activation ranges are measured on — are the *training half* of
faces-dev (`evaluation.eval.person_half`), cropped as the bot crops them, and every 100th of
FER2013's training crops: never the faces the report below is scored on. The report: for each net,
the float and the int8 copy on faces-dev's report half and on FER2013 PublicTest (accuracy, macro-F1,
how often the two agree on the top class), and the time a face takes (mirrored as shipped).

Writes `models/weights/<stem>-int8.onnx` for every net `face_ensemble.json` lists under "int8" (or
`--nets`, to try others); the bot runs the copies of the nets listed there while MOODTUNE_FACE_INT8 is on.
The copies are derived from the float files beside them and carry their licences.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from choose_face_ensemble import load_set, metrics  # noqa: E402
from models.faces import WEIGHTS, bundled_model, int8_path, load_ensemble  # noqa: E402

CALIBRATION_PHOTOS = 400  # faces-dev training-half faces; with every 100th FER2013 training crop (287)
FER_STEP = 100


def calibration_crops(faces_dev: Path, fer: Path) -> list[np.ndarray]:
    """RGB face crops the activation ranges are measured on (none of them in the report)."""
    photos, _, _ = load_set(faces_dev, detect=True, half="train")
    step = max(1, len(photos) // CALIBRATION_PHOTOS)
    grey = np.load(fer / "train.npz")["images"][::FER_STEP]
    return photos[::step][:CALIBRATION_PHOTOS] + [np.repeat(g[..., None], 3, axis=2) for g in grey]


def quantize(stem: str, crops: list[np.ndarray]) -> Path:
    """`<stem>-int8.onnx` beside the float net, calibrated on `crops` (and their mirror images)."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    model = bundled_model(stem, tta=False)
    batch = model.preprocess(crops)
    batch = np.concatenate([batch, batch[:, :, ::-1, :]])
    name = model._input

    class Faces(CalibrationDataReader):
        def __init__(self) -> None:
            self._batches = iter({name: batch[i : i + 32]} for i in range(0, len(batch), 32))

        def get_next(self):
            return next(self._batches, None)

    out = int8_path(stem)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(WEIGHTS / f"{stem}.onnx"), str(prepared), skip_symbolic_shape=True)
        # the last layer and its softmax stay float: logits at 8 bits would move probabilities by points
        # and the bot's confidence is read off them; that layer is a few hundred multiplications
        graph = onnx.load(str(prepared)).graph
        last = [node.name for node in graph.node if node.op_type in ("Gemm", "MatMul", "Softmax")]
        quantize_static(str(prepared), str(out), Faces(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, nodes_to_exclude=last)
    return out


def per_face_ms(model, crop: np.ndarray, rounds: int = 300) -> float:
    for _ in range(20):
        model.predict([crop])
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        model.predict([crop])
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 2)


def compare(stem: str, tta: bool, sets: dict[str, tuple[list[np.ndarray], np.ndarray]]) -> dict:
    """Float against int8 on every report set, and the time a face takes with each."""
    nets = {"float": bundled_model(stem, tta), "int8": bundled_model(stem, tta, int8=True)}
    row: dict = {}
    for key, (crops, truth) in sets.items():
        probs = {kind: np.concatenate([net.predict(crops[i : i + 64]) for i in range(0, len(crops), 64)])
                 for kind, net in nets.items()}
        row[key] = {kind: metrics(p, truth) for kind, p in probs.items()}
        row[key]["top_class_agreement"] = round(float((probs["float"].argmax(1) == probs["int8"].argmax(1)).mean()), 4)
    crop = sets["faces-dev report half"][0][0]
    row["ms_a_face"] = {kind: per_face_ms(net, crop) for kind, net in nets.items()}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("faces_dev", type=Path, help="labelled face photos (faces-dev): training half calibrates, report half scores")
    parser.add_argument("fer", type=Path, help="FER2013 folder: train.npz calibrates, public/ scores")
    parser.add_argument("--nets", nargs="+", metavar="STEM",
                        help="quantize and compare these nets of the ensemble (default: its \"int8\" list, or every net)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shipped = load_ensemble()
    tta = {stem: bool(shipped["tta"]) for stem in shipped["weights"]}
    if shipped.get("crowd"):
        tta[shipped["crowd"]["model"]] = bool(shipped["crowd"]["tta"])
    wanted = args.nets or shipped.get("int8") or list(tta)
    if unknown := set(wanted) - set(tta):
        parser.error(f"not a net of face_ensemble.json: {', '.join(sorted(unknown))}")
    tta = {stem: tta[stem] for stem in wanted}
    crops = calibration_crops(args.faces_dev, args.fer)
    print(f"calibrating on {len(crops)} faces", file=sys.stderr)
    for stem in tta:
        print(f"wrote {quantize(stem, crops)}", file=sys.stderr)
    report_crops, report_truth, _ = load_set(args.faces_dev, detect=True, half="report")
    public_crops, public_truth, _ = load_set(args.fer / "public", detect=False)
    sets = {"faces-dev report half": (report_crops, report_truth), "fer2013-public": (public_crops, public_truth)}
    report = {stem: compare(stem, flip, sets) for stem, flip in tta.items()}
    if args.json:
        print(json.dumps(report))
        return 0
    for stem, row in report.items():
        print(f"{stem}{'+flip' if tta[stem] else ''}: float {row['ms_a_face']['float']} ms → int8 {row['ms_a_face']['int8']} ms a face")
        for key in sets:
            f, q = row[key]["float"], row[key]["int8"]
            print(f"  {key:<24} accuracy {f['accuracy']:.3f} → {q['accuracy']:.3f}, macro-F1 {f['macro_f1']:.3f} → "
                  f"{q['macro_f1']:.3f}, same top class {row[key]['top_class_agreement']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
