"""The bot's web server on MOODTUNE_LISTEN: Telegram's webhook (when webhook mode is on), Spotify's
sign-in callback (when "Save to Spotify" is configured: the path of SPOTIFY_REDIRECT_URI), `/healthz`
(503 while the database is unreachable or the worker is stopping), `/readyz` (the models loaded) and
Prometheus' `/metrics` (bot.metrics) — in polling mode too, whenever MOODTUNE_LISTEN is set.

Telegram webhook mode: an aiohttp server that takes updates from Telegram (or a load balancer in
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
import html
import json
import logging
from typing import Awaitable, Callable, Optional
from urllib.parse import urlsplit

from aiohttp import web
from telegram.ext import Application

from core.service import Moodtune
from core.settings import Settings

log = logging.getLogger(__name__)

PATH = "/telegram"
MAX_BODY = 1024 * 1024  # an update is a few KB; anything near this is not from Telegram
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def build_webhook_app(application: Optional[Application], moodtune: Moodtune, secret: Optional[str], *,
                      spotify_path: Optional[str] = None, signed_in: Optional[Callable[..., Awaitable[tuple[int, str]]]] = None
                      ) -> web.Application:
    """The aiohttp app: POST /telegram for updates (with an `application`), GET `spotify_path` for
    Spotify's sign-in callback (`signed_in(state, code, error)` → status and page text), GET
    /healthz for the load balancer."""
    expected = (secret or "").encode()

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
        """200 while this worker can answer; 503 while its database is unreachable or it is stopping."""
        if await moodtune.healthy():
            return web.Response(text="ok")
        return web.Response(status=503, text="stopping" if moodtune.photos.closing else "database unreachable")

    async def ready(request: web.Request) -> web.Response:
        """200 once the models are loaded (a worker still starting, or stopping, is alive but not ready)."""
        return web.Response(text="ready") if moodtune.ready else web.Response(status=503, text="not ready")

    async def scrape(request: web.Request) -> web.Response:
        from bot import metrics

        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def spotify(request: web.Request) -> web.Response:
        q = request.query
        status, text = await signed_in(q.get("state", "")[:200], q.get("code"), q.get("error"))
        page = (f"<!doctype html><html><head><meta charset=utf-8><title>Moodtune</title></head>"
                f"<body style='font-family:sans-serif;margin:3em'><p>{html.escape(text)}</p></body></html>")
        return web.Response(status=status, text=page, content_type="text/html")

    app = web.Application(client_max_size=MAX_BODY)
    if application is not None:
        app.router.add_post(PATH, updates)
    if spotify_path and signed_in is not None:
        app.router.add_get(spotify_path, spotify)
    app.router.add_get("/healthz", health)
    app.router.add_get("/readyz", ready)
    app.router.add_get("/metrics", scrape)
    return app


async def serve_starting(settings: Settings) -> web.AppRunner:
    """While the models load (the first start prepares the scene model: minutes): `/healthz` 200
    (alive), `/readyz` 503 (not ready), `/metrics`; replaced by the full server once they are loaded."""
    async def alive(request: web.Request) -> web.Response:
        return web.Response(text="starting")

    async def not_ready(request: web.Request) -> web.Response:
        return web.Response(status=503, text="loading the models")

    async def scrape(request: web.Request) -> web.Response:
        from bot import metrics

        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/healthz", alive)
    app.router.add_get("/readyz", not_ready)
    app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, port = settings.listen_address
    await web.TCPSite(runner, host, port).start()
    return runner


def spotify_callback_path(settings: Settings) -> Optional[str]:
    """The path of SPOTIFY_REDIRECT_URI, served here (the URI itself is what Spotify has registered)."""
    return (urlsplit(settings.spotify_redirect_uri).path or "/") if settings.spotify_saving else None


async def serve_webhook(application: Optional[Application], moodtune: Moodtune, settings: Settings, *,
                        signed_in=None) -> web.AppRunner:
    """Start listening on MOODTUNE_LISTEN; returns the runner (`await runner.cleanup()` stops it)."""
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    runner = web.AppRunner(build_webhook_app(application if settings.webhook else None, moodtune, secret,
                                             spotify_path=spotify_callback_path(settings), signed_in=signed_in),
                           access_log=None)
    await runner.setup()
    host, port = settings.listen_address
    await web.TCPSite(runner, host, port).start()
    log.info("web server listening on %s:%d (%s)", host, port, ", ".join(
        [PATH] * settings.webhook + [spotify_callback_path(settings) or ""] * settings.spotify_saving
        + ["/healthz", "/readyz", "/metrics"]))
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
