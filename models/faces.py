"""Faces: a detector finds them (BlazeFace by default, turned upright by the eyes; DeepFace's detectors
by setting) and expression models give each face 7 probabilities (core.emotions.FACE_LABELS order).

The emotion models:
- the bundled nets on onnxruntime (`weights/*.onnx`, `BUNDLED_MODELS`) — always there, work
  offline: the mini-Xception (FER2013, MIT, converted by `scripts/convert_face_model.py`),
  face-api.js's expression net (MIT, `scripts/convert_faceapi_expression.py`), the project's two
  nets trained on FER2013's training faces (`fer2013_cnn`, `fer2013_cnn_b`) and the one net distilled
  from the ensemble of those two and face-api.js's (`fer2013_student48`; all by
  `scripts/train_face_model.py`); which of them vote, with what weights, and which reads a group is
  `weights/face_ensemble.json` (today the distilled net alone — its int8 copy, mirrored for one or two
  faces, once for three or more; the ensemble it learned from is only its teacher);
- DeepFace's own emotion model, ensembled in when its weights are on disk or can be downloaded.

DeepFace runs on onnxruntime too: torch is installed for OpenCLIP, and without a choice DeepFace would
pick its PyTorch backend and want different weight files.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Protocol, Sequence

import cv2
import numpy as np

from core.emotions import FACE_LABELS  # the order of the 7 classes every model here answers in
from models.download import unreachable_reason
from models.onnx import session as onnx_session


os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")
os.environ.setdefault("DEEPFACE_LOG_LEVEL", "30")  # DeepFace prints INFO lines by default

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).resolve().parent / "weights"
# Which bundled models vote, with what weights and whether mirrored: chosen on two labelled sets
# together by scripts/choose_face_ensemble.py (docs/EVALUATION.md).
ENSEMBLE_PATH = WEIGHTS / "face_ensemble.json"
TILE_MIN_SIDE = 400  # photos with a long side below this are searched whole only
# tiles for small faces: this share of the photo's long side, a tenth overlapping (0.6 with a quarter
# overlapping found none of a class photo's front row: docs/EVALUATION.md)
TILE_SHARE, TILE_STEP, TILE_MIN_PX = 0.4, 0.9, 384
MIN_FACE_PX = 8  # smaller boxes cannot be read (a person counts faces from about 24 px across)
BORDER = 0.25  # a photo with no proposal is searched again inside a black border this share of its long side
COUNT_SCORE = 0.5  # unchecked proposals past the faces read count as faces from this detector score
CROWD_CONFIRMED = 3  # faces confirmed at every framing before one framing confirms the rest
# the one face of a portrait: this share of the photo's short side or more, BlazeFace sure of it, no other
# face it is sure of. The tiles (a third to a half of the faces stage on a large photo) look for faces a
# fifth its size and less — a background a person does not count when they look at a portrait
SUBJECT_SHARE, SUBJECT_SCORE = 0.2, 0.75


@dataclass(frozen=True)
class DetectedFace:
    """A face found in the photo: box (x, y, w, h) in the analysed image, aligned RGB crop."""

    box: tuple[int, int, int, int]
    confidence: float
    crop: np.ndarray = field(repr=False)  # uint8 RGB


@dataclass(frozen=True)
class FaceResult:
    """One face with its emotion probabilities (FACE_LABELS order) and the models that voted."""

    box: tuple[int, int, int, int]
    confidence: float
    probs: dict[str, float]
    models: tuple[str, ...]

    @property
    def label(self) -> str:
        return max(self.probs, key=self.probs.__getitem__)


@dataclass(frozen=True)
class FacesRead:
    """The faces read (most prominent first) and how many the photo holds: "read from 8 of 40 faces"."""

    faces: list[FaceResult]
    found: int


class EmotionModel(Protocol):
    name: str

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(n, 7) probabilities in FACE_LABELS order for n RGB uint8 face crops."""


