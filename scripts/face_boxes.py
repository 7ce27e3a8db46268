"""Draw the faces the bot finds and reads in a photo, as the docs show crowded photos.

    python scripts/face_boxes.py PHOTO [--out faces.svg] [--png faces.png] [--json]

The SVG holds the photo's outline and the boxes only — no pixel of the photo — so a picture of a photo
the project may not ship can still go into docs/: green, the faces read (the most prominent, at most
MOODTUNE_MAX_FACES); grey, faces found but not read; the caption says "read N of M". `--png` draws
the same boxes on the photo itself, for looking at locally (never commit one of a photo you may not
ship). `--json` prints the boxes. The detector and its settings are the bot's (core.settings).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.reading.images import decode_image  # noqa: E402
from core.settings import Settings  # noqa: E402
from models.faces import make_detector  # noqa: E402


def svg(width: int, height: int, read: list, unread: list, caption: str) -> str:
    rect = lambda b, colour, w: (f'<rect x="{b[0]}" y="{b[1]}" width="{b[2]}" height="{b[3]}" '  # noqa: E731
                                 f'fill="none" stroke="{colour}" stroke-width="{w}"/>')
    body = [rect(b, "#9a9a9a", 1.5) for b in unread] + [rect(b, "#1a9a3a", 3) for b in read]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 28}" width="{width}" height="{height + 28}">'
            f'<rect width="{width}" height="{height}" fill="#f4f4f4" stroke="#444"/>{"".join(body)}'
            f'<text x="6" y="{height + 20}" font-family="sans-serif" font-size="16">{caption}</text></svg>\n')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photo", type=Path)
    parser.add_argument("--out", type=Path, help="write the SVG here")
    parser.add_argument("--png", type=Path, help="draw the boxes on the photo, for local viewing")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    rgb = decode_image(args.photo.read_bytes(), working_side=settings.working_side).rgb
    detector = make_detector(settings.face_detector, align=settings.face_align, check=settings.face_check)
    everyone = detector.find(rgb)
    read = [f.box for f in everyone.faces[: settings.max_faces]]
    unread = [f.box for f in everyone.faces[settings.max_faces :]]
    caption = f"{args.photo.name}: read {len(read)} of {len(everyone.faces)} faces"
    if args.json:
        print(json.dumps({"photo": args.photo.name, "size": rgb.shape[1::-1], "read": read, "unread": unread}))
    else:
        print(caption)
    if args.out:
        args.out.write_text(svg(rgb.shape[1], rgb.shape[0], read, unread, caption), encoding="utf-8")
    if args.png:
        import cv2

        canvas = rgb[:, :, ::-1].copy()
        for boxes, colour, width in ((unread, (160, 160, 160), 1), (read, (40, 160, 30), 2)):
            for x, y, w, h in boxes:
                cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, width)
        cv2.imwrite(str(args.png), canvas)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
