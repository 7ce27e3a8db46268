"""Run the Telegram bot, the Discord bot, or both, in one process around one shared core.

One core (models loaded and warmed once, one database), opened and closed by bot.root, serves
both platforms. Ctrl-C or SIGTERM stops in a bounded time:
1. Telegram polling or the webhook server stops (no new updates are taken; unconfirmed ones are
   redelivered later, to another worker behind a load balancer);
2. new photos are answered "restarting — send it again" at once, and the photos already admitted
   get up to MOODTUNE_SHUTDOWN_GRACE seconds (20 by default) to be answered;
3. PTB then finishes its handlers (given as long again) and the Discord gateway closes;
4. the pipeline drops work still queued (its senders were told already) and the database closes.
So the process ends within about 2 × the grace plus one photo's analysis, whatever is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.root import open_services
from core.settings import Settings

log = logging.getLogger(__name__)


class StartupError(Exception):
    """A token or connection problem at start; the message says what to fix."""


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not on the main thread / platform without signals
            pass

    async with contextlib.AsyncExitStack() as stack:
        starting = None
        if settings.listen is not None:  # alive, not ready, while the models load
            from bot.webhook import serve_starting

            starting = await serve_starting(settings)
        try:
            services = await stack.enter_async_context(open_services(settings))
        finally:
            if starting is not None:
                await starting.cleanup()
        await _serve(settings, services, stop)


async def _serve(settings: Settings, services, stop: asyncio.Event) -> None:
    """The bots and the web server over opened services, until `stop`."""
    telegram_app = discord_client = discord_task = webhook = None
    try:
        if settings.telegram_token:
            from telegram.error import InvalidToken

            from bot.telegram_adapter import allowed_updates, register_commands

            telegram_app = services.telegram()
            try:
                await telegram_app.initialize()
            except InvalidToken:
                raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN — copy it again from @BotFather.") from None
            await register_commands(telegram_app.bot)
            await telegram_app.start()
            updates = allowed_updates(telegram_app.bot)  # inline queries only where inline mode is on
            # only what the bot handles: reactions arrive only because message_reaction is asked for
            if settings.telegram_webhook_url:
                from bot.webhook import register_webhook

                await register_webhook(telegram_app, services.moodtune, settings, updates)
            else:
                await services.moodtune.workers.register_once("telegram_webhook", "", None)  # polling removes any webhook
                await telegram_app.updater.start_polling(allowed_updates=list(updates))
            log.info("Telegram bot @%s is running (%s)", telegram_app.bot.username, "webhook" if settings.webhook else "polling")
        if settings.discord_token:
            import discord

            discord_client = services.discord()
            try:
                await discord_client.login(settings.discord_token.get_secret_value())
            except discord.LoginFailure:
                raise StartupError("Discord rejected DISCORD_BOT_TOKEN — reset it in the developer portal (Bot → Reset Token).") from None
            discord_task = asyncio.create_task(discord_client.connect())
            discord_task.add_done_callback(lambda t: stop.set())
            log.info("Discord bot is connecting")
        if settings.listen is not None:  # the webhook and/or Spotify's sign-in callback, and /healthz
            from bot.webhook import serve_webhook

            webhook = await serve_webhook(telegram_app, services.moodtune, settings,
                                          signed_in=_sign_in_handler(services, telegram_app, discord_client))
        await stop.wait()
        if discord_task is not None and discord_task.done() and discord_task.exception():
            raise StartupError(f"The Discord connection ended: {discord_task.exception()}")
    finally:
        await _stop(services, settings.shutdown_grace, telegram_app, discord_client, webhook)


def _sign_in_handler(services, telegram_app, discord_client):
    """Spotify's callback → (HTTP status, the page's sentence); the person is told on their platform,
    privately, in their language, that the list is saved (or why not)."""
    from core.errors import UserError

    async def signed_in(state: str, code, error) -> tuple[int, str]:
        from bot import i18n, replies

        try:
            signed = await services.moodtune.saving.finish(state=state, code=code, error=error)
        except UserError as exc:
            with i18n.speaking(None):
                return 400, replies.error_text(exc)
        page, out = await services.conversation.signed_in(signed)
        await _tell(signed, out, telegram_app, discord_client)
        return (200 if signed.error is None else 400), page

    return signed_in


async def _tell(signed, out, telegram_app, discord_client) -> None:
    """A sentence for the person alone: Telegram's private chat, Discord's direct message."""
    from bot.conversation import Origin

    origin = Origin(signed.platform, signed.user, None, group=True)
    try:
        if signed.platform == "telegram" and telegram_app is not None:
            from bot.telegram_adapter import send_direct

            await send_direct(telegram_app.bot, origin, out)
        elif signed.platform == "discord" and discord_client is not None:
            user = await discord_client.fetch_user(int(signed.user.removeprefix("dc:")))
            await user.send(out.text)
    except Exception as exc:  # noqa: BLE001 — the page still says it; the person is simply not messaged
        log.warning("could not tell %s about their Spotify sign-in: %s", signed.platform, exc.__class__.__name__)


async def _stop(services, grace: float, telegram_app, discord_client, webhook=None) -> None:
    """Steps 1–3 of the module docstring; bot.root does step 4."""
    log.info("shutting down: finishing photos in flight (up to %.0f s)", grace)
    services.moodtune.stop_admitting()  # /healthz says 503 from now on: a load balancer sends no more
    if webhook is not None:  # no new updates; Telegram re-sends what it could not deliver to another worker
        await webhook.cleanup()
    if telegram_app is not None and telegram_app.updater is not None and telegram_app.updater.running:
        await telegram_app.updater.stop()
    if telegram_app is not None and "albums" in telegram_app.bot_data:  # albums being collected are answered now
        await telegram_app.bot_data["albums"].close(grace)
    if not await services.moodtune.drain(grace):
        log.warning("shutting down: %d photos still in flight after %.0f s are dropped", services.moodtune.photos_in_flight, grace)
    if telegram_app is not None and telegram_app.running:
        try:
            await asyncio.wait_for(telegram_app.stop(), grace or None)
        except asyncio.TimeoutError:
            log.warning("shutting down: Telegram handlers still running after %.0f s are dropped", grace)
        await telegram_app.shutdown()
    if discord_client is not None:
        await discord_client.close()
