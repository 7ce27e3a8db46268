"""Convert face-api.js's face-expression network to ONNX (models/weights/faceapi_expression.onnx).

    python scripts/convert_faceapi_expression.py [--package DIR|TGZ] [--check-faces DIR [--check-n 64]]

Source of record: the npm package `@vladmandic/face-api@1.7.15` (MIT), whose `model/` folder holds
`face_expression_model.bin` and its weights manifest, byte-identical to face-api.js's own
(justadudewhohacks/face-api.js, MIT). Without --package the script fetches it with `npm pack`.

The network is rebuilt from the manifest, following face-api.js's code
(`src/faceFeatureExtractor/FaceFeatureExtractor.ts`, `denseBlock.ts`, `faceProcessor/FaceProcessor.ts`):
    x: (N, 112, 112, 3) RGB 0..255  →  (x - [122.782, 117.001, 104.298]) / 255
    4 dense blocks (32, 64, 128, 256 channels), each: conv0 (3x3 stride 2; a plain conv in the first
      block, depthwise-separable after) → relu → three depthwise-separable 3x3 convs, each fed the
      relu of the sum of all outputs before it; output relu(out0 + out1 + out2 + out3)
    7x7 average pool → fully connected 256 → 7 → softmax
    classes: neutral, happy, sad, angry, fearful, disgusted, surprised (face-api.js's order; the
    wrapper in models/faces.py reorders them to ours)
Weights are stored uint8-quantised (value = q * scale + min) and are dequantised here. TensorFlow's
'same' padding puts the extra row and column at the end (ONNX SAME_UPPER).

--check-faces DIR runs the original network — face-api.js's own code on TensorFlow.js's CPU
backend, installed with npm into a temporary folder — and the ONNX model on the same real face
crops, and fails unless the largest difference of any probability is at most 1e-4.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "models" / "weights" / "faceapi_expression.onnx"
PACKAGE = "@vladmandic/face-api@1.7.15"
REFERENCE_DEPS = (PACKAGE, "@tensorflow/tfjs@4.22.0", "@tensorflow/tfjs-backend-wasm@4.22.0")
MEAN_RGB = (122.782, 117.001, 104.298)
LABELS = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
SIZE = 112
TOLERANCE = 1e-4


def fetch_package(dest: Path) -> Path:
    """`npm pack` the package into dest and unpack it; returns the package folder."""
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=dest, check=True, capture_output=True)
    tgz = next(dest.glob("vladmandic-face-api-*.tgz"))
    return unpack(tgz, dest)


def unpack(tgz: Path, dest: Path) -> Path:
    with tarfile.open(tgz) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/model/face_expression") or m.name == "package/LICENSE"]
        tar.extractall(dest, members=members, filter="data")
    return dest / "package"


def load_weights(package: Path) -> dict[str, np.ndarray]:
    """Manifest order → dequantised float32 arrays, keyed by face-api.js's names."""
    manifest = json.loads((package / "model" / "face_expression_model-weights_manifest.json").read_text())
    group = manifest[0]
    data = b"".join((package / "model" / p).read_bytes() for p in group["paths"])
    print(f"face_expression_model.bin sha256 {hashlib.sha256(data).hexdigest()}")
    out, offset = {}, 0
    for w in group["weights"]:
        count = int(np.prod(w["shape"])) if w["shape"] else 1
        q = w.get("quantization")
        if q:
            dtype = {"uint8": np.uint8, "uint16": np.uint16}[q["dtype"]]
            raw = np.frombuffer(data, dtype=dtype, count=count, offset=offset).astype(np.float32)
            offset += count * np.dtype(dtype).itemsize
            values = raw * np.float32(q["scale"]) + np.float32(q["min"])
        else:
            values = np.frombuffer(data, dtype=np.float32, count=count, offset=offset).copy()
            offset += count * 4
        out[w["name"]] = values.reshape(w["shape"]).astype(np.float32)
    if offset != len(data):
        raise SystemExit(f"manifest describes {offset} bytes, the file has {len(data)}")
    return out


