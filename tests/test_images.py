"""Photos in safely: every format people send decodes; every refusal says why in plain words."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

from bot.replies import ERRORS, error_text
from core.reading import images as I
from tests.conftest import DEMO, image_bytes


def gradient(w=120, h=90, mode="RGB"):
    arr = np.zeros((h, w, 3), np.uint8)
    arr[..., 0] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]
    arr[..., 2] = 200
    return Image.fromarray(arr).convert(mode)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF"])
def test_common_formats_decode_to_rgb(fmt):
    img = I.decode_image(image_bytes(gradient(), fmt))
    assert img.rgb.shape == (90, 120, 3) and img.rgb.dtype == np.uint8
    assert img.format == fmt
    assert img.rgb[:, -1, 0].mean() > 200 and img.rgb[:, 0, 0].mean() < 60  # red ramp survives


def test_heic_decodes_when_pillow_heif_is_installed():
    pytest.importorskip("pillow_heif")
    data = image_bytes(gradient(), "HEIF")
    assert I.decode_image(data).rgb.shape == (90, 120, 3)


def test_gif_first_frame_is_used():
    red, blue = Image.new("RGB", (40, 40), (255, 0, 0)), Image.new("RGB", (40, 40), (0, 0, 255))
    data = image_bytes(red, "GIF", save_all=True, append_images=[blue], duration=100)
    rgb = I.decode_image(data).rgb
    assert rgb[..., 0].mean() > 200 and rgb[..., 2].mean() < 50


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (100, 50), (0, 200, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when shown
    out = I.decode_image(image_bytes(img, "JPEG", exif=exif.tobytes()))
    assert out.rgb.shape[:2] == (100, 50)
    assert out.original_size == (50, 100)


def test_transparency_is_flattened_onto_white():
    img = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    rgb = I.decode_image(image_bytes(img, "PNG")).rgb
    assert (rgb == 255).all()
    p = Image.new("P", (40, 40), 0)
    p.putpalette([0, 0, 0] * 256)
    p.info["transparency"] = 0
    assert (I.decode_image(image_bytes(p, "PNG", transparency=0)).rgb == 255).all()


@pytest.mark.parametrize(
    "mode, fmt, expected",
    [("L", "PNG", (128, 128, 128)), ("CMYK", "JPEG", (255, 0, 0)), ("CMYK", "TIFF", (255, 0, 0))],
)
def test_grey_and_cmyk_become_rgb(mode, fmt, expected):
    colour = {"L": 128, "CMYK": (0, 255, 255, 0)}[mode]
    rgb = I.decode_image(image_bytes(Image.new(mode, (40, 40), colour), fmt)).rgb
    assert np.allclose(rgb[20, 20], expected, atol=3)


def test_16_bit_image_is_scaled_not_clipped():
    arr = np.tile(np.linspace(0, 65535, 64, dtype=np.uint16), (32, 1))
    img = Image.fromarray(arr)
    assert img.mode.startswith("I;16")
    rgb = I.decode_image(image_bytes(img, "PNG")).rgb
    assert rgb[0, 0, 0] == 0 and rgb[0, -1, 0] == 255 and 100 < rgb[0, 32, 0] < 160


def test_large_photo_is_downscaled_and_scale_reported():
    out = I.decode_image(image_bytes(gradient(3000, 1500), "JPEG"), working_side=1000)
    assert out.rgb.shape[:2] == (500, 1000) and out.scale == pytest.approx(3.0)
    assert out.original_size == (3000, 1500)


def test_a_12_megapixel_phone_photo_is_never_decoded_whole_and_stays_upright(monkeypatch):
    """A phone's 4032 × 3024 JPEG, turned by its EXIF as phones write them: libjpeg decodes it at a
    quarter of each side (DCT scaling), never its 12 million pixels; the picture is the same as a
    whole decode shrunk, upright, and its size and scale are the sender's."""
    from PIL import JpegImagePlugin

    upright = Image.open(DEMO / "astronaut.jpg").convert("RGB").resize((3024, 4032))  # as the phone shows it
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways (4032 wide), shown turned a quarter clockwise
    data = image_bytes(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif.tobytes(), quality=90)
    decoded_sizes = []
    load = JpegImagePlugin.JpegImageFile.load
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", lambda self: (decoded_sizes.append(self.size), load(self))[1])
    out = I.decode_image(data)
    assert decoded_sizes and max(w * h for w, h in decoded_sizes) <= 4032 * 3024 / 16
    assert out.original_size == (3024, 4032) and out.scale == pytest.approx(4.0)
    assert out.rgb.shape[:2] == (1008, 756)  # upright: taller than wide, as the phone showed it
    whole = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).resize((756, 1008), Image.Resampling.BOX))
    assert np.abs(out.rgb.astype(int) - whole.astype(int)).mean() < 4
    assert np.abs(out.rgb.astype(int) - np.asarray(upright.resize((756, 1008))).astype(int)).mean() < 6


