"""Moodtune workers as separate processes in webhook mode, and the load balancer in front of them —
for tests/test_scaling.py and scripts/benchmark_scaling.py. The fake Bot API plays Telegram."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "bot" / "demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Balancer:
    """Round-robin over the workers, skipping one that refuses connections (as a load balancer's
    health check would); returns the HTTP status, or None when no worker took it."""

    def __init__(self, ports: list[int], secret: str):
        self.ports = ports
        self.secret = secret
        self.i = 0

    def post(self, update: dict, secret: str | None = None) -> int | None:
        """POST one update; `secret` overrides the right one (to test a wrong one)."""
        secret = self.secret if secret is None else secret
        n = len(self.ports)
        first = self.i
        self.i += 1
        for k in range(n):
            port = self.ports[(first + k) % n]
            request = urllib.request.Request(f"http://127.0.0.1:{port}/telegram", data=json.dumps(update).encode(),
                                             headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                continue
        return None


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def start_workers(n: int, api, db: str, logs: Path, secret: str, env: dict[str, str]) -> Iterator[tuple[list[int], list]]:
    """`n` x `python -m bot` in webhook mode on one database, started together; yields their ports
    and processes once all are ready (/readyz: models loaded, webhook registered, taking updates);
    SIGTERM (then SIGKILL) at the end."""
    ports = [free_port() for _ in range(n)]
    base = {**os.environ, "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_BASE_URL": api.base_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram", "TELEGRAM_WEBHOOK_SECRET": secret,
            "MOODTUNE_DB": db, "MOODTUNE_CLIP_ENABLED": "false", "MOODTUNE_DEEPFACE_EMOTION": "false", "MOODTUNE_SHUTDOWN_GRACE": "5", **env}
    procs = []
    for i, port in enumerate(ports):
        log = open(logs / f"worker{i}.log", "w")
        procs.append(subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                      env={**base, "MOODTUNE_LISTEN": f"127.0.0.1:{port}"}))

    def ready(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                return r.status == 200
        except OSError:  # not listening yet, or 503 while the models load
            return False

    try:
        wait_until(lambda: all(ready(p) for p in ports), 300, f"{n} workers to start")
        yield ports, procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()


def photo_update(api, update_id: int, person: int) -> dict:
    file_id = f"p{update_id}"
    api.files[f"photos/{file_id}.jpg"] = (DEMO / ("astronaut.jpg", "coffee.jpg", "cat.jpg")[update_id % 3]).read_bytes()
    user = {"id": 100 + person, "is_bot": False, "first_name": f"p{person}"}
    chat = {"id": 100 + person, "type": "private", "first_name": f"p{person}"}
    sizes = [{"file_id": file_id, "file_unique_id": file_id, "width": 512, "height": 512, "file_size": 1000}]
    return {"update_id": update_id, "message": {"message_id": update_id, "date": int(time.time()), "chat": chat, "from": user, "photo": sizes}}


