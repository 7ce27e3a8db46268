"""Pictures of a mood (Pillow): the card under a photo's answer, and a person's or group's history.

A card shows what the text says, at a glance: the photo's thumbnail; the reading as a dot on the
valence–arousal circle (right = pleasant, up = energetic; the dot's size and ring grow with the
confidence); how much each signal contributed; the songs. A history card puts the last readings on
the same circle, oldest faint to newest solid, joined in order. JPEG, at most 1280 px wide; the
words come from bot.replies.

`circle_position()` is public so a test can check the dot is where the reading says.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from bot.i18n import _, percent
from core.emotions import VA_POINTS
from core.reading.fusion import MoodReading

WIDTH, HEIGHT = 1200, 630
BACKGROUND = (250, 248, 244)
INK = (40, 40, 48)
MUTED = (150, 150, 160)
CIRCLE = (620, 300, 210)  # centre x, centre y, radius
SIGNAL_COLOURS = {"faces": (230, 120, 60), "scene": (70, 130, 200), "color": (140, 110, 190)}
MOOD_COLOURS = {
    "happy": (245, 180, 40), "energetic": (240, 100, 40), "surprise": (250, 140, 160), "angry": (210, 50, 50),
    "fear": (120, 70, 150), "disgust": (110, 140, 60), "sad": (60, 100, 190), "calm": (60, 170, 150),
    "romantic": (230, 90, 140), "nostalgic": (170, 130, 90), "neutral": (140, 140, 140),
}


@dataclass(frozen=True)
class CardSong:
    number: int
    line: str  # "Artist — Title"


_FONTS: dict[int, ImageFont.FreeTypeFont] = {}
# DejaVu Sans covers Latin, Greek and Cyrillic (song titles in many languages) and is on most Linux
# systems; without it, Pillow's bundled font (Latin only; a missing glyph shows as a box).
FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                   "/Library/Fonts/Arial Unicode.ttf", "C:/Windows/Fonts/arial.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont:
    """The first available font of FONT_CANDIDATES at `size`, cached."""
    font = _FONTS.get(size)
    if font is None:
        for path in FONT_CANDIDATES:
            try:
                font = ImageFont.truetype(path, size)
                break
            except OSError:
                continue
        else:
            font = ImageFont.load_default(size=size)
        _FONTS[size] = font
    return font


def _fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """`text`, cut with an ellipsis to fit `width` pixels."""
    if font.getlength(text) <= width:
        return text
    while len(text) > 1 and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def circle_position(valence: float, arousal: float) -> tuple[int, int]:
    """Pixel of a valence/arousal point on the card's circle (x right = pleasant, y up = energetic)."""
    cx, cy, r = CIRCLE
    return round(cx + valence * r), round(cy - arousal * r)


def _draw_circle(draw: ImageDraw.ImageDraw) -> None:
    cx, cy, r = CIRCLE
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=MUTED, width=2)
    draw.line((cx - r, cy, cx + r, cy), fill=(220, 218, 214), width=1)
    draw.line((cx, cy - r, cx, cy + r), fill=(220, 218, 214), width=1)
    from bot.replies import card_words, mood_name

    words = card_words()
    small = _font(15)
    draw.text((cx + r - 6, cy + 6), words["pleasant"], font=small, fill=MUTED, anchor="ra")
    draw.text((cx - r + 6, cy + 6), words["unpleasant"], font=small, fill=MUTED, anchor="la")
    draw.text((cx, cy - r - 6), words["energetic"], font=small, fill=MUTED, anchor="md")
    draw.text((cx, cy + r + 6), words["calm"], font=small, fill=MUTED, anchor="ma")
    for label, point in VA_POINTS.items():
        x, y = circle_position(point.valence, point.arousal)
        draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=(200, 198, 194))
        draw.text((x + 6, y), mood_name(label), font=small, fill=(175, 173, 170), anchor="lm")


def _thumbnail(photo, size: int) -> Optional[Image.Image]:
    """The photo at most `size` px: from the reading's thumbnail (an RGB array, nothing to decode),
    or from bytes (JPEG draft mode decodes at a fraction of full size); None when unreadable (the
    card is drawn without it)."""
    if photo is None or (isinstance(photo, (bytes, bytearray)) and not photo):
        return None
    try:
        if isinstance(photo, np.ndarray):
            img = Image.fromarray(photo)
        else:
            img = Image.open(io.BytesIO(photo))
            img.draft("RGB", (size, size))
            img = ImageOps.exif_transpose(img.convert("RGB"))
        img.thumbnail((size, size))
        return img
    except Exception:  # noqa: BLE001 — a card without a thumbnail is still a card
        return None


def _to_jpeg(card: Image.Image) -> bytes:
    out = io.BytesIO()
    card.save(out, "JPEG", quality=85, optimize=False)
    return out.getvalue()


