"""Memory under a flood: 60 photos of 19.9 MB arrive at once. `python scripts/flood_memory.py [--no-scene] [--json]`

Drives the real python-telegram-bot Application and the real pipeline — faces, colour and the scene
model (OpenCLIP's default architecture with seeded random weights, prepared as a first start
prepares it: timing and memory are the real model's, its readings meaningless) — against the fake
Bot API of the tests, on 127.0.0.1: 60 people in 10 chats send a 19.9 MB photo each at the same
moment. Prints how many were downloaded, answered with songs, told they are queued, or refused,
the seconds until the last answer, and the peak memory (max RSS) of the process with the models
loaded and after the flood. Photos wait in the queue without their bytes (core.reading.queue): at
most `analysis_threads + 1` are downloaded or read at once, each at most 20 MB.
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


async def run(scene: bool) -> dict:
    from telegram import Update

    from pydantic import SecretStr

    from bot.root import open_services
    from core.settings import Settings

    from tests.fakes.telegram_api import BOT, FakeTelegram

    data = big_jpeg()
    api = FakeTelegram().start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(allow_downloads=False, clip_enabled=scene, deepface_emotion=False, photos_per_minute=6,
                            telegram_token=SecretStr("123:abc"), telegram_api_base_url=api.base_url,
                            db_path=Path(tmp) / "flood.sqlite3")
        if scene:
            sys.path.insert(0, str(ROOT / "scripts"))
            from benchmark import random_weights  # a child process writes them once: no PyTorch here

            settings = settings.model_copy(update={"clip_pretrained": str(random_weights(settings.clip_model, settings.clip_cache_dir))})
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
            await asyncio.sleep(0.5)  # the last courtesy notes land
            said = api.said()
            texts = [m.get("text") or "" for m in said]
            # photos answered with songs (a long answer comes as its card, then the text replying to the card)
            photos = {u["message"]["message_id"] for u in updates}
            answered = {m.get("reply_parameters", {}).get("message_id") for m, t in zip(said, texts) if "open.spotify.com" in t} & photos
            songs = len(answered)
            song_messages = sum("open.spotify.com" in t for t in texts)
            queued = sum(t.startswith("📥") for t in texts)
            report = {
                "photos": PHOTOS, "photo_mb": round(len(data) / 2**20, 1), "chats": CHATS,
                "scene_model": settings.clip_model if app._pipeline.models.scene is not None else None,
                "downloaded": len([m for m, _ in api.calls if m == "getFile"]),
                "answered": songs, "queued_notes": queued, "refused": len(texts) - song_messages - queued,
                "seconds": round(elapsed, 1),
                "peak_rss_mb_before": round(before), "peak_rss_mb": round(rss_mb()),
                "photos_held_at_once": app._pipeline.queue.workers,
            }
            await application.shutdown()
    api.stop()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-scene", action="store_true", help="faces and colour only")
    args = parser.parse_args()
    as_json = args.json
    report = asyncio.run(run(scene=not args.no_scene))
    print(json.dumps(report) if as_json else "\n".join(f"{k}: {v}" for k, v in report.items()))


if __name__ == "__main__":
    main()
