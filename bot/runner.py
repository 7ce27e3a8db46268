"""Run the Telegram bot, the Discord bot, or both, in one process around one shared core.

One Moodtune core (models loaded and warmed once, one database) serves both platforms. Ctrl-C or
SIGTERM stops polling and the gateway first, lets photos in flight finish, then closes the
database.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from core.app import Moodtune
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

    app = await Moodtune.open(settings)
    telegram_app = discord_client = discord_task = None
    try:
        if settings.telegram_token:
            from telegram.error import InvalidToken

            from bot.telegram_adapter import ALLOWED_UPDATES, COMMANDS, build_application

            telegram_app = build_application(settings, app)
            try:
                await telegram_app.initialize()
            except InvalidToken:
                raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN — copy it again from @BotFather.") from None
            await telegram_app.bot.set_my_commands(COMMANDS)
            await telegram_app.start()
            # only what the bot handles: an update type it does not know (and the pinned
            # python-telegram-bot might fail to parse) is never delivered to it; reactions arrive
            # only because message_reaction is asked for
            await telegram_app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            log.info("Telegram bot @%s is running", telegram_app.bot.username)
        if settings.discord_token:
            import discord

            from bot.discord_adapter import MoodtuneDiscord

            discord_client = MoodtuneDiscord(settings, app)
            try:
                await discord_client.login(settings.discord_token.get_secret_value())
            except discord.LoginFailure:
                raise StartupError("Discord rejected DISCORD_BOT_TOKEN — reset it in the developer portal (Bot → Reset Token).") from None
            discord_task = asyncio.create_task(discord_client.connect())
            discord_task.add_done_callback(lambda t: stop.set())
            log.info("Discord bot is connecting")
        await stop.wait()
        if discord_task is not None and discord_task.done() and discord_task.exception():
            raise StartupError(f"The Discord connection ended: {discord_task.exception()}")
    finally:
        log.info("shutting down: finishing photos in flight")
        if telegram_app is not None and telegram_app.running:
            await telegram_app.updater.stop()
            await telegram_app.stop()
            await telegram_app.shutdown()
        if discord_client is not None:
            await discord_client.close()
        await app.close()
