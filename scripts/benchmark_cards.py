"""How long a mood card and a history card take to render, on real readings and real songs.

    python scripts/benchmark_cards.py [--runs 50] [--save docs/] [--json]

Reads the demo photos with the bundled models (faces and colour; offline), ranks songs from the
bundled catalog, then renders each card `--runs` times (JPEG bytes out, as the bots send them) and
prints p50/p95 in ms. A large photo (4000×3000) is included: its thumbnail is decoded in JPEG draft
mode. `--save DIR` writes card-example.jpg and history-example.jpg there (the README shows them).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = ROOT / "bot" / "demo"


def timed(fn, runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2)}


def big_photo() -> bytes:
    from PIL import Image

    img = Image.open(DEMO / "astronaut.jpg").convert("RGB").resize((4000, 3000))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92)
    return out.getvalue()


async def main_async(args) -> dict:
    from bot import replies
    from bot.cards import card_for_photo, render_history_card, render_mood_card
    from bot.root import open_services
    from core.settings import Settings

    photos = {name: (DEMO / name).read_bytes() for name in ("astronaut.jpg", "coffee.jpg", "rocket.jpg", "cat.jpg")}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(allow_downloads=False, clip_enabled=False, deepface_emotion=False, db_path=Path(tmp) / "cards.sqlite3")
        async with open_services(settings) as services:
            app = services.moodtune
            answers = {name: await app.photos.answer(data, user="demo", chat="demo") for name, data in photos.items()}
            for answer in answers.values():  # the first song of each list liked, as a person would
                await app.lists.rate_song(user="demo", recommendation=answer.recommendation.id, position=0, score=1)
            history = await app.people.history(user="demo")
    first = answers["astronaut.jpg"]
    card_args = card_for_photo(first.reading, first.recommendation)
    large = big_photo()
    history_args = {"title": replies.history_title(len(history.readings), False),
                    "points": [(r.label, r.valence, r.arousal) for r in history.readings], "counts": history.counts,
                    "liked": [f"{t.artist} — {t.title}" for t in history.liked]}
    report = {  # as the bots do it: the thumbnail the pipeline kept; and, for comparison, decoding the photo's bytes
        "mood_card": timed(lambda: render_mood_card(**card_args, photo=first.reading.thumbnail), args.runs),
        "mood_card_from_12mp_bytes": {**timed(lambda: render_mood_card(**card_args, photo=large), args.runs),
                                      "photo_mb": round(len(large) / 2**20, 1)},
        "history_card": timed(lambda: render_history_card(**history_args), args.runs),
    }
    if args.save:
        folder = Path(args.save)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "card-example.jpg").write_bytes(render_mood_card(**card_args, photo=first.reading.thumbnail))
        (folder / "history-example.jpg").write_bytes(render_history_card(**history_args))
        report["saved"] = [str(folder / "card-example.jpg"), str(folder / "history-example.jpg")]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--save", help="folder to write the two example cards to")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
