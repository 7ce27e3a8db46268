"""Colour and light: brightness, contrast, saturation, colourfulness, warmth, dominant colours.

They become a weak valence/arousal cue through Valdez & Mehrabian (1994, "Effects of color on
emotions", J. Exp. Psych. General 123(4)), who regressed felt pleasure and arousal on colour:
    pleasure = 0.69 * brightness + 0.22 * saturation
    arousal  = -0.31 * brightness + 0.60 * saturation
We centre both on a typical photo (brightness 0.45, saturation 0.35), scale into -1..1, and let
warmth (warm hues feel more activating) and contrast add a little arousal. Colour alone says little
about a photo's mood, so fusion treats it as a prior with a small weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TYPICAL_BRIGHTNESS = 0.45
TYPICAL_SATURATION = 0.35


@dataclass(frozen=True)
class ColorFeatures:
    brightness: float  # mean lightness, 0..1
    contrast: float  # std of lightness, 0..~0.5
    saturation: float  # mean HSV saturation, 0..1
    colorfulness: float  # Hasler & Süsstrunk (2003) metric / 100, ~0..1.5
    warmth: float  # (red - blue) balance, -1 (cool) .. 1 (warm)
    dominant: list[str]  # up to 3 hex colours, most common first
    valence: float  # cue, -1..1
    arousal: float  # cue, -1..1


def color_features(rgb: np.ndarray, sample_side: int = 128) -> ColorFeatures:
    """Colour statistics of an RGB uint8 image (computed on a small copy: they are global)."""
    h, w = rgb.shape[:2]
    f = min(1.0, sample_side / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    pixels = small.reshape(-1, 3).astype(np.float32)

    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    lightness = lab[:, 0] / 255.0
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.float32)
    saturation = float(hsv[:, 1].mean() / 255.0)
    brightness = float(lightness.mean())
    contrast = float(lightness.std())

    r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    colorfulness = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())) / 100.0
    warmth = float(np.clip((r.mean() - b.mean()) / 128.0, -1.0, 1.0))

    k = 3
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    _, labels, centers = cv2.kmeans(pixels, k, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    hexes = ["#%02x%02x%02x" % tuple(int(c) for c in centers[i]) for i in np.argsort(-counts) if counts[i]]
    dominant = list(dict.fromkeys(hexes))  # a flat image gives k identical centres

    pleasure = 0.69 * brightness + 0.22 * saturation
    activation = -0.31 * brightness + 0.60 * saturation
    pleasure0 = 0.69 * TYPICAL_BRIGHTNESS + 0.22 * TYPICAL_SATURATION
    activation0 = -0.31 * TYPICAL_BRIGHTNESS + 0.60 * TYPICAL_SATURATION
    valence = float(np.tanh(3.0 * (pleasure - pleasure0)))
    arousal = float(np.tanh(3.0 * (activation - activation0) + 0.4 * warmth + 1.0 * (contrast - 0.2)))
    return ColorFeatures(
        brightness=round(brightness, 4),
        contrast=round(contrast, 4),
        saturation=round(saturation, 4),
        colorfulness=round(colorfulness, 4),
        warmth=round(warmth, 4),
        dominant=dominant,
        valence=round(valence, 4),
        arousal=round(arousal, 4),
    )
