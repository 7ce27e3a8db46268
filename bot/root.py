"""The composition root: the one place that opens Moodtune's core and builds what the surfaces
need around it — for the runner, the command line and the tests alike.

`open_services(settings)` builds the real pieces (store, catalog, pipeline, Spotify); a test passes
its own (`store=`, `pipeline=`) and gets the same wiring. The core is opened on entry and closed
on exit, here and nowhere else; the platform adapters only receive the conversation.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import AsyncIterator

from bot.conversation import Conversation
from core.service import Moodtune
from core.settings import Settings


@dataclass
class Services:
    settings: Settings
    moodtune: Moodtune
    conversation: Conversation

    def telegram(self):
        """The PTB Application for this core (needs TELEGRAM_BOT_TOKEN)."""
        from bot.telegram_adapter import build_application

        return build_application(self.settings, self.conversation)

    def discord(self, *, sync_commands: bool = True):
        """The discord.py client for this core."""
        from bot.discord_adapter import MoodtuneDiscord

        return MoodtuneDiscord(self.settings, self.conversation, sync_commands=sync_commands)


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, *, with_pipeline: bool = True, store=None, pipeline=None, spotify=None, recommender=None,
) -> AsyncIterator[Services]:
    """Open the core (or wrap the given pieces), yield the services, close the core."""
    moodtune = await Moodtune.open(settings, with_pipeline=with_pipeline, store=store, pipeline=pipeline, spotify=spotify,
                                   recommender=recommender)
    try:
        yield Services(settings, moodtune, Conversation(moodtune))
    finally:
        await moodtune.close()