def render_mood_card(
    *, headline: str, valence: float, arousal: float, confidence: float, label: str,
    signals: Sequence[tuple[str, str, float]], songs: Sequence[CardSong], photo: "np.ndarray | bytes | None" = None,
    path: Sequence[tuple[float, float]] = (),
) -> bytes:
    """A reading's card as JPEG bytes. `photo`: the reading's thumbnail (or the photo's bytes);
    `signals`: (name, words, share); `path`: earlier points of a moving reading (a video's frames),
    drawn as a trail to the dot."""
    card = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(card)
    thumb = _thumbnail(photo, 340)
    if thumb is not None:
        card.paste(thumb, (30 + (340 - thumb.width) // 2, 30 + (340 - thumb.height) // 2))
    else:
        draw.rectangle((30, 30, 370, 370), outline=(225, 222, 218), width=2)
    _draw_circle(draw)
    colour = MOOD_COLOURS.get(label, INK)
    if path:
        points = [circle_position(v, a) for v, a in path] + [circle_position(valence, arousal)]
        draw.line(points, fill=colour, width=3)
    x, y = circle_position(valence, arousal)
    dot = 10 + round(18 * confidence)
    draw.ellipse((x - dot - 8, y - dot - 8, x + dot + 8, y + dot + 8), outline=colour, width=3)
    draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=colour)

    draw.text((30, 390), _fit(headline, _font(34), 380), font=_font(34), fill=INK)
    top = 450
    for name, words, share in signals:
        draw.text((30, top), words, font=_font(18), fill=INK)
        draw.rectangle((30, top + 26, 30 + 300, top + 38), fill=(232, 229, 224))
        draw.rectangle((30, top + 26, 30 + round(300 * max(0.0, min(1.0, share))), top + 38), fill=SIGNAL_COLOURS.get(name, MUTED))
        draw.text((340, top + 32), percent(share), font=_font(16), fill=MUTED, anchor="lm")
        top += 52

    from bot.replies import card_words

    draw.text((870, 40), card_words()["songs"], font=_font(26), fill=INK)
    line_font = _font(18)
    for i, song in enumerate(songs[:12]):
        draw.text((870, 86 + i * 40), _fit(f"{song.number}. {song.line}", line_font, 310), font=line_font, fill=INK)
    return _to_jpeg(card)


def render_history_card(
    *, title: str, points: Sequence[tuple[str, float, float]], counts: Sequence[tuple[str, int]], liked: Sequence[str],
) -> bytes:
    """The last readings on the circle, oldest faint to newest solid and joined in order; the moods
    counted; the songs liked most. `points`: (label, valence, arousal) oldest first."""
    card = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(card)
    _draw_circle(draw)
    from bot.replies import card_words, mood_name

    xy = [circle_position(v, a) for _label, v, a in points]
    if len(xy) > 1:
        draw.line(xy, fill=(205, 200, 195), width=2)
    n = len(points)
    for k, ((label, _v, _a), (x, y)) in enumerate(zip(points, xy)):
        age = (k + 1) / n  # 1 for the newest
        base = MOOD_COLOURS.get(label, INK)
        colour = tuple(round(BACKGROUND[c] + (base[c] - BACKGROUND[c]) * (0.25 + 0.75 * age)) for c in range(3))
        r = 6 + round(6 * age)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    if xy:
        x, y = xy[-1]
        draw.ellipse((x - 17, y - 17, x + 17, y + 17), outline=INK, width=2)  # the newest, ringed

    draw.text((30, 40), title, font=_font(30), fill=INK)
    top = 100
    for label, count in counts[:8]:
        draw.ellipse((30, top + 4, 46, top + 20), fill=MOOD_COLOURS.get(label, INK))
        draw.text((56, top), f"{mood_name(label)} × {count}", font=_font(20), fill=INK)
        top += 34
    draw.text((870, 40), card_words()["liked"], font=_font(26), fill=INK)
    for i, line in enumerate(liked[:10]):
        draw.text((870, 86 + i * 40), _fit(line, _font(18), 310), font=_font(18), fill=INK)
    return _to_jpeg(card)


def card_for_photo(reading: MoodReading, rec) -> dict[str, Any]:
    """render_mood_card's numbers for a reading and its songs, with bot.replies' words for them."""
    from bot.replies import mood_name, signal_words

    used = sorted((s for s in reading.signals if s.available and s.weight > 0), key=lambda s: -s.weight)
    return {
        "headline": _("{mood} — {confidence} sure").format(mood=mood_name(reading.label).capitalize(),
                                                          confidence=percent(reading.confidence)),
        "valence": reading.valence, "arousal": reading.arousal, "confidence": reading.confidence, "label": reading.label,
        "signals": [(s.name, signal_words(s), s.weight) for s in used],
        "songs": [CardSong(i, f"{s.track.artist} — {s.track.title}") for i, s in enumerate(rec.songs, 1)],
        "path": [(v, a) for _label, v, a in reading.parts] if reading.kind == "video" else [],
    }