def test_real_photo_decodes():
    out = I.decode_image((DEMO / "coffee.jpg").read_bytes())
    assert out.rgb.shape == (400, 600, 3)


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels, with (almost) no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding():
    data = _png_header(50_000, 50_000)  # 2.5 gigapixels in a few dozen bytes
    with pytest.raises(I.TooManyPixels) as err:
        I.decode_image(data)
    assert error_text(err.value) == "That image is 2500 MP; I can read up to 40 MP."


def test_pixel_limit_is_configurable():
    with pytest.raises(I.TooManyPixels) as err:
        I.decode_image(image_bytes(gradient(2000, 1000), "PNG"), max_pixels=1_000_000)
    assert error_text(err.value) == "That image is 2000×1000 pixels (2 MP); I can read up to 1 MP."


def test_file_over_byte_limit_is_refused_with_sizes():
    with pytest.raises(I.FileTooLarge) as err:
        I.decode_image(b"\xff" * 2_000_000, max_bytes=1_000_000)
    assert "1.9 MB" in error_text(err.value) and "1.0 MB" in error_text(err.value)


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "PDF"),
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP archive or Office document"),
        (b"ID3\x03\x00" + b"\x00" * 100, "MP3 audio"),
        (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100, "video (MP4)"),
        ("Hello, this is a note\n".encode(), "text file"),
    ],
)
def test_non_images_are_named(data, kind):
    with pytest.raises(I.NotAnImage) as err:
        I.decode_image(data)
    assert error_text(err.value) == f"That file isn't an image I can read ({kind})."


def test_unknown_binary_is_refused_plainly():
    with pytest.raises(I.NotAnImage) as err:
        I.decode_image(bytes(range(256)) * 4)
    assert error_text(err.value) == "That file isn't an image I can read."


def test_empty_and_tiny_files():
    with pytest.raises(I.EmptyFile):
        I.decode_image(b"")
    with pytest.raises(I.ImageTooSmall) as err:
        I.decode_image(image_bytes(Image.new("RGB", (8, 8)), "PNG"))
    assert "8×8" in error_text(err.value)


def test_truncated_jpeg_is_reported_as_damaged():
    data = (DEMO / "coffee.jpg").read_bytes()
    with pytest.raises(I.DamagedImage) as err:
        I.decode_image(data[: len(data) // 3])
    assert "damaged" in error_text(err.value)


def test_unsupported_image_format_is_named():
    data = image_bytes(gradient(), "ICO")  # an image, but not one we accept
    with pytest.raises(I.UnsupportedFormat) as err:
        I.decode_image(data)
    assert "can't read ICO images" in error_text(err.value)


def test_every_refusal_has_a_reason_code():
    codes = {cls.kind for cls in I.ImageError.__subclasses__()}
    assert len(codes) == len(I.ImageError.__subclasses__())
    assert codes <= set(ERRORS)  # and each has its sentence
