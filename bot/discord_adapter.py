"""Discord: `/mood photo:<attachment>`, "Soundtrack this" on a message, photos that mention the
bot, 👍/👎 buttons, reactions, `/soundtrack`, `/mode`, `/forget` — a thin adapter over core.app.

No privileged intent is needed: slash-command attachments and messages that mention the bot carry
their attachments without the message-content intent. Every interaction is deferred before the
analysis (Discord drops interactions not acknowledged within 3 s), then answered with a follow-up.
"""

from __future__ import annotations

import logging
import re
from typing import Literal, Optional

import discord
from discord import app_commands

from bot.replies import (
    NUMBER_REACTIONS,
    Button,
    Reply,
    cut_to,
    decode_action,
    list_reply,
    mark_choice,
    photo_reply,
    reaction_score,
    to_markdown,
)
from core.app import ChatError, Moodtune
from core.images import ImageError
from core.pipeline import PipelineBusy
from core.settings import Settings

log = logging.getLogger(__name__)
discord.VoiceClient.warn_nacl = False  # no voice here: don't warn people about voice libraries

PLATFORM = "discord"
MAX_ATTACHMENT = 20 * 1024 * 1024
IMAGE_TYPES = ("image/",)
BUTTONS_PER_ROW = 5


def is_image(att: discord.Attachment) -> bool:
    if att.content_type:
        return att.content_type.startswith(IMAGE_TYPES)
    return att.filename.lower().endswith((".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic"))


def embed_for(reply: Reply) -> discord.Embed:
    # an embed holds 4,096 characters: a long shift list is cut after its last whole line, and says so
    return discord.Embed(title=reply.headline[:256], description=cut_to(to_markdown(reply), 4096), colour=discord.Colour.blurple())


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?P<data>[rsm]:[\w:+-]+)"):
    """A stateless button whose custom_id is the action: it keeps working after a restart."""

    def __init__(self, data: str, label: str = "·"):
        super().__init__(discord.ui.Button(label=label, custom_id=data, style=discord.ButtonStyle.secondary))
        self.data = data

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["data"], item.label or "·")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_action(interaction, self.data)


def view_for(buttons: list[list[Button]]) -> Optional[discord.ui.View]:
    """At most 25 buttons: the shift / more buttons always stay; rating buttons fill the rest, whole
    songs first (a 17-song shift list shows 👍/👎 for its first 11 songs; reactions rate the rest)."""
    flat = [b for row in buttons for b in row]
    actions = [b for b in flat if not b.action.startswith("r:")]
    ratings = [b for b in flat if b.action.startswith("r:")]
    room = BUTTONS_PER_ROW * 5 - len(actions)
    flat = ratings[: room - room % 2] + actions
    if not flat:
        return None
    view = discord.ui.View(timeout=None)
    for i, b in enumerate(flat):
        item = ActionButton(b.action, b.label)
        item.item.row = i // BUTTONS_PER_ROW
        view.add_item(item)
    return view


def _buttons_of(message: Optional[discord.Message]) -> list[list[Button]]:
    if message is None:
        return []
    return [[Button(c.label or "", c.custom_id or "") for c in row.children if getattr(c, "custom_id", None)] for row in message.components]


