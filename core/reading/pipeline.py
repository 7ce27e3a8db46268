"""One photo in, one MoodReading out: the models are loaded once per process and shared.

`Pipeline.analyze(bytes)` is thread-safe and synchronous (CLI, tests, worker threads);
`Pipeline.analyze_async(bytes)` runs it in a bounded thread pool so an event loop never blocks, after
the photo's turn in the photo queue (core.reading.queue: photos wait there without their bytes, and
`PipelineBusy` is answered only when the expected wait is too long).
Each stage's time is recorded in `reading.timings_ms`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional, Protocol

import numpy as np

from core.reading.aggregate import combine
from core.reading.fusion import FaceReading, MoodReading, color_signal, face_signal, fuse, scene_signal
from core.reading.images import decode_image
from core.reading.queue import PhotoQueue, PipelineBusy, Place
from core.reading.video import looks_like_video, sample_frames
from core.settings import Settings

log = logging.getLogger(__name__)


__all__ = ["Models", "Pipeline", "PipelineBusy", "load_models", "thumbnail"]


class FaceModel(Protocol):
    def analyze(self, rgb: np.ndarray):
        """The faces read (`.faces`: box, label, probs, confidence) and how many the photo holds (`.found`)."""


class SceneModel(Protocol):
    def score(self, rgb: np.ndarray): ...


class ColorModel(Protocol):
    def __call__(self, rgb: np.ndarray): ...


@dataclass
class Models:
    """What the pipeline runs; faces or scene may be None (the scene with the reason why)."""

    faces: Optional[FaceModel]
    scene: Optional[SceneModel]
    color: ColorModel
    scene_reason: str = ""


def load_models(settings: Settings) -> Models:
    """Load every model the settings ask for. Missing weights degrade the reading, never stop it."""
    from models.color import color_features
    from models.faces import build_face_analyzer

    faces, _ = build_face_analyzer(settings)  # an unavailable DeepFace model is logged there
    scene, scene_reason = None, ""
    if not settings.clip_enabled:
        scene_reason = "scene analysis is turned off (MOODTUNE_CLIP_ENABLED=false)"
    elif settings.clip_pretrained.lower() in ("", "none"):
        scene_reason = "no OpenCLIP weights configured (MOODTUNE_CLIP_PRETRAINED=none)"
    else:
        from models.clip_prepare import load_clip
        from models.download import WeightsUnavailable

        try:
            scene = load_clip(
                settings.clip_model,
                settings.clip_pretrained,
                settings.clip_cache_dir,
                allow_download=settings.allow_downloads,
                connect_timeout=settings.download_connect_timeout,
                threads=settings.scene_threads,
                int8=settings.scene_int8,
            )
        except WeightsUnavailable as exc:
            scene_reason = exc.short
            log.warning("Scene analysis unavailable: %s Readings will rest on faces and colour.", exc)
    return Models(faces=faces, scene=scene, color=color_features, scene_reason=scene_reason)


THUMBNAIL_SIDE = 340  # the photo on its mood card


def thumbnail(rgb: np.ndarray, side: int = THUMBNAIL_SIDE) -> np.ndarray:
    """A small copy of the decoded photo, kept with the reading so its card need not decode the
    photo again (a 12 MP JPEG costs ~25 ms to decode even at 1/8 scale)."""
    from PIL import Image

    img = Image.fromarray(rgb)
    img.thumbnail((side, side))
    return np.asarray(img)


class Pipeline:
    """Decode → faces → scene → colour → fusion, with per-stage timings."""

    def __init__(self, models: Models, settings: Optional[Settings] = None):
        self.models = models
        self.settings = settings or Settings()
        self._executor = ThreadPoolExecutor(max_workers=self.settings.analysis_threads, thread_name_prefix="analyze")
        # the scene model reads a photo while the face models read it: both run in onnxruntime,
        # outside the GIL, so one photo uses both cores (docs/PERFORMANCE.md)
        self._scene_executor = ThreadPoolExecutor(max_workers=self.settings.analysis_threads, thread_name_prefix="scene")
        # one photo more than threads holds a turn: it downloads while the others are read
        self.queue = PhotoQueue(self.settings.analysis_threads + 1, max_wait=self.settings.max_queue_wait,
                                max_waiting=self.settings.analysis_queue)

    @classmethod
    def from_settings(cls, settings: Settings, warm: bool = True) -> "Pipeline":
        pipeline = cls(load_models(settings), settings)
        if warm:
            pipeline.warm()
        return pipeline

    def warm(self) -> None:
        """Run one synthetic photo through every model so the first person does not pay for it."""
        rng = np.random.default_rng(0)
        self.analyze_image(rng.integers(0, 255, size=(240, 320, 3), dtype=np.uint8))
        if self.models.faces is not None and hasattr(self.models.faces, "classify"):
            face = rng.integers(0, 255, size=(64, 64, 3), dtype=np.uint8)
            for n in (1, self.settings.max_faces):  # a portrait's readers and a group's
                self.models.faces.classify([face] * n)

    def read_words(self, text: str):
        """A mood in words (core.reading.words.WordsReading) or None: the scene model's text tower
        against the mood prompts when it is in memory and the text carries a word of mood, else
        the project's word table. Words the table does not know are never read by the model alone,
        so a text with no mood gets no reading rather than the prompts' noise; words in another
        language than English stay with the table (the model's prompts and training are English)."""
        from core.emotions import ordered, va_of
        from core.reading.words import MAX_CHARS, WordsReading, read_words

        reading = read_words(text)
        scene = self.models.scene
        moods = (scene.text_moods(text[:MAX_CHARS]) if reading is not None and reading.english and hasattr(scene, "text_moods")
                 else None)
        if not moods:
            return reading
        label = ordered(moods)[0][0]
        return WordsReading(label, moods, va_of(moods), reading.words, source="clip")

    def analyze(self, data: bytes) -> MoodReading:
        """Bytes of a photo, GIF or video → reading. Raises core.reading.images.ImageError or
        core.reading.video.VideoError (UserErrors) for files we can't use."""
        if looks_like_video(data):
            return self.analyze_clip(data)
        start = time.perf_counter()
        s = self.settings
        image = decode_image(data, max_bytes=s.max_image_bytes, max_pixels=s.max_image_pixels, working_side=s.working_side)
        decode_ms = (time.perf_counter() - start) * 1000
        reading = self.analyze_image(image.rgb, scale=image.scale)
        reading.thumbnail = thumbnail(image.rgb)
        reading.timings_ms = {"decode": round(decode_ms, 2), **reading.timings_ms}
        reading.timings_ms["total"] = round((time.perf_counter() - start) * 1000, 2)
        return reading

    def analyze_clip(self, data: bytes) -> MoodReading:
        """A GIF or video: up to `video_frames` frames read like photos, combined in order (the
        reading's `parts` say how the mood moves). A one-frame GIF is a photo."""
        s = self.settings
        start = time.perf_counter()
        frames = sample_frames(data, max_frames=s.video_frames, max_seconds=s.video_max_seconds, max_bytes=s.max_image_bytes,
                               working_side=s.working_side)
        readings = [self.analyze_image(f) for f in frames]
        reading = readings[0] if len(readings) == 1 else combine(readings, kind="video")
        reading.thumbnail = thumbnail(frames[len(frames) // 2])
        reading.timings_ms = {"frames": len(frames), "total": round((time.perf_counter() - start) * 1000, 2)}
        return reading

    def analyze_image(self, rgb: np.ndarray, scale: float = 1.0) -> MoodReading:
        """An RGB uint8 array → reading; `scale` maps boxes back to the original photo."""
        timings: dict[str, float] = {}
        m = self.models
        h, w = rgb.shape[:2]

        scene_started = time.perf_counter()
        beside = m.scene is not None and self.settings.scene_beside_faces
        scene_future = self._scene_executor.submit(self._timed, m.scene.score, rgb) if beside else None

        t = time.perf_counter()
        faces: list[FaceReading] = []
        found = 0
        if m.faces is not None:
            read = m.faces.analyze(rgb)
            found = read.found
            for f in read.faces:
                box = tuple(int(round(v * scale)) for v in f.box)
                faces.append(FaceReading(box=box, label=f.label, probs=f.probs, detector_confidence=f.confidence))
        faces_sig = face_signal(faces, image_area=float(w * h) * scale * scale, found=found)
        timings["faces"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()  # colour too, while the scene model may still be reading the photo
        cf = m.color(rgb)
        color_sig = color_signal(
            cf.valence,
            cf.arousal,
            {k: getattr(cf, k) for k in ("brightness", "contrast", "saturation", "colorfulness", "warmth", "dominant")},
        )
        timings["color"] = (time.perf_counter() - t) * 1000

        if m.scene is not None:
            res, scene_ms = scene_future.result() if scene_future is not None else self._timed(m.scene.score, rgb)
            scene_sig = scene_signal(res.moods, res.margin, res.scenes)
            timings["scene"] = scene_ms
            timings["faces_and_scene"] = (time.perf_counter() - scene_started) * 1000
        else:
            scene_sig = scene_signal(None, reason=m.scene_reason)
            timings["scene"] = 0.0

        t = time.perf_counter()
        reading = fuse([faces_sig, scene_sig, color_sig], faces)
        timings["fusion"] = (time.perf_counter() - t) * 1000
        reading.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        return reading

    @staticmethod
    def _timed(fn, *args):
        t = time.perf_counter()
        return fn(*args), (time.perf_counter() - t) * 1000

    @property
    def capacity(self) -> int:
        """Photos that may hold a turn or wait at once."""
        return self.queue.workers + self.queue.max_waiting

    def reserve(self, chat: str = "") -> Place:
        """A place in the photo queue for a photo of `chat`, taken now (before it is downloaded);
        raises PipelineBusy at once when the expected wait is too long. Release it with `release()`."""
        return self.queue.enter(chat)

    async def analyze_async(self, data: bytes, place: Optional[Place] = None) -> MoodReading:
        """`analyze` in the bounded pool once `place` (taken earlier) or one taken now has its turn;
        raises PipelineBusy at once when the wait would be too long."""
        own = place is None
        place = place or self.reserve()
        try:
            await place.turn()
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self.analyze, data)
        finally:
            if own:
                place.release()

    def close(self) -> None:
        """Let the photos being analysed finish, drop those still queued, stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._scene_executor.shutdown(wait=True)
