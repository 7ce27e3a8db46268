"""Telegram webhook mode: an aiohttp server that takes updates from Telegram (or a load balancer in
front of several such workers) and hands them to the PTB Application — instead of long polling.

Why a small aiohttp server of our own rather than PTB's built-in one: every request is checked
before anything else (the `X-Telegram-Bot-Api-Secret-Token` header, compared in constant time;
1 MB at most), an update PTB cannot parse is skipped like in polling (TolerantBot's rule) instead
of being refused and retried by Telegram forever, and a duplicate (Telegram re-sends an update
whose answer it did not see in time, perhaps to another worker) is dropped using the limits all
workers share. Telegram gets its 200 as soon as the update is queued.

`register_webhook` tells Telegram where to post — once for all workers: the first to start
registers under a shared lock and records what it registered; the others find it done.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Optional

from aiohttp import web
from telegram.ext import Application

from core.service import Moodtune
from core.settings import Settings

log = logging.getLogger(__name__)

PATH = "/telegram"
MAX_BODY = 1024 * 1024  # an update is a few KB; anything near this is not from Telegram
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def build_webhook_app(application: Application, moodtune: Moodtune, secret: str) -> web.Application:
    """The aiohttp app: POST /telegram for updates, GET /healthz for the load balancer."""
    expected = secret.encode()

    async def updates(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.info("webhook request without the right secret from %s refused", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            log.info("webhook request with a body that is not JSON refused")
            return web.Response(status=400, text="not json")
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int):
            return web.Response(status=400, text="no update_id")
        if not await moodtune.workers.first_delivery("telegram", update_id):
            log.info("update %s delivered again: already handled", update_id)
            return web.Response(text="ok")
        # parsed once; an update PTB cannot read is logged once and queued bare (no handler matches it)
        await application.update_queue.put(application.bot.to_update(data))
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(PATH, updates)
    app.router.add_get("/healthz", health)
    return app


async def serve_webhook(application: Application, moodtune: Moodtune, settings: Settings) -> web.AppRunner:
    """Start listening on MOODTUNE_LISTEN; returns the runner (`await runner.cleanup()` stops it)."""
    runner = web.AppRunner(build_webhook_app(application, moodtune, settings.telegram_webhook_secret.get_secret_value()),
                           access_log=None)
    await runner.setup()
    host, port = settings.listen_address
    await web.TCPSite(runner, host, port).start()
    log.info("Telegram webhook server listening on %s:%d%s", host, port, PATH)
    return runner


async def register_webhook(application: Application, moodtune: Moodtune, settings: Settings,
                           allowed_updates: tuple[str, ...]) -> Optional[bool]:
    """setWebhook once for every worker: True when this worker registered it, False when it was
    already registered with the same URL, secret and update types."""
    secret = settings.telegram_webhook_secret.get_secret_value()
    url = settings.telegram_webhook_url
    fingerprint = hashlib.sha256("\n".join([url, secret, ",".join(allowed_updates)]).encode()).hexdigest()

    async def register() -> None:
        await application.bot.set_webhook(url, secret_token=secret, allowed_updates=list(allowed_updates))
        log.info("Telegram webhook registered")

    return await moodtune.workers.register_once("telegram_webhook", fingerprint, register)