class MoodtuneDiscord(discord.Client):
    def __init__(self, settings: Settings, app: Optional[Moodtune] = None, *, sync_commands: bool = True):
        super().__init__(intents=discord.Intents.default())  # no privileged intents
        self.settings = settings
        self.moodtune = app
        self._owns_moodtune = app is None  # a shared core is closed by whoever opened it
        self.sync_commands = sync_commands
        self.tree = app_commands.CommandTree(self)
        self._register_commands()

    async def setup_hook(self) -> None:
        """Open the core once (models warmed, database open) and register the persistent buttons."""
        if self.moodtune is None:
            self.moodtune = await Moodtune.open(self.settings)
        self.add_dynamic_items(ActionButton)
        if self.sync_commands:
            await self.tree.sync()

    async def close(self) -> None:
        await super().close()
        if self.moodtune is not None and self._owns_moodtune:
            await self.moodtune.close()  # in-flight photos finish, then the database closes
            self.moodtune = None

    # --- answering ------------------------------------------------------------------------

    @staticmethod
    def ids(user_id: int, channel_id: Optional[int]) -> tuple[str, str]:
        return f"dc:{user_id}", f"dc:{channel_id}"

    async def _read(self, att: discord.Attachment) -> bytes:
        if not is_image(att):
            raise ChatError(f"{att.filename} isn't an image I can read — attach a photo (JPEG, PNG, WebP, HEIC…).")
        if att.size > MAX_ATTACHMENT:
            raise ChatError(f"That file is {att.size / 2**20:.1f} MB; I can read photos up to 20 MB.")
        try:
            return await att.read()
        except (discord.HTTPException, discord.NotFound) as exc:
            log.warning("attachment download failed: %s", exc)
            raise ChatError("I couldn't download that image from Discord — please try again.") from None

    async def answer_attachment(
        self, att: discord.Attachment, *, user_id: int, channel_id: int, group: bool = True,
    ) -> tuple[Reply, Optional[int]]:
        """Reply content for a photo, or raise ChatError / ImageError / PipelineBusy.

        `group`: a server channel (False only in direct messages): explicit songs are left out."""
        user, chat = self.ids(user_id, channel_id)
        async with self.moodtune.admit_photo(user=user, chat=chat) as slot:  # before the download
            data = await self._read(att)
            answer = await self.moodtune.answer_photo(data, user=user, chat=chat, group=group, slot=slot)
        return photo_reply(answer.reading, answer.recommendation), answer.recommendation.id

    async def _follow_up(self, interaction: discord.Interaction, att: Optional[discord.Attachment]) -> None:
        if att is None:
            await interaction.followup.send("I need a message with an image attached.", ephemeral=True)
            return
        try:
            reply, rec_id = await self.answer_attachment(att, user_id=interaction.user.id, channel_id=interaction.channel_id,
                                                         group=interaction.guild_id is not None)
        except (ChatError, ImageError, PipelineBusy) as exc:
            log.info("photo refused: %s", exc)
            await interaction.followup.send(exc.user_message, ephemeral=True)
            return
        sent = await interaction.followup.send(embed=embed_for(reply), view=view_for(reply.buttons) or discord.utils.MISSING, wait=True)
        if rec_id is not None:
            await self.moodtune.store.link_message(PLATFORM, f"dc:{interaction.channel_id}", str(sent.id), rec_id)

    # --- commands -------------------------------------------------------------------------

    def _register_commands(self) -> None:
        tree = self.tree

        @tree.command(name="mood", description="Read the mood of a photo and get songs for it")
        @app_commands.describe(photo="the photo to read")
        async def mood(interaction: discord.Interaction, photo: discord.Attachment) -> None:
            """Read the mood of a photo and get songs for it."""
            await interaction.response.defer(thinking=True)
            await self._follow_up(interaction, photo)

        @tree.context_menu(name="Soundtrack this")
        async def soundtrack_this(interaction: discord.Interaction, message: discord.Message) -> None:
            """Songs for the image in this message."""
            await interaction.response.defer(thinking=True)
            await self._follow_up(interaction, next((a for a in message.attachments if is_image(a)), None))

        @tree.command(name="soundtrack", description="One playlist for the photos shared here in the last hour")
        async def soundtrack(interaction: discord.Interaction) -> None:
            """One playlist for the photos shared here in the last hour."""
            await interaction.response.defer(thinking=True)
            user, chat = self.ids(interaction.user.id, interaction.channel_id)
            try:
                rec, count = await self.moodtune.soundtrack(chat=chat, user=user, group=interaction.guild_id is not None)
            except ChatError as exc:
                await interaction.followup.send(exc.user_message)
                return
            reply = list_reply(rec, f"🎬 Soundtrack of {count} photo{'s' if count > 1 else ''}")
            sent = await interaction.followup.send(embed=embed_for(reply), view=view_for(reply.buttons) or discord.utils.MISSING, wait=True)
            if rec.id is not None:
                await self.moodtune.store.link_message(PLATFORM, chat, str(sent.id), rec.id)

        @tree.command(name="mode", description="Match the photo's mood, or shift from it toward another")
        @app_commands.describe(mode="match (default) or shift", target="for shift: the mood to move toward, e.g. calm")
        async def mode(interaction: discord.Interaction, mode: Literal["match", "shift"], target: Optional[str] = None) -> None:
            """Match the photo's mood, or shift from it toward another."""
            user, _ = self.ids(interaction.user.id, interaction.channel_id)
            try:
                s = await self.moodtune.set_mode(scope="user", id=user, mode=mode, target=target)
            except ChatError as exc:
                await interaction.response.send_message(exc.user_message, ephemeral=True)
                return
            text = "Songs will match your photos." if s.mode == "match" else f"Lists will shift toward {s.target or 'calm or happy'}."
            await interaction.response.send_message(text, ephemeral=True)

        @tree.command(name="settings", description="Songs per list and explicit songs (for this server, or for you in DMs)")
        @app_commands.describe(songs="how many songs a list has (1-10)", explicit="explicit songs: on or off (off in servers by default)")
        async def settings_command(
            interaction: discord.Interaction, songs: Optional[app_commands.Range[int, 1, 10]] = None,
            explicit: Optional[Literal["on", "off"]] = None,
        ) -> None:
            """Songs per list and explicit songs (for this server, or for you in DMs)."""
            user, chat = self.ids(interaction.user.id, interaction.channel_id)
            in_server = interaction.guild_id is not None
            scope, key = ("chat", chat) if in_server else ("user", user)
            if songs is not None:
                await self.moodtune.set_list_length(scope=scope, id=key, n=songs)
            if explicit is not None:
                await self.moodtune.set_explicit(scope=scope, id=key, allowed=explicit == "on")
            s = await self.moodtune.store.get_settings(scope, key)
            allowed = s.allow_explicit if s.allow_explicit is not None else not in_server
            await interaction.response.send_message(
                f"Songs per list: {s.list_length or 5}. Explicit songs: {'allowed' if allowed else 'left out'}"
                f"{' in this channel' if in_server else ' for you'}.", ephemeral=True,
            )

        @tree.command(name="forget", description="Delete everything Moodtune stored about you")
        async def forget(interaction: discord.Interaction) -> None:
            """Delete everything Moodtune stored about you."""
            user, _ = self.ids(interaction.user.id, interaction.channel_id)
            counts = await self.moodtune.store.forget(user)
            await interaction.response.send_message(
                f"Done — I deleted your {counts['ratings']} ratings, {counts['recommendations']} lists and your settings.", ephemeral=True
            )

        @tree.error
        async def on_app_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            log.error("command failed", exc_info=error)
            text = "Something went wrong on my side — please try again in a moment."
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    # --- buttons --------------------------------------------------------------------------

    async def on_action(self, interaction: discord.Interaction, data: str) -> None:
        """A 👍/👎, shift or 'more like this' button (see ActionButton)."""
        action = decode_action(data)
        user, chat = self.ids(interaction.user.id, interaction.channel_id)
        if action is None:
            await interaction.response.send_message("That button is from an older version — send a new photo.", ephemeral=True)
            return
        try:
            if action.kind == "rate":
                await self.moodtune.rate_song(user=user, recommendation=action.recommendation, position=action.position, score=action.score,
                                              chat=chat)
                marked = mark_choice(_buttons_of(interaction.message), data)
                await interaction.response.edit_message(view=view_for(marked))
                return
            await interaction.response.defer(thinking=True)
            if action.kind == "shift":
                rec = await self.moodtune.follow_up(action.recommendation, user=user, chat=chat, mode="shift", target=action.target,
                                                    group=interaction.guild_id is not None)
                reply = list_reply(rec, f"🧭 From {rec.mood} toward {rec.target}")
            else:
                rec = await self.moodtune.follow_up(action.recommendation, user=user, chat=chat, mode="match",
                                                    group=interaction.guild_id is not None)
                reply = list_reply(rec, f"➕ More for a {rec.mood} mood")
        except ChatError as exc:
            if interaction.response.is_done():
                await interaction.followup.send(exc.user_message, ephemeral=True)
            else:
                await interaction.response.send_message(exc.user_message, ephemeral=True)
            return
        sent = await interaction.followup.send(embed=embed_for(reply), view=view_for(reply.buttons) or discord.utils.MISSING, wait=True)
        if rec.id is not None:
            await self.moodtune.store.link_message(PLATFORM, chat, str(sent.id), rec.id)

    # --- events ---------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Photos in messages that mention the bot (visible without the message-content intent)."""
        if message.author.bot or self.user is None or self.user not in message.mentions:
            return
        images = [a for a in message.attachments if is_image(a)]
        if not images:
            text = "Attach a photo when you mention me and I'll find songs for its mood." if not message.attachments else (
                f"{message.attachments[0].filename} isn't an image I can read — attach a photo (JPEG, PNG, WebP, HEIC…).")
            await message.reply(text, mention_author=False)
            return
        async with message.channel.typing():
            try:
                reply, rec_id = await self.answer_attachment(images[0], user_id=message.author.id, channel_id=message.channel.id,
                                                             group=message.guild is not None)
            except (ChatError, ImageError, PipelineBusy) as exc:
                log.info("photo refused: %s", exc)
                await message.reply(exc.user_message, mention_author=False)
                return
            sent = await message.reply(embed=embed_for(reply), view=view_for(reply.buttons), mention_author=False)
        if rec_id is not None:
            await self.moodtune.store.link_message(PLATFORM, f"dc:{message.channel.id}", str(sent.id), rec_id)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """👍/👎 (and friends) on one of our lists rate it; 1️⃣–🔟 like that song."""
        if self.user is not None and payload.user_id == self.user.id:
            return
        user, chat = self.ids(payload.user_id, payload.channel_id)
        rec = await self.moodtune.store.message_recommendation(PLATFORM, chat, str(payload.message_id))
        if rec is None:
            return
        emoji = str(payload.emoji)
        if emoji in NUMBER_REACTIONS:
            try:
                await self.moodtune.rate_song(user=user, recommendation=rec, position=NUMBER_REACTIONS.index(emoji), score=1, chat=chat)
            except ChatError as exc:
                log.info("reaction ignored: %s", exc)
            return
        score = reaction_score(emoji)
        if score is not None:
            await self.moodtune.rate_list(user=user, recommendation=rec, score=score, chat=chat)

