"""Photo bytes in, a validated RGB array out — or a typed error a chat user understands.

Everything a person can send passes through `decode_image`: the limits are checked on the bytes and
on the header's pixel count *before* any pixel is decoded (so a decompression bomb costs nothing),
EXIF orientation is applied, transparency is flattened onto white, and grey / palette / CMYK /
16-bit images become 8-bit RGB. Photos stay in memory; nothing is written to disk.
"""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import UserError

log = logging.getLogger(__name__)

try:  # HEIC/HEIF (iPhone photos sent as files); optional so a broken wheel never blocks start-up
    from pillow_heif import register_heif_opener

    register_heif_opener()
    _HEIF = ("HEIF",)
except ImportError:  # pragma: no cover - depends on the platform wheel
    _HEIF = ()

# Formats we decode. MPO is what many phones write for JPEGs; Pillow names it separately.
FORMATS: tuple[str, ...] = ("JPEG", "MPO", "PNG", "WEBP", "BMP", "TIFF", "GIF") + _HEIF
MIN_SIDE = 16
ORIENTATION = 0x0112  # the EXIF tag
DRAFT_FLOOR = 0.9  # a JPEG may be decoded this much under the working size (see decode_image)

# Magic numbers of files people send by mistake, so the refusal can name what they sent.
_KNOWN_NON_IMAGES: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF", 0, "PDF"),
    (b"PK\x03\x04", 0, "ZIP archive or Office document"),
    (b"Rar!", 0, "RAR archive"),
    (b"7z\xbc\xaf", 0, "7-Zip archive"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"ID3", 0, "MP3 audio"),
    (b"OggS", 0, "Ogg audio/video"),
    (b"\x1aE\xdf\xa3", 0, "video (WebM/MKV)"),
    (b"ftypqt", 4, "video (QuickTime)"),
    (b"ftypisom", 4, "video (MP4)"),
    (b"ftypmp4", 4, "video (MP4)"),
    (b"ftypM4A", 4, "audio (M4A)"),
    (b"RIFF", 0, "RIFF file (WAV/AVI)"),
    (b"\x7fELF", 0, "program"),
    (b"MZ", 0, "Windows program"),
    (b"<svg", 0, "SVG drawing"),
    (b"<?xml", 0, "XML document"),
)


class ImageError(UserError, ValueError):
    """A photo we refuse; its `kind` and facts are worded by bot.replies for the sender."""

    kind = "bad_image"


class EmptyFile(ImageError):
    kind = "empty"


class NotAnImage(ImageError):
    kind = "not_an_image"


class UnsupportedFormat(ImageError):
    kind = "unsupported_format"


class FileTooLarge(ImageError):
    kind = "too_many_bytes"


class TooManyPixels(ImageError):
    kind = "too_many_pixels"


class ImageTooSmall(ImageError):
    kind = "too_small"


class DamagedImage(ImageError):
    kind = "damaged"


@dataclass(frozen=True)
class DecodedImage:
    """An RGB photo ready for the models.

    `rgb` is uint8 HxWx3, downscaled so its longest side is at most the working size;
    `scale` = original / working pixels, to report face boxes in the sender's coordinates.
    """

    rgb: np.ndarray
    format: str
    original_size: tuple[int, int]  # (width, height) after EXIF rotation
    scale: float


def sniff_non_image(data: bytes) -> str | None:
    """Name the kind of a file that is certainly not a photo (PDF, ZIP, MP3...), or None."""
    head = data[:64].lstrip() if data[:1].isspace() else data[:64]
    for magic, offset, name in _KNOWN_NON_IMAGES:
        if head[offset : offset + len(magic)] == magic:
            return name
    try:
        data[:512].decode("utf-8")
        return "text file"
    except UnicodeDecodeError:
        return None


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB; transparency is composited onto white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        span = hi - lo if hi > lo else 1.0
        img = Image.fromarray(((arr - lo) / span * 255.0).round().astype(np.uint8), mode="L")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return img.convert("RGB")


def decode_image(
    data: bytes,
    *,
    max_bytes: int = 20 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    working_side: int = 1024,
) -> DecodedImage:
    """Decode and validate photo bytes; raise a subclass of ImageError when we can't use them."""
    if not data:
        raise EmptyFile()
    if len(data) > max_bytes:
        raise FileTooLarge(mb=len(data) / 2**20, max_mb=max_bytes / 2**20)
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise NotAnImage(what=sniff_non_image(data)) from None
    except Image.DecompressionBombError as exc:  # Pillow's own guard fires first for giant headers
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise TooManyPixels(detail=str(exc), mp=int(found.group(1)) / 1e6 if found else None, max_mp=max_pixels / 1e6) from None

    if img.format not in FORMATS:
        raise UnsupportedFormat(format=img.format)
    width, height = img.size
    if width * height > max_pixels:
        raise TooManyPixels(width=width, height=height, mp=width * height / 1e6, max_mp=max_pixels / 1e6)
    if min(width, height) < MIN_SIDE:
        raise ImageTooSmall(width=width, height=height)

    fmt = img.format
    scale = max(1.0, max(width, height) / working_side)
    try:
        with warnings.catch_warnings():
            # we enforce our own pixel limit above; Pillow's own warning would only add noise
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            turned = img.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)  # EXIF says: turn a quarter
            original_size = (height, width) if turned else (width, height)
            if getattr(img, "is_animated", False):
                img.seek(0)  # GIF / animated WebP: the first frame
            if scale > 1 and fmt in ("JPEG", "MPO"):
                # libjpeg decodes straight at 1/2, 1/4 or 1/8 of the size (DCT scaling), down to
                # DRAFT_FLOOR of the working size: a 12-megapixel phone photo (4032 px) is decoded at
                # 1008 px — a sixteenth of its pixels — instead of whole and then shrunk
                floor = DRAFT_FLOOR / scale
                img.draft(img.mode, (math.ceil(width * floor), math.ceil(height * floor)))
                scale = max(1.0, max(width, height) / min(working_side, max(img.size)))
            img.load()
            img = ImageOps.exif_transpose(img) or img
            img = _to_rgb(img)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        log.info("damaged image (%s): %s", fmt, exc)
        raise DamagedImage(detail=str(exc)) from None

    if scale > 1:
        img = img.resize(
            (max(1, round(original_size[0] / scale)), max(1, round(original_size[1] / scale))),
            Image.Resampling.BILINEAR,
            reducing_gap=2.0,
        )
    return DecodedImage(rgb=np.asarray(img, dtype=np.uint8), format=fmt, original_size=original_size, scale=scale)
