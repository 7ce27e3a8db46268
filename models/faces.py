"""Faces: DeepFace finds and aligns them; emotion models give each face 7 probabilities.

The emotion models:
- the bundled mini- and big-Xception (FER2013, MIT, `weights/*.onnx`, converted by
  `scripts/convert_face_model.py`) on onnxruntime — always there, work offline;
- DeepFace's own emotion model, ensembled in when its weights are on disk or can be downloaded.

DeepFace runs on onnxruntime too: torch is installed for OpenCLIP, and without a choice DeepFace would
pick its PyTorch backend and want different weight files.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

import cv2
import numpy as np

from core.emotions import FACE_LABELS
from models.download import unreachable_reason

os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")
os.environ.setdefault("DEEPFACE_LOG_LEVEL", "30")  # DeepFace prints INFO lines by default

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).resolve().parent / "weights"
# Both MIT-licensed FER2013 Xceptions; together they beat either alone on faces-dev (EVALUATION.md).
BUNDLED_MODELS = (WEIGHTS / "fer2013_mini_xception.onnx", WEIGHTS / "fer2013_big_xception.onnx")


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


class EmotionModel(Protocol):
    name: str

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(n, 7) probabilities in FACE_LABELS order for n RGB uint8 face crops."""


def _session(path: Path, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


class XceptionEmotion:
    """A FER2013 Xception on onnxruntime: 64x64 grey faces scaled to [-1, 1], 7 classes."""

    size = 64

    def __init__(self, path: Path, *, tta: bool = True, threads: int = 1):
        if not path.is_file():
            raise FileNotFoundError(f"face-emotion model not found: {path}")
        self.name = path.stem + ("+flip" if tta else "")
        self.tta = tta
        self._session = _session(path, threads)
        self._input = self._session.get_inputs()[0].name

    def preprocess(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        grey = [
            cv2.resize(cv2.cvtColor(c, cv2.COLOR_RGB2GRAY), (self.size, self.size), interpolation=cv2.INTER_AREA)
            for c in crops
        ]
        batch = np.stack(grey).astype(np.float32)[..., None] / 127.5 - 1.0
        return batch

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        batch = self.preprocess(crops)
        if self.tta:  # a mirrored face shows the same emotion; averaging halves flip-noise
            both = np.concatenate([batch, batch[:, :, ::-1, :]])
            out = self._session.run(None, {self._input: both})[0]
            return (out[: len(batch)] + out[len(batch) :]) / 2.0
        return self._session.run(None, {self._input: batch})[0]


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


class FaceAnalyzer:
    """Detect faces with DeepFace and run the emotion ensemble on each."""

    def __init__(
        self,
        *,
        detector: str = "opencv",
        detect_side: int = 480,
        align: bool = True,
        max_faces: int = 8,
        models: Sequence[EmotionModel],
    ):
        if not models:
            raise ValueError("FaceAnalyzer needs at least one emotion model")
        self.detector = detector
        self.detect_side = detect_side
        self.align = align
        self.max_faces = max_faces
        self.models = list(models)
        self._lock = threading.Lock()  # OpenCV's cascade classifier object is not thread-safe

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Faces in an RGB image, largest first; boxes in `rgb`'s pixel coordinates."""
        from deepface import DeepFace

        h, w = rgb.shape[:2]
        factor = min(1.0, self.detect_side / max(h, w))
        small = rgb if factor == 1.0 else cv2.resize(rgb, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
        with self._lock:
            found = DeepFace.extract_faces(
                img_path=np.ascontiguousarray(small[:, :, ::-1]),
                detector_backend=self.detector,
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
        faces.sort(key=lambda f: f.box[2] * f.box[3], reverse=True)
        return faces[: self.max_faces]

    def classify(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(n, 7) ensemble probabilities: the mean of every available model."""
        return np.mean([m.predict(crops) for m in self.models], axis=0)

    def analyze(self, rgb: np.ndarray) -> list[FaceResult]:
        faces = self.detect(rgb)
        if not faces:
            return []
        probs = self.classify([f.crop for f in faces])
        names = tuple(m.name for m in self.models)
        return [
            FaceResult(
                box=f.box,
                confidence=f.confidence,
                probs={lab: float(p) for lab, p in zip(FACE_LABELS, row)},
                models=names,
            )
            for f, row in zip(faces, probs)
        ]


def build_face_analyzer(settings) -> tuple[FaceAnalyzer, list[str]]:
    """The analyzer the settings ask for, and notes on models that could not be used."""
    notes: list[str] = []
    paths = settings.face_models or BUNDLED_MODELS
    models: list[EmotionModel] = [XceptionEmotion(Path(p), tta=settings.face_tta) for p in paths]
    if settings.deepface_emotion:
        extra, reason = DeepFaceEmotion.load(
            allow_download=settings.allow_downloads, connect_timeout=settings.download_connect_timeout
        )
        if extra is None:
            log.warning("DeepFace emotion model unavailable, using the bundled model only: %s", reason)
            notes.append(f"DeepFace emotion model unavailable: {reason}")
        else:
            models.append(extra)
    analyzer = FaceAnalyzer(
        detector=settings.face_detector,
        detect_side=settings.face_detect_side,
        align=settings.face_align,
        max_faces=settings.max_faces,
        models=models,
    )
    return analyzer, notes