class OnnxEmotionModel:
    """A face-expression model on onnxruntime, optionally averaged over a mirrored copy of each
    face (a mirrored face shows the same emotion; averaging halves flip-noise). Subclasses say how
    to prepare crops (`preprocess`, NHWC) and, if their classes are in another order, `order`."""

    order: Optional[list[int]] = None  # output index of each FACE_LABELS class; None: already ours

    def __init__(self, path: Path, *, tta: bool = True, threads: int = 1):
        if not path.is_file():
            raise FileNotFoundError(f"face-emotion model not found: {path}")
        self.name = path.stem + ("+flip" if tta else "")
        self.tta = tta
        self._session = onnx_session(path, threads)
        self._input = self._session.get_inputs()[0].name

    def preprocess(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        batch = self.preprocess(crops)
        if self.tta:
            batch = np.concatenate([batch, batch[:, :, ::-1, :]])
        out = self._session.run(None, {self._input: batch})[0]
        if self.order is not None:
            out = out[:, self.order]
        return (out[: len(crops)] + out[len(crops) :]) / 2.0 if self.tta else out


class XceptionEmotion(OnnxEmotionModel):
    """A FER2013 Xception: 64x64 grey faces scaled to [-1, 1], 7 classes in our order."""

    size = 64

    def preprocess(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        grey = [
            cv2.resize(cv2.cvtColor(c, cv2.COLOR_RGB2GRAY), (self.size, self.size), interpolation=cv2.INTER_AREA)
            for c in crops
        ]
        return np.stack(grey).astype(np.float32)[..., None] / 127.5 - 1.0


class FerCnnEmotion(XceptionEmotion):
    """The project's own net, trained on FER2013's training faces by scripts/train_face_model.py:
    48x48 grey faces (FER2013's own size) in [-1, 1], 7 classes in our order."""

    size = 48


class FaceApiExpression(OnnxEmotionModel):
    """face-api.js's expression net (MIT; npm @vladmandic/face-api, converted by
    scripts/convert_faceapi_expression.py): 112x112 RGB faces, padded to a square the way
    face-api.js pads them, 7 classes reordered to ours."""

    size = 112
    # its classes: neutral, happy, sad, angry, fearful, disgusted, surprised → FACE_LABELS order
    order = [3, 5, 4, 1, 2, 6, 0]

    def preprocess(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        out = []
        for c in crops:
            h, w = c.shape[:2]
            side = max(h, w)
            square = np.zeros((side, side, 3), np.uint8)
            top, left = (side - h) // 2, (side - w) // 2
            square[top : top + h, left : left + w] = c[:, :, :3]
            out.append(cv2.resize(square, (self.size, self.size), interpolation=cv2.INTER_AREA if side > self.size else cv2.INTER_LINEAR))
        return np.stack(out).astype(np.float32)


class DeepFaceEmotion:
    """DeepFace's emotion model, fed exactly as DeepFace.analyze feeds it (224x224 BGR in [0, 1])."""

    name = "deepface_emotion"

    def __init__(self, client) -> None:
        self._client = client

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        from deepface.modules.preprocessing import resize_image

        batch = np.concatenate(
            [resize_image(img=c[:, :, ::-1].astype(np.float32) / 255.0, target_size=(224, 224)) for c in crops]
        )
        out = np.asarray(self._client.predict(batch), dtype=np.float64).reshape(len(crops), -1)
        return out / out.sum(axis=1, keepdims=True)

    @classmethod
    def load(cls, *, allow_download: bool, connect_timeout: float) -> tuple["DeepFaceEmotion | None", str]:
        """The model, or None and the reason it is unavailable (logged once by the caller)."""
        from deepface.commons import folder_utils
        from deepface.models.demography.onnx import Emotion as onnx_emotion

        home = folder_utils.get_deepface_home()
        weights = Path(home) / ".deepface" / "weights" / "facial_expression_model_weights.onnx"
        if not weights.is_file():
            if not allow_download:
                return None, f"its weights are not at {weights} and downloads are off"
            urls = onnx_emotion.WEIGHTS_URL if isinstance(onnx_emotion.WEIGHTS_URL, list) else [onnx_emotion.WEIGHTS_URL]
            reasons = [unreachable_reason(u, connect_timeout) for u in urls]
            if all(reasons):
                return None, (
                    f"its weights are not at {weights} and cannot be downloaded: {reasons[0]}. "
                    f"Download {urls[0]} to that path to enable it"
                )
        try:
            from deepface.modules import modeling

            client = modeling.build_model(task="facial_attribute", model_name="Emotion")
        except Exception as exc:  # DeepFace raises ValueError for failed downloads/corrupt files
            return None, f"DeepFace could not load it ({exc.__class__.__name__}: {exc})"
        return cls(client), ""


@dataclass(frozen=True)
class FacesFound:
    """What a detector found: the faces to read, most prominent first (at most the limit asked for),
    and how many faces the photo holds in all (`found` ≥ len(faces): a class photo of 40 faces is read
    from its 8 most prominent and says so)."""

    faces: list[DetectedFace]
    found: int


def prominence(box: Sequence[float], height: float) -> float:
    """Sort key, most prominent first: a face's size (its side), up to half as much again the lower it
    stands in a photo `height` tall — in a class photo the faces are all about one size and the front
    row, nearest the camera, is the one a person looks at; a large face still outranks a small one
    below it."""
    x, y, w, h = box
    return -(math.sqrt(w * h) * (1.0 + 0.5 * min(1.0, max(0.0, (y + h) / height))))


class BlazeFaceDetector:
    """BlazeFace (models/blazeface.py) proposes faces, MTCNN's O-Net confirms them (models/face_check.py),
    crops are turned upright by the eyes — the default.

    Both ranges by default: the short-range net finds faces that fill the frame (selfies, portraits;
    the full-range net misses most of them), the full-range net finds small faces (group photos);
    their detections are merged, the more confident of two overlapping boxes kept, with those of
    the full-range net on overlapping tiles of larger photos (small faces in group photos). A photo
    that is itself a tight face crop (no forehead, no chin) gets no proposal from either net; when
    nothing is proposed the photo is searched once more inside a black border, which gives the face
    the context the nets were trained with.

    Proposals are taken from `min_score` 0.3 — below BlazeFace's own 0.5, which missed the front row of
    a class photo — because the check, not the detector's score, decides what is a face; the check runs
    lazily, most prominent proposal first, until `limit` faces are confirmed. Timing: docs/PERFORMANCE.md."""

    def __init__(self, variants: Sequence[str] = ("short", "full"), *, min_score: float = 0.3, margin: float = 1.25,
                 align: bool = True, tile: bool = True, check: bool = True, border: bool = True):
        from models.blazeface import BlazeFace
        from models.face_check import FaceCheck

        self.name = "blazeface" if len(variants) > 1 else f"blazeface-{variants[0]}"
        self._nets = [BlazeFace(v, min_score=min_score) for v in variants]
        self.margin = margin
        self.align = align
        self.tile = tile
        self.border = border
        self.check = FaceCheck() if check else None

    def _tiles(self, h: int, w: int) -> list[tuple[int, int, int]]:
        """(x, y, side) of squares TILE_SHARE of the long side (TILE_MIN_PX at least), overlapping by a
        tenth: a face a twentieth of a group photo wide is too small for either net on the whole photo
        (5 px of the full-range net's 192), big enough on a tile (12 px and up)."""
        side = int(min(h, w, max(TILE_MIN_PX, TILE_SHARE * max(h, w))))
        if max(h, w) < TILE_MIN_SIDE or side < 64:
            return []
        starts = lambda n: np.linspace(0, n - side, max(1, math.ceil((n - side) / (TILE_STEP * side)) + 1)).astype(int)  # noqa: E731
        return [(int(x), int(y), side) for y in starts(h) for x in starts(w)]

    def _on_tiles(self, rgb: np.ndarray) -> list:
        """The full-range net on every tile; the photo is scaled once so each tile is already the
        net's size (no resize per tile)."""
        net = self._nets[-1]
        tiles = self._tiles(*rgb.shape[:2])
        if not tiles:
            return []
        scale = net.size / tiles[0][2]
        small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found = []
        for x0, y0, _ in tiles:
            sx, sy = int(round(x0 * scale)), int(round(y0 * scale))
            for d in net.detect(small[sy : sy + net.size, sx : sx + net.size]):
                found.append(_moved(d, sx, sy, 1 / scale))
        return found

    def proposals(self, rgb: np.ndarray) -> list:
        """Every box either net proposes (whole photo, tiles — unless the whole photo is a portrait,
        `_a_portrait` — then a bordered copy if none), merged, most prominent first; boxes under
        MIN_FACE_PX are dropped."""
        from models.blazeface import merge

        h, w = rgb.shape[:2]
        found = [d for net in self._nets for d in net.detect(rgb)]
        if self.tile and not _a_portrait(merge(found), h, w):
            found += self._on_tiles(rgb)
        if not found and self.border:
            pad = int(BORDER * max(h, w))
            framed = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0))
            found = [_moved(d, -pad, -pad) for net in self._nets for d in net.detect(framed)]
        kept = [d for d in merge(found) if min(d.box[2], d.box[3]) >= MIN_FACE_PX]
        return sorted(kept, key=lambda d: prominence(d.box, h))

    def find(self, rgb: np.ndarray, limit: Optional[int] = None) -> FacesFound:
        """Confirmed faces, most prominent first, at most `limit`; and how many the photo holds. Once
        `limit` faces are confirmed, the proposals left unchecked count as faces when BlazeFace itself
        is sure of them (score ≥ COUNT_SCORE) — checking forty faces to say "40" would cost 60 ms."""
        proposals = self.proposals(rgb)
        confirmed, i = [], 0
        while i < len(proposals) and (limit is None or len(confirmed) < limit):
            goal = limit if limit is None or len(confirmed) >= CROWD_CONFIRMED else min(limit, CROWD_CONFIRMED)
            want = len(proposals) - i if goal is None else min(len(proposals) - i, max(goal - len(confirmed), 2))
            chunk = proposals[i : i + want]
            # in a crowd (CROWD_CONFIRMED faces confirmed) one framing confirms the rest: a photo of many
            # people is not a pet photo, and three framings for every face cost 20 ms of a 60 ms budget
            framings = 1 if len(confirmed) >= CROWD_CONFIRMED else None
            scores = self.check.scores(rgb, chunk, framings) if self.check is not None else np.ones(len(chunk))
            confirmed += [d for d, s in zip(chunk, scores) if s >= (self.check.threshold if self.check else 0)]
            i += want
        faces = [self._face(rgb, d) for d in confirmed[:limit]]
        return FacesFound(faces, len(confirmed) + sum(d.score >= COUNT_SCORE for d in proposals[i:]))

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Every confirmed face, most prominent first."""
        return self.find(rgb).faces

    def _face(self, rgb: np.ndarray, d) -> DetectedFace:
        from models.blazeface import aligned_crop

        h, w = rgb.shape[:2]
        x, y, bw, bh = d.box
        box = (max(0, int(round(x))), max(0, int(round(y))), int(round(min(bw, w - x))), int(round(min(bh, h - y))))
        crop = aligned_crop(rgb, d, self.margin) if self.align else rgb[box[1] : box[1] + box[3], box[0] : box[0] + box[2]]
        return DetectedFace(box=box, confidence=round(float(d.score), 4), crop=np.ascontiguousarray(crop))


def _a_portrait(whole: Sequence, h: int, w: int) -> bool:
    """One face on the whole photo that BlazeFace is sure of (COUNT_SCORE), and it is the photo's subject
    (SUBJECT_SHARE, SUBJECT_SCORE): a portrait, whose background a person does not count. Two such faces
    or more make a group, whose smaller faces the tiles still look for."""
    sure = [d for d in whole if d.score >= COUNT_SCORE]
    return (len(sure) == 1 and sure[0].score >= SUBJECT_SCORE
            and min(sure[0].box[2], sure[0].box[3]) >= SUBJECT_SHARE * min(h, w))


def _moved(d, dx: float, dy: float, zoom: float = 1.0):
    """A detection made on a tile or a bordered copy (at `dx`, `dy` of a copy `1/zoom` the photo's
    size), in the photo's pixels."""
    from models.blazeface import Detection

    at = lambda x, y: ((x + dx) * zoom, (y + dy) * zoom)  # noqa: E731
    x, y = at(d.box[0], d.box[1])
    return Detection((x, y, d.box[2] * zoom, d.box[3] * zoom), tuple(at(px, py) for px, py in d.keypoints), d.score)


class DeepFaceDetector:
    """One of DeepFace's detector backends ('opencv' = Haar cascades, 'yunet', 'ssd', ...): the
    image is searched at `detect_side` px; DeepFace aligns by the eyes where the backend finds them."""

    def __init__(self, backend: str, *, detect_side: int = 480, align: bool = True):
        self.name = backend
        self.detect_side = detect_side
        self.align = align
        self._lock = threading.Lock()  # OpenCV's cascade classifier object is not thread-safe

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        from deepface import DeepFace

        h, w = rgb.shape[:2]
        factor = min(1.0, self.detect_side / max(h, w))
        small = rgb if factor == 1.0 else cv2.resize(rgb, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
        with self._lock:
            found = DeepFace.extract_faces(
                img_path=np.ascontiguousarray(small[:, :, ::-1]),
                detector_backend=self.name,
                enforce_detection=False,
                align=self.align,
                color_face="rgb",
                normalize_face=False,
            )
        faces = []
        for item in found:
            conf = float(item.get("confidence") or 0.0)
            area = item["facial_area"]
            if conf <= 0.0:  # DeepFace returns the whole image with confidence 0 when it finds none
                continue
            box = tuple(int(round(area[k] / factor)) for k in ("x", "y", "w", "h"))
            crop = np.clip(item["face"], 0, 255).astype(np.uint8)
            if crop.size == 0:
                continue
            faces.append(DetectedFace(box=box, confidence=min(conf, 1.0), crop=crop))
        return faces

    def find(self, rgb: np.ndarray, limit: Optional[int] = None) -> FacesFound:
        """The most prominent faces (at most `limit`) and how many were found."""
        faces = sorted(self.detect(rgb), key=lambda f: prominence(f.box, rgb.shape[0]))
        return FacesFound(faces[:limit], len(faces))


def make_detector(name: str, *, detect_side: int = 480, align: bool = True, check: bool = True):
    """'blazeface' (both ranges), 'blazeface-short', 'blazeface-full', or any DeepFace detector backend
    name; `check`: BlazeFace's faces confirmed by O-Net (DeepFace's backends are taken as they are)."""
    if name == "blazeface":
        return BlazeFaceDetector(align=align, check=check)
    if name in ("blazeface-short", "blazeface-full"):
        return BlazeFaceDetector((name.split("-")[1],), align=align, check=check)
    return DeepFaceDetector(name, detect_side=detect_side, align=align)


class FaceAnalyzer:
    """Detect faces and read each one: a photo of a few faces by `models` (their weighted mean; where
    one face decides the answer, every point of accuracy counts: mirrored), a group of `crowd_from` or
    more by the `crowd` reader (shipped: the same one net, unmirrored — 8 faces × 3 nets × 2 views took
    160-220 ms, and the group's mood is averaged over its faces anyway)."""

    def __init__(
        self,
        *,
        detector: str = "blazeface",
        detect_side: int = 480,
        align: bool = True,
        max_faces: int = 8,
        check: bool = True,
        models: Sequence[EmotionModel],
        weights: Sequence[float] = (),
        crowd: Optional[EmotionModel] = None,
        crowd_from: int = 3,
    ):
        if not models:
            raise ValueError("FaceAnalyzer needs at least one emotion model")
        self.detector = make_detector(detector, detect_side=detect_side, align=align, check=check)
        self.max_faces = max_faces
        self.models = list(models)
        self.weights = list(weights)
        if self.weights and len(self.weights) != len(self.models):
            raise ValueError("one weight per emotion model")
        self.crowd = crowd
        self.crowd_from = crowd_from

    def readers(self, n: int) -> list[EmotionModel]:
        """The nets that read a photo of `n` faces."""
        return [self.crowd] if self.crowd is not None and n >= self.crowd_from else self.models

    def detect(self, rgb: np.ndarray) -> FacesFound:
        """The faces to read (at most max_faces, most prominent first; boxes in `rgb`'s pixels) and
        how many the photo holds."""
        return self.detector.find(rgb, self.max_faces)

    def classify(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(n, 7) probabilities: the crowd net's for `crowd_from` faces or more, else the weighted mean of
        every ensemble model (equal weights unless given)."""
        readers = self.readers(len(crops))
        if readers is not self.models:
            return readers[0].predict(crops)
        weights = self.weights or [1.0] * len(self.models)
        total = sum(weights)
        return sum(w / total * m.predict(crops) for w, m in zip(weights, self.models))

    def analyze(self, rgb: np.ndarray) -> FacesRead:
        found = self.detect(rgb)
        if not found.faces:
            return FacesRead([], found.found)
        probs = self.classify([f.crop for f in found.faces])
        names = tuple(m.name for m in self.readers(len(found.faces)))
        return FacesRead(
            [
                FaceResult(
                    box=f.box,
                    confidence=f.confidence,
                    probs={lab: float(p) for lab, p in zip(FACE_LABELS, row)},
                    models=names,
                )
                for f, row in zip(found.faces, probs)
            ],
            found.found,
        )


def load_ensemble(path: Path = ENSEMBLE_PATH) -> dict:
    """The shipped ensemble choice: {"weights": {model stem: weight}, "tta": bool, "crowd": {"model",
    "tta", "from_faces"}, ...}."""
    return json.loads(path.read_text(encoding="utf-8"))


# Every bundled expression model: its weights' stem in WEIGHTS and the class that feeds it.
BUNDLED_MODELS: dict[str, type[OnnxEmotionModel]] = {
    "fer2013_mini_xception": XceptionEmotion,
    "faceapi_expression": FaceApiExpression,
    "fer2013_cnn": FerCnnEmotion,
    "fer2013_cnn_b": FerCnnEmotion,
    "fer2013_student48": FerCnnEmotion,
}


def int8_path(stem: str) -> Path:
    """Where the int8 copy of a bundled net lies (scripts/quantize_face_nets.py makes it)."""
    return WEIGHTS / f"{stem}-int8.onnx"


def bundled_model(stem: str, tta: bool, int8: bool = False) -> EmotionModel:
    """One of BUNDLED_MODELS by its stem, with or without mirror test-time augmentation; `int8`: its
    int8 copy (the CNNs about 2.5 times as fast, readings within a fraction of a point: models/weights/README.md)."""
    return BUNDLED_MODELS[stem](int8_path(stem) if int8 else WEIGHTS / f"{stem}.onnx", tta=tta)


def build_face_analyzer(settings) -> tuple[FaceAnalyzer, list[str]]:
    """The analyzer the settings ask for, and notes on models that could not be used.

    Default: the shipped ensemble (face_ensemble.json), and its distilled net for groups. MOODTUNE_FACE_MODELS
    replaces both with FER2013-style ONNX models of one's own, averaged with equal weights, for every face."""
    notes: list[str] = []
    if settings.face_models:
        models: list[EmotionModel] = [XceptionEmotion(Path(p), tta=settings.face_tta) for p in settings.face_models]
        weights: list[float] = []
        crowd, crowd_from = None, 0
    else:
        chosen = load_ensemble()
        int8 = set(chosen.get("int8", [])) if settings.face_int8 else set()
        models = [bundled_model(stem, settings.face_tta and chosen["tta"], stem in int8) for stem in chosen["weights"]]
        weights = list(chosen["weights"].values())
        group = chosen.get("crowd") or {}
        crowd = bundled_model(group["model"], settings.face_tta and group["tta"], group["model"] in int8) if group else None
        crowd_from = int(group.get("from_faces", 0))
    if settings.deepface_emotion:
        extra, reason = DeepFaceEmotion.load(
            allow_download=settings.allow_downloads, connect_timeout=settings.download_connect_timeout
        )
        if extra is None:
            log.warning("DeepFace emotion model unavailable, using the bundled models only: %s", reason)
            notes.append(f"DeepFace emotion model unavailable: {reason}")
        else:
            models.append(extra)
            if weights:  # unmeasured here (no weights offline): a quarter of the vote, the share it had beside
                weights.append(sum(weights) / 3)  # three nets — beside the one net, an equal weight would be half
    analyzer = FaceAnalyzer(
        detector=settings.face_detector,
        detect_side=settings.face_detect_side,
        align=settings.face_align,
        max_faces=settings.max_faces,
        check=settings.face_check,
        models=models,
        weights=weights,
        crowd=crowd,
        crowd_from=crowd_from,
    )
    return analyzer, notes