def build_onnx(weights: dict[str, np.ndarray]):
    """The expression net as an ONNX graph over the manifest's weights (the layers in the module's
    docstring): NHWC (n, 112, 112, 3) RGB in 0..255 in, face-api.js's 7 softmax probabilities out."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def conv(x: str, out: str, w: np.ndarray, b: np.ndarray | None, stride: int, group: int = 1) -> str:
        inputs = [x, const(out + "/W", w)] + ([const(out + "/B", b)] if b is not None else [])
        nodes.append(helper.make_node("Conv", inputs, [out], strides=[stride, stride], group=group, auto_pad="SAME_UPPER"))
        return out

    def separable(x: str, prefix: str, stride: int) -> str:
        dw = weights[f"{prefix}/depthwise_filter"]  # (3, 3, C, 1)
        pw = weights[f"{prefix}/pointwise_filter"]  # (1, 1, C, O)
        c = dw.shape[2]
        h = conv(x, prefix + "/dw", dw.transpose(2, 3, 0, 1), None, stride, group=c)
        return conv(h, prefix + "/pw", pw.transpose(3, 2, 0, 1), weights[f"{prefix}/bias"], 1)

    def add(a: str, b: str, out: str) -> str:
        nodes.append(helper.make_node("Add", [a, b], [out]))
        return out

    def relu(x: str, out: str) -> str:
        nodes.append(helper.make_node("Relu", [x], [out]))
        return out

    nodes.append(helper.make_node("Sub", ["input", const("mean_rgb", np.array(MEAN_RGB, np.float32))], ["centred"]))
    nodes.append(helper.make_node("Div", ["centred", const("scale", np.array(255.0, np.float32))], ["scaled"]))
    nodes.append(helper.make_node("Transpose", ["scaled"], ["nchw"], perm=[0, 3, 1, 2]))
    x = "nchw"
    for k in range(4):
        p = f"dense{k}"
        if k == 0:
            first = conv(x, f"{p}/conv0", weights[f"{p}/conv0/filters"].transpose(3, 2, 0, 1), weights[f"{p}/conv0/bias"], 2)
        else:
            first = separable(x, f"{p}/conv0", 2)
        out1 = relu(first, f"{p}/out1")
        out2 = separable(out1, f"{p}/conv1", 1)
        in3 = relu(add(out1, out2, f"{p}/sum12"), f"{p}/in3")
        out3 = separable(in3, f"{p}/conv2", 1)
        in4 = relu(add(f"{p}/sum12", out3, f"{p}/sum123"), f"{p}/in4")
        out4 = separable(in4, f"{p}/conv3", 1)
        x = relu(add(f"{p}/sum123", out4, f"{p}/sum1234"), f"{p}/out")
    nodes.append(helper.make_node("AveragePool", [x], ["pooled"], kernel_shape=[7, 7], strides=[2, 2]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], axis=1))
    nodes.append(helper.make_node("Gemm", ["features", const("fc/W", weights["fc/weights"]), const("fc/B", weights["fc/bias"])], ["logits"]))
    nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes, "faceapi_expression",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", SIZE, SIZE, 3])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", len(LABELS)])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="moodtune")
    model.ir_version = 8
    model.doc_string = f"face-api.js face expression net from npm {PACKAGE} (MIT); classes: {', '.join(LABELS)}"
    onnx.checker.check_model(model)
    return model


REFERENCE_JS = """
const fs = require('fs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
(async () => {
  const tf = faceapi.tf;
  await tf.setBackend('cpu'); await tf.ready();
  const dir = 'node_modules/@vladmandic/face-api/model/';
  const manifest = JSON.parse(fs.readFileSync(dir + 'face_expression_model-weights_manifest.json'));
  const bin = fs.readFileSync(dir + 'face_expression_model.bin');
  const net = new faceapi.FaceExpressionNet();
  net.loadFromWeightMap(tf.io.decodeWeights(new Uint8Array(bin).buffer, manifest[0].weights));
  const raw = fs.readFileSync('inputs.f32');
  const n = raw.length / (4 * 112 * 112 * 3);
  const x = tf.tensor4d(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)), [n, 112, 112, 3]);
  const out = await net.forwardInput(await faceapi.toNetInput(tf.unstack(x)));
  fs.writeFileSync('outputs.json', JSON.stringify(Array.from(out.dataSync())));
})();
"""


def face_inputs(folder: Path, n: int) -> np.ndarray:
    """(n, 112, 112, 3) float32 RGB from real face photos: the centre square, resized."""
    from PIL import Image

    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    step = max(1, len(paths) // n)
    batch = []
    for p in paths[::step][:n]:
        img = Image.open(p).convert("RGB")
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        batch.append(np.asarray(img.crop((left, top, left + side, top + side)).resize((SIZE, SIZE), Image.BILINEAR), np.float32))
    if not batch:
        raise SystemExit(f"no images in {folder}")
    return np.stack(batch)


def check(model_path: Path, inputs: np.ndarray) -> float:
    """Largest |reference - onnx| over every probability of every input."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(["npm", "install", "--no-save", "--silent", "--no-audit", "--no-fund", *REFERENCE_DEPS],
                       cwd=work, check=True, capture_output=True)
        (work / "reference.js").write_text(REFERENCE_JS)
        (work / "inputs.f32").write_bytes(np.ascontiguousarray(inputs, np.float32).tobytes())
        done = subprocess.run(["node", "reference.js"], cwd=work, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"the reference forward pass failed:\n{done.stderr[-2000:]}")
        reference = np.array(json.loads((work / "outputs.json").read_text()), np.float32).reshape(len(inputs), len(LABELS))
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    ours = session.run(None, {"input": inputs.astype(np.float32)})[0]
    agree = float((ours.argmax(1) == reference.argmax(1)).mean())
    diff = float(np.abs(ours - reference).max())
    print(f"checked {len(inputs)} real faces against face-api.js on TensorFlow.js (cpu): max |diff| {diff:.2e}, "
          f"same top class {agree:.0%}")
    return diff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="an unpacked package folder or its .tgz (default: npm pack)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check-faces", type=Path, help="a folder of face photos to check against the original")
    parser.add_argument("--check-n", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.package is None:
            package = fetch_package(Path(tmp))
        elif args.package.suffix == ".tgz":
            package = unpack(args.package, Path(tmp))
        else:
            package = args.package
        model = build_onnx(load_weights(package))
        licence = package / "LICENSE"
        if licence.is_file():
            (args.out.parent / "LICENSE-face-api-MIT.txt").write_text(licence.read_text())
    import onnx

    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    if args.check_faces:
        diff = check(args.out, face_inputs(args.check_faces, args.check_n))
        if diff > TOLERANCE:
            sys.exit(f"the ONNX model differs from the original by {diff:.2e} > {TOLERANCE}")


if __name__ == "__main__":
    main()
