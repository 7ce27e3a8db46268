"""Throughput past one process: photos a second with 1 and 3 webhook workers on one PostgreSQL
server, memory per worker, and ratings a second on SQLite and on PostgreSQL.

    python scripts/benchmark_scaling.py [--workers 1 3] [--photos 200] [--scene] [--json]

Needs Debian's PostgreSQL binaries (a throw-away server is started in a temporary folder on
127.0.0.1, as the tests do). Workers run as `python -m bot` in webhook mode with faces and colour,
and with `--scene` the scene model too (OpenCLIP's default architecture with seeded random weights,
prepared before the workers start: its time is the real model's, its readings meaningless); the fake
Bot API on 127.0.0.1 plays Telegram. Each photo
comes from its own person and chat, and the queue is long enough that none is refused: the number
is analysis throughput, not the limits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "benchmark-secret"


def peak_rss_mb(pid: int) -> dict[str, float]:
    """VmHWM (peak) and VmRSS (now) of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def photos_per_second(n_workers: int, photos: int, server: str, name: str, scene: dict[str, str]) -> dict:
    from tests.fakes.telegram_api import FakeTelegram
    from tests.fakes.workers import Balancer, photo_update, start_workers, wait_until
    from tests.pgserver import create_database

    db = create_database(server, name)
    api = FakeTelegram().start()
    env = {"MOODTUNE_PHOTOS_PER_MINUTE": "1000", "MOODTUNE_ANALYSIS_QUEUE": str(photos + 10), **scene}
    try:
        with tempfile.TemporaryDirectory() as logs, start_workers(n_workers, api, db, Path(logs), SECRET, env) as (ports, procs):
            balancer = Balancer(ports, SECRET)
            updates = [photo_update(api, 10_000 + k, k) for k in range(photos)]
            # answers, not the 'queued' notes a long wait brings (also replies to the photo)
            answered = lambda: sum("reply_parameters" in p and not p.get("text", "").startswith("📥") for p in api.said())  # noqa: E731
            started = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(balancer.post, updates))
            wait_until(lambda: answered() >= photos, 900, "every photo to be answered")
            seconds = time.perf_counter() - started
            songs = sum("open.spotify.com" in p.get("text", "") for p in api.said())
            cards = len(api.sent("sendPhoto"))
            memory = [peak_rss_mb(p.pid) for p in procs]
    finally:
        api.stop()
    return {"workers": n_workers, "scene_model": bool(scene), "photos": photos, "answered_with_songs": songs, "with_cards": cards, "seconds": round(seconds, 2),
            "photos_per_second": round(photos / seconds, 2),
            "peak_rss_mb_per_worker": [m["VmHWM"] for m in memory], "rss_mb_per_worker_after": [m["VmRSS"] for m in memory]}


async def ratings_per_second(store, n: int = 2000, concurrency: int = 16) -> float:
    """Acknowledged ratings a second: each `rate()` has committed when it returns."""
    queue = list(range(n))

    async def writer(k: int) -> None:
        while queue:
            i = queue.pop()
            await store.ratings.rate(f"user-{i % 50}", f"track-{i}", 1 if i % 2 else -1)

    started = time.perf_counter()
    await asyncio.gather(*(writer(k) for k in range(concurrency)))
    return round(n / (time.perf_counter() - started), 1)


async def ratings(server: str) -> dict:
    from core.store import SqliteStore
    from core.store.postgres import PgStore
    from tests.pgserver import create_database

    with tempfile.TemporaryDirectory() as tmp:
        async with SqliteStore(Path(tmp) / "bench.sqlite3") as sqlite_store:
            on_sqlite = await ratings_per_second(sqlite_store)
    pg = await PgStore(create_database(server, "ratings")).open()
    try:
        on_postgres = await ratings_per_second(pg)
    finally:
        await pg.close()
    return {"ratings_per_second_sqlite": on_sqlite, "ratings_per_second_postgres": on_postgres}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--scene", action="store_true", help="workers read the scene too (random CLIP weights)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scene: dict[str, str] = {}
    if args.scene:
        sys.path.insert(0, str(ROOT / "scripts"))
        from benchmark import random_weights

        from core.settings import Settings
        from models.clip_prepare import load_clip

        s = Settings()
        weights = str(random_weights(s.clip_model, s.clip_cache_dir))
        load_clip(s.clip_model, weights, s.clip_cache_dir, int8=s.scene_int8)  # prepared once, as a first start would
        scene = {"MOODTUNE_CLIP_ENABLED": "true", "MOODTUNE_CLIP_PRETRAINED": weights}

    from tests.pgserver import PostgresUnavailable, temporary_postgres

    try:
        with temporary_postgres() as server:
            report = {"ratings": asyncio.run(ratings(server)),
                      "photos": [photos_per_second(n, args.photos, server, f"photos{n}", scene) for n in args.workers]}
    except PostgresUnavailable as exc:
        raise SystemExit(f"needs PostgreSQL: {exc}")
    if args.json:
        print(json.dumps(report))
        return
    r = report["ratings"]
    print(f"ratings/s: SQLite {r['ratings_per_second_sqlite']}, PostgreSQL {r['ratings_per_second_postgres']} (16 concurrent writers)")
    for p in report["photos"]:
        print(f"{p['workers']} worker(s): {p['photos_per_second']} photos/s ({p['photos']} in {p['seconds']} s, "
              f"{p['answered_with_songs']} with songs); peak RSS per worker {p['peak_rss_mb_per_worker']} MB")


if __name__ == "__main__":
    main()
