"""Scene and mood from OpenCLIP zero-shot prompts, at run time: a photo scored against the prompts'
embeddings (models.clip_prompts) by the image tower — an onnxruntime session of the prepared
files, so the bot's process holds no PyTorch copy of the model.

Text embeddings depend only on the model and the prompt set, so they are computed once (by
models.clip_prepare, which also exports the image tower and finds the weights) and cached on disk
beside a manifest (`<cache>/scene-<key>.json`); a photo then costs one image forward pass.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
from PIL import Image

from models.clip_prompts import SCENES, prompt_set
from models.onnx import session as onnx_session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SceneResult:
    """Mood probabilities over the labels CLIP scores, the most likely scenes, and the margin."""

    moods: dict[str, float]
    scenes: list[tuple[str, float]]
    margin: float  # top-1 minus top-2 mood probability: CLIP's own certainty



def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


class ClipScorer:
    """An OpenCLIP model with cached class embeddings; `score(rgb)` is one image forward pass."""

    def __init__(
        self,
        model,
        preprocess,
        tokenizer,
        *,
        text_embeddings: np.ndarray,
        logit_scale: float = 100.0,
        image_session=None,
    ):
        self.model = model.eval() if model is not None else None
        self.image_session = image_session  # onnxruntime session of the image tower, or None: eager torch
        self.preprocess = preprocess  # → a torch tensor (OpenCLIP's) or a numpy array (numpy_preprocess)
        self.tokenizer = tokenizer
        self.logit_scale = logit_scale
        self.class_names = list(prompt_set())  # text_embeddings' rows (models.clip_prepare.class_embeddings)
        self.text_embeddings = text_embeddings
        self._mood_idx = [i for i, c in enumerate(self.class_names) if c.startswith("mood:")]
        self._scene_idx = [i for i, c in enumerate(self.class_names) if c.startswith("scene:")]
        if image_session is not None:
            # text embeddings are cached and images go through onnxruntime: the PyTorch copy of
            # the model (~600 MB for ViT-B-32) is no longer needed
            self.model = None

    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """Unit image embeddings for RGB uint8 arrays (a batch is one forward pass)."""
        crops = [self.preprocess(Image.fromarray(im)) for im in images]
        if self.image_session is not None:
            batch = np.stack([np.asarray(c, dtype=np.float32) for c in crops])
            emb = self.image_session.run(None, {"image": batch})[0]
        else:
            import torch

            with torch.inference_mode():
                emb = self.model.encode_image(torch.stack(crops)).float().numpy()
        return emb / np.linalg.norm(emb, axis=-1, keepdims=True)

    def text_moods(self, text: str) -> Optional[dict[str, float]]:
        """The mood prompts' distribution for a text, as for an image: its text embedding against
        the same class embeddings. None when the text tower is not in memory (the prepared
        onnxruntime path keeps only the image tower)."""
        if self.model is None or self.tokenizer is None:
            return None
        import torch

        with torch.inference_mode():
            emb = self.model.encode_text(self.tokenizer([text])).float()[0].numpy()
        return self.score_embedding(emb / np.linalg.norm(emb)).moods

    def score(self, rgb: np.ndarray) -> SceneResult:
        return self.score_embedding(self.embed_images([rgb])[0])

    def score_embedding(self, image_embedding: np.ndarray) -> SceneResult:
        sims = self.text_embeddings @ image_embedding * self.logit_scale
        mood_p = _softmax(sims[self._mood_idx])
        scene_p = _softmax(sims[self._scene_idx])
        moods = {self.class_names[i].split(":", 1)[1]: float(p) for i, p in zip(self._mood_idx, mood_p)}
        # scenes carry moods too: blend the scene's mood prior into what the mood prompts say
        for i, p in zip(self._scene_idx, scene_p):
            for mood, share in SCENES[self.class_names[i].split(":", 1)[1]][1].items():
                moods[mood] = moods.get(mood, 0.0) + float(p) * share
        total = sum(moods.values())
        moods = {m: p / total for m, p in moods.items()}
        top = sorted(moods.values(), reverse=True)
        scenes = sorted(
            ((self.class_names[i].split(":", 1)[1], float(p)) for i, p in zip(self._scene_idx, scene_p)),
            key=lambda kv: -kv[1],
        )[:3]
        return SceneResult(moods=moods, scenes=scenes, margin=top[0] - (top[1] if len(top) > 1 else 0.0))



_PIL_FILTERS = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "nearest": Image.NEAREST}


def numpy_preprocess(image_size: int, mean: Sequence[float], std: Sequence[float], interpolation: str = "bicubic"):
    """OpenCLIP's evaluation transform without PyTorch: resize the shortest side to `image_size`
    (PIL, as torchvision does for PIL images), centre-crop, scale to 0..1, normalise → (3, H, W)."""
    m = np.asarray(mean, np.float32)[:, None, None]
    sd = np.asarray(std, np.float32)[:, None, None]
    resample = _PIL_FILTERS.get(interpolation, Image.BICUBIC)

    def run(img: Image.Image) -> np.ndarray:
        w, h = img.size
        # torchvision's rule: the short side becomes image_size, the long one int(image_size * long / short)
        size = (image_size, int(image_size * h / w)) if w <= h else (int(image_size * w / h), image_size)
        img = img.convert("RGB").resize(size, resample)
        left, top = int(round((img.width - image_size) / 2.0)), int(round((img.height - image_size) / 2.0))
        img = img.crop((left, top, left + image_size, top + image_size))
        return (np.asarray(img, np.float32).transpose(2, 0, 1) / 255.0 - m) / sd

    return run



# How the int8 image tower is made (models.clip_prepare.quantized); part of its file name and of the
# prepared model's key, so a cache made by an older recipe is made again, not reused.
INT8_RECIPE = "int8-matmuls"


def manifest_path(cache_dir: Path, model_name: str, pretrained: str, int8: bool) -> Path:
    """Where a prepared scene model is described. Keyed by the model, the prompts, the weights (a
    local file by its path, size and mtime, never reading its 600 MB; a pretrained tag by name) and
    whether its image tower is the int8 one (by INT8_RECIPE)."""
    if os.path.isfile(pretrained):
        st = os.stat(pretrained)
        source = f"file|{os.path.realpath(pretrained)}|{st.st_size}|{st.st_mtime_ns}"
    else:
        source = f"tag|{pretrained}"
    ident = f"{model_name}|{source}|{json.dumps(prompt_set(), sort_keys=True)}" + (f"|{INT8_RECIPE}" if int8 else "")
    return cache_dir / f"scene-{hashlib.sha256(ident.encode()).hexdigest()[:16]}.json"


def load_prepared(manifest: Path, threads: int) -> Optional["ClipScorer"]:
    """The scorer straight from its cached pieces (ONNX image tower, text embeddings, transform
    settings): no PyTorch, no OpenCLIP, no 600 MB of weights in memory. None if anything is missing."""
    try:
        info = json.loads(manifest.read_text())
        text = np.load(manifest.parent / info["text"])
        tower = manifest.parent / info["onnx"]
        if not tower.is_file():
            raise FileNotFoundError(tower)
        session = onnx_session(tower, threads)  # from its path: a float tower's weights are in a file beside it
    except Exception as exc:  # unreadable JSON or arrays, onnxruntime's own errors (not OSError): rebuild
        log.info("scene model cache %s not usable (%s); building from the weights", manifest, exc)
        return None
    preprocess = numpy_preprocess(info["image_size"], info["mean"], info["std"], info["interpolation"])  # as written by models.clip_prepare
    return ClipScorer(None, preprocess, None, logit_scale=info["logit_scale"], image_session=session, text_embeddings=text)
