"""Memory under a flood: 60 photos of 19.9 MB arrive at once. `python scripts/flood_memory.py [--json]`

Drives the real python-telegram-bot Application and the real pipeline (faces and colour; no scene
model, which only adds its fixed weights) against the fake Bot API of the tests, on 127.0.0.1: 60
people in 10 chats send a 19.9 MB photo each at the same moment. Prints how many were downloaded,
answered with songs, or refused (busy / per-chat share), the peak memory (max RSS) of the process
before and after, and the bound the admission promises: at most `analysis_threads + analysis_queue`
photos downloaded or waiting at once, each at most 20 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHOTOS, CHATS, TARGET_BYTES = 60, 10, int(19.9 * 2**20)


def big_jpeg() -> bytes:
    """A noisy JPEG just under 19.9 MB (noise does not compress): the largest side that fits."""
    from PIL import Image

    rng = np.random.default_rng(0)
    best, side = b"", 2000
    for _ in range(12):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)).save(buf, "JPEG", quality=95)
        if buf.tell() <= TARGET_BYTES:
            best = buf.getvalue()
            if buf.tell() > TARGET_BYTES * 0.97:
                break
        side = max(64, int(side * (TARGET_BYTES * 0.985 / buf.tell()) ** 0.5))
    return best


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run() -> dict:
    from telegram import Update

    from pydantic import SecretStr

    from bot.root import open_services
    from core.settings import Settings

    from tests.fakes.telegram_api import BOT, FakeTelegram

    data = big_jpeg()
    api = FakeTelegram().start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(allow_downloads=False, clip_enabled=False, deepface_emotion=False, photos_per_minute=6,
                            telegram_token=SecretStr("123:abc"), telegram_api_base_url=api.base_url,
                            db_path=Path(tmp) / "flood.sqlite3")
        async with open_services(settings) as services:
            app = services.moodtune
            application = services.telegram()
            await application.initialize()
            before = rss_mb()
            updates = []
            for i in range(PHOTOS):
                file_id = f"big{i}"
                api.files[f"photos/{file_id}.jpg"] = data
                chat = {"id": 1000 + i % CHATS, "type": "private" if i % CHATS == 0 else "supergroup", "title": f"c{i % CHATS}"}
                user = {"id": 5000 + i, "is_bot": False, "first_name": f"p{i}"}
                sizes = [{"file_id": file_id, "file_unique_id": file_id, "width": 4000, "height": 4000, "file_size": len(data)}]
                caption = "" if chat["type"] == "private" else f"@{BOT['username']}"  # groups: photos that mention the bot
                updates.append({"update_id": i + 1, "message": {"message_id": i + 1, "date": int(time.time()), "chat": chat,
                                                                "from": user, "photo": sizes, "caption": caption}})
            t0 = time.perf_counter()
            await asyncio.gather(*(application.process_update(Update.de_json(u, application.bot)) for u in updates))
            elapsed = time.perf_counter() - t0
            texts = [m.get("text", "") for m in api.said()]
            report = {
                "photos": PHOTOS, "photo_mb": round(len(data) / 2**20, 1), "chats": CHATS,
                "downloaded": len([m for m, _ in api.calls if m == "getFile"]),
                "answered_with_songs": sum("open.spotify.com" in t for t in texts),
                "refused": sum("open.spotify.com" not in t for t in texts),
                "seconds": round(elapsed, 1),
                "peak_rss_mb_before": round(before), "peak_rss_mb_after": round(rss_mb()),
                "bound_photos_at_once": app._pipeline.capacity,
                "bound_mb": app._pipeline.capacity * 20,
            }
            await application.shutdown()
    api.stop()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    as_json = parser.parse_args().json
    report = asyncio.run(run())
    print(json.dumps(report) if as_json else "\n".join(f"{k}: {v}" for k, v in report.items()))


if __name__ == "__main__":
    main()
