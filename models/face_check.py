"""Is this box a human face? MTCNN's O-Net as a second opinion on every face BlazeFace proposes.

BlazeFace was trained to find faces, not to refuse what is not one: on everyday photos without a
person it proposed a face in about a third (dogs and cats above all — eyes, a nose and a mouth are
enough), and the expression nets then read a "human" emotion off a schnauzer. O-Net (the third stage
of MTCNN; `scripts/convert_mtcnn_onet.py` converts it from the PyPI package `facenet-pytorch`, MIT)
was trained on exactly this question — human faces against everything else a detector proposes — on
48×48 crops. A box counts as a face when O-Net says so at every one of a few framings (a square of
the box or a little wider, turned upright by the eyes or as it stands): a real face is one at each, a
dog's muzzle or a texture seldom is. The threshold and the framings were chosen on one half of the
development photos and reported on the other (`scripts/choose_face_check.py`, docs/EVALUATION.md).

O-Net costs ~0.7 ms a crop on one core, so the detector asks it lazily, most prominent box first, and
stops once it has as many faces as it will read (models.faces.BlazeFaceDetector; in a crowd, once three
faces are confirmed at every framing, the rest at one); and a box that fails one framing is not read
at the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from models.blazeface import Detection, aligned_crop
from models.onnx import session as onnx_session

WEIGHTS = Path(__file__).resolve().parent / "weights" / "mtcnn_onet.onnx"
SIZE = 48
# chosen by scripts/choose_face_check.py on the tuning half (docs/EVALUATION.md):
# (margin around the box, turned upright by the eyes?)
FRAMINGS: tuple[tuple[float, bool], ...] = ((1.0, True), (1.15, True), (1.0, False))
THRESHOLD = 0.9


class FaceCheck:
    """`scores(rgb, detections)` → the chance each detection is a human face (the lowest over the
    framings); `threshold` is where a face begins."""

    def __init__(self, path: Path = WEIGHTS, *, threshold: float = THRESHOLD,
                 framings: Sequence[tuple[float, bool]] = FRAMINGS, threads: int = 1):
        if not path.is_file():
            raise FileNotFoundError(f"face check weights not found: {path} (scripts/convert_mtcnn_onet.py makes them)")
        self._session = onnx_session(path, threads)
        self.threshold = threshold
        self.framings = tuple(framings)

    def scores(self, rgb: np.ndarray, detections: Sequence[Detection], framings: Optional[int] = None) -> np.ndarray:
        """The lowest score over the framings (the first `framings` of them, if given), computed framing
        by framing: a box already below the threshold at one framing is not read at the next (its score
        stays that lower one), so a dog's muzzle costs one O-Net pass, a face all of them."""
        out = np.ones(len(detections), np.float32)
        alive = np.arange(len(detections))
        for margin, turn in self.framings[:framings]:
            if not len(alive):
                break
            crops = np.stack([aligned_crop(rgb, detections[i], margin, out=SIZE, turn=turn) for i in alive]).astype(np.float32)
            face = self._session.run(None, {"faces": crops})[0]
            out[alive] = np.minimum(out[alive], face)
            alive = alive[face >= self.threshold]
        return out
