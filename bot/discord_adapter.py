"""Discord: parse an interaction or event into a bot.conversation call, send what it returns.

`/mood photo:<attachment>`, "Soundtrack this" on a message, photos, GIFs and videos that mention the
bot (several images in one message are read together), 👍/👎
buttons, reactions, `/soundtrack`, `/mode`, `/settings`, `/forget`, `/help`. No privileged intent
is needed: slash-command attachments and messages that mention the bot carry their attachments
without the message-content intent. Every interaction that may take a while is deferred first
(Discord drops interactions not acknowledged within 3 s), then answered with a follow-up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import re
from typing import Literal, Optional

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot import i18n, metrics, replies
from bot.i18n import N_
from bot.courtesy import courtesy
from bot.conversation import Conversation, Origin, Outgoing
from bot.buttons import decode_action
from bot.formatting import Button, Reply, cut_to, to_markdown
from core.errors import StoreBusy, StoreUnavailable, UserError
from core.settings import Settings

log = logging.getLogger(__name__)
# no voice here: don't warn people about voice libraries (PyNaCl, and discord.py 2.7's davey)
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

PLATFORM = "discord"
MAX_ATTACHMENT = 20 * 1024 * 1024
MAX_CONTENT = 2000  # characters in a message's content
BUTTONS_PER_ROW = 5
CARD_NAME = "mood.jpg"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic")
VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv")
MAX_ALBUM = 10


def is_image(att) -> bool:
    """A photo, GIF or video we can read (by its content type, else its name); anything that is
    not an attachment (a malformed interaction's bare Object) is not."""
    if not isinstance(att, discord.Attachment):
        return False
    if att.content_type:
        return att.content_type.startswith(("image/", "video/"))
    return (att.filename or "").lower().endswith(IMAGE_SUFFIXES + VIDEO_SUFFIXES)


def embed_for(reply: Reply) -> discord.Embed:
    # an embed holds 4,096 characters: a long shift list is cut after its last whole line, and says so
    return discord.Embed(title=reply.headline[:256], description=cut_to(to_markdown(reply), 4096), colour=discord.Colour.blurple())


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?P<data>[rsmncxupve]:[\w:+-]+)"):
    """A stateless button whose custom_id is the action: it keeps working after a restart."""

    def __init__(self, data: str, label: str = "·"):
        super().__init__(discord.ui.Button(label=label, custom_id=data, style=discord.ButtonStyle.secondary))
        self.data = data

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(match["data"], item.label or "·")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_action(interaction, self.data)


class RateSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"rate:(?P<rec>[1-9][0-9]{0,14})"):
    """'Rate a song…': a menu for the songs a message has no buttons left for (a long shift list),
    each song's 👍 and 👎 as options; stateless like the buttons."""

    def __init__(self, rec: int, options: Optional[list[discord.SelectOption]] = None):
        super().__init__(discord.ui.Select(custom_id=f"rate:{rec}", placeholder=i18n._("Rate a song…"),
                                           options=options or [discord.SelectOption(label="·", value="0:+")]))
        self.rec = rec

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]):
        return cls(int(match["rec"]), list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = interaction.data.get("values") if isinstance(interaction.data, dict) else None
        choice = values[0] if isinstance(values, list) and values and isinstance(values[0], str) else ""
        await interaction.client.on_action(interaction, f"r:{self.rec}:{choice}")


def view_for(buttons: Optional[list[list[Button]]]) -> Optional[discord.ui.View]:
    """At most 5 rows: the action buttons always stay, rating buttons fill the rest, whole songs
    first; the songs left without buttons (a 17-song shift list has room for 8) are rated from one
    'Rate a song…' menu in the last row, so every song of every list can be rated."""
    flat = [b for row in buttons or [] for b in row]
    actions = [b for b in flat if not b.action.startswith("r:")]
    ratings = [b for b in flat if b.action.startswith("r:")]
    room = BUTTONS_PER_ROW * 5 - len(actions)
    rest: list[Button] = []
    if len(ratings) > room:  # the last row is the menu's
        room -= BUTTONS_PER_ROW
        rest = ratings[room - room % 2:]
    shown = ratings[: room - room % 2]
    if not shown and not actions:
        return None
    view = discord.ui.View(timeout=None)
    for i, b in enumerate(shown + actions):
        item = ActionButton(b.action, b.label)
        item.item.row = i // BUTTONS_PER_ROW
        view.add_item(item)
    if rest:
        rec = int(rest[0].action.split(":")[1])
        options = [discord.SelectOption(label=b.label, value=b.action.split(":", 2)[2]) for b in rest[:25]]
        menu = RateSelect(rec, options)
        menu.item.row = 4
        view.add_item(menu)
    return view


def _buttons_of(message: Optional[discord.Message]) -> list[list[Button]]:
    if message is None:
        return []
    rows: list[list[Button]] = []
    for row in message.components:
        out: list[Button] = []
        for c in getattr(row, "children", []):
            custom_id = getattr(c, "custom_id", None) or ""
            if isinstance(c, discord.components.Button) and custom_id:
                out.append(Button(c.label or "", custom_id))
            elif isinstance(c, discord.components.SelectMenu) and custom_id.startswith("rate:"):
                # the 'Rate a song…' menu has no label: its options are the songs' 👍/👎, read back as such
                rec = custom_id.split(":", 1)[1]
                out += [Button(o.label, f"r:{rec}:{o.value}") for o in c.options]
        rows.append(out)
    return rows


MAX_UPLOAD = 8 * 2**20  # what any channel accepts in one message (servers may allow more)


def audio_files(audio) -> list[discord.File]:
    """Previews as MP3 attachments of one message, in list order, within MAX_UPLOAD together."""
    files, total = [], 0
    for k, a in enumerate(audio[:10], 1):
        if not a.data or total + len(a.data) > MAX_UPLOAD:
            continue
        total += len(a.data)
        name = re.sub(r"[^\w\- ]+", "", f"{k} {a.performer} - {a.title}")[:80].strip() or f"preview {k}"
        files.append(discord.File(io.BytesIO(a.data), filename=f"{name}.mp3"))
    return files


def _content(out: Outgoing) -> dict:
    with i18n.speaking(out.language):  # the menus and placeholders of a message in its own language
        return _content_in_language(out)


def _content_in_language(out: Outgoing) -> dict:
    """send() arguments for an Outgoing: an embed with buttons (and its card as the embed's
    image), or plain text (with a picture attached when there is one)."""
    if out.audio:
        return {"content": cut_to(out.text or "▶", MAX_CONTENT), "files": audio_files(out.audio)}
    files = {"file": discord.File(io.BytesIO(out.image), filename=CARD_NAME)} if out.image else {}
    if out.document is not None:
        name, data = out.document
        files = {"file": discord.File(io.BytesIO(data), filename=name)}
    if out.reply is not None:
        embed = embed_for(out.reply)
        if out.image:
            embed.set_image(url=f"attachment://{CARD_NAME}")
        return {"embed": embed, "view": view_for(out.reply.buttons) or discord.utils.MISSING, **files}
    return {"content": cut_to(out.text, MAX_CONTENT), **files}


def origin_of(user_id: Optional[int], channel_id: Optional[int], guild_id: Optional[int], language: Optional[str] = None) -> Origin:
    """Direct messages are per person; a server channel is a group. `language`: the person's
    client locale where Discord tells it (interactions), else the server's preferred one."""
    return Origin(PLATFORM, f"dc:{user_id}" if user_id else None, f"dc:{channel_id}" if channel_id else None, group=guild_id is not None,
                  language=language)


class CommandWords(app_commands.Translator):
    """Command and option descriptions, and the message menu's entry, in each language of bot.i18n
    (command names stay as they are: people type them, and the help names them)."""

    LOCATIONS = (app_commands.TranslationContextLocation.command_description,
                 app_commands.TranslationContextLocation.parameter_description)

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale, context) -> Optional[str]:
        language = i18n.parse_language(locale.value)
        menu = (context.location == app_commands.TranslationContextLocation.command_name
                and isinstance(context.data, app_commands.ContextMenu))  # a menu entry's name is read, not typed
        if not (context.location in self.LOCATIONS or menu) or language in (None, i18n.DEFAULT):
            return None
        with i18n.speaking(language):
            said = i18n._(string.message)
        return said if said != string.message else None


def _locale(interaction: discord.Interaction) -> Optional[str]:
    """The person's client locale of an interaction ('pt-BR'), as bot.i18n reads it."""
    locale = getattr(interaction, "locale", None)
    return str(locale.value if hasattr(locale, "value") else locale) if locale else None


def _guild_locale(guild) -> Optional[str]:
    """A message carries no locale: the server's preferred one stands in (a person's own choice,
    /settings language, wins over it)."""
    locale = getattr(guild, "preferred_locale", None)
    return str(locale.value if hasattr(locale, "value") else locale) if locale else None


def _interaction_origin(interaction: discord.Interaction) -> Origin:
    origin = origin_of(interaction.user.id if interaction.user else None, interaction.channel_id, interaction.guild_id,
                       language=_locale(interaction))
    permissions = getattr(interaction.user, "guild_permissions", None)  # a Member in a server

    async def admin() -> bool:
        return bool(permissions and (permissions.administrator or permissions.manage_guild))

    return dataclasses.replace(origin, admin=admin) if origin.group else origin


def _fetcher(att: Optional[discord.Attachment]):
    """The download of an attachment, called by the conversation once the photo is admitted."""

    async def fetch() -> bytes:
        if att is None or not isinstance(att, discord.Attachment):  # missing from the payload's `resolved`
            raise UserError("no_image")
        if not is_image(att):
            raise UserError("not_a_file_image", name=att.filename)
        if att.size > MAX_ATTACHMENT:
            raise UserError("file_too_big", mb=att.size / 2**20, max_mb=MAX_ATTACHMENT / 2**20, platform=PLATFORM)
        try:
            return await att.read()
        except discord.HTTPException as exc:
            raise UserError("download_failed", detail=str(exc), platform=PLATFORM) from None

    return fetch


def _unexpected_text(error: BaseException, language: Optional[str] = None) -> str:
    """The error boundary's sentence, in the client's `language`: a busy database is a passing
    state, anything else a bug."""
    cause = getattr(error, "original", error)
    kind = "database_away" if isinstance(cause, StoreUnavailable) else "database_busy" if isinstance(cause, StoreBusy) else "unexpected"
    if kind == "database_busy":
        log.warning("database busy: %s", cause)
    elif kind == "database_away":
        log.info("interaction answered 'database away': %s", cause)  # core.store.outage logs the outage once
    else:
        log.error("error handling an interaction", exc_info=cause)
    metrics.ERRORS.labels("database" if kind != "unexpected" else "bug", kind).inc()
    with i18n.speaking(i18n.parse_language(language)):
        return replies.error_text(kind)


class MoodtuneDiscord(discord.AutoShardedClient):
    """The discord.py client around a conversation the caller opened and will close (bot.root).

    Sharded with discord.py's own AutoShardedClient: MOODTUNE_DISCORD_SHARDS (the total) and
    MOODTUNE_DISCORD_SHARD_IDS (this process's share) split the gateway between processes; unset,
    Discord's recommended count runs here. Buttons and reactions work on any shard: a button carries
    its action, and lists live in the shared store, not in a shard's memory.
    """

    def __init__(self, settings: Settings, convo: Conversation, *, sync_commands: bool = True):
        if settings.discord_api_base_url:  # a proxy or a fake Discord: REST and webhooks there, the gateway as it says
            import discord.webhook.async_ as webhooks

            discord.http.Route.BASE = webhooks.Route.BASE = settings.discord_api_base_url.rstrip("/")
        # no privileged intents
        super().__init__(intents=discord.Intents.default(), shard_count=settings.discord_shards, shard_ids=settings.shard_ids)
        self.settings = settings
        self.conversation = convo
        self.sync_commands = sync_commands
        self._resynced = False
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_command_error
        self._register_commands()

    async def setup_hook(self) -> None:
        """Register the persistent buttons, and the commands (once: by the process that runs shard 0)
        with their descriptions in every language the bot speaks (Discord shows each person theirs)."""
        self.add_dynamic_items(ActionButton, RateSelect)
        await self.tree.set_translator(CommandWords())
        if self.sync_commands and (self.shard_ids is None or 0 in self.shard_ids):
            await self.tree.sync()

    # --- answering interactions ------------------------------------------------------------------

    async def _respond(self, interaction: discord.Interaction, origin: Origin, out: Outgoing) -> None:
        """Answer an interaction (first response, or a follow-up once deferred) and report it."""
        kwargs = _content(out)
        ephemeral = out.private or out.error
        if ephemeral and interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
            # After a deferral, Discord's first follow-up edits the original "thinking…" response
            # and keeps its (public) visibility (Discord developer docs, Interactions → Receiving
            # and Responding → Followup Messages). What a photo (or a soundtrack) is refused for is
            # known only after the work the deferral was for, so the public response is deleted
            # first and the sentence follows as an ephemeral message only the person sees.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException as exc:
                log.info("could not delete the deferred response: %s", exc)
        if interaction.response.is_done():  # the message itself is needed only to link it to its list
            sent = await interaction.followup.send(ephemeral=ephemeral, wait=out.list_id is not None, **kwargs)
        else:
            await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
            sent = await interaction.original_response() if out.list_id is not None else None
        if sent is not None:
            await self.conversation.sent(origin, str(sent.id), out)

    async def _photo(self, interaction: discord.Interaction, atts: list[Optional[discord.Attachment]]) -> None:
        """One photo or clip, or several read together (an album); acknowledged first — Discord's
        'thinking…' stays up while the photo waits its turn, so no 'queued' note is needed."""
        await interaction.response.defer(thinking=True)
        origin = _interaction_origin(interaction)
        if len(atts) > 1:
            out = await self.conversation.album(origin, [_fetcher(a) for a in atts[:MAX_ALBUM]])
        else:
            out = await self.conversation.photo(origin, _fetcher(atts[0] if atts else None))
        await self._respond(interaction, origin, out)

    async def _on_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch, app_commands.TransformerError)):
            # a command from before a release (global commands reach clients slowly) or a malformed
            # payload: the person is told what to do; nothing to trace
            log.warning("stale or malformed command %r: %s", getattr(interaction.command, "name", None) or
                        (interaction.data or {}).get("name"), error.__class__.__name__)
            if isinstance(error, app_commands.CommandSignatureMismatch) and not self._resynced:
                self._resynced = True  # once per start: Discord has an older signature than ours
                asyncio.get_running_loop().create_task(self._resync())
            with i18n.speaking(i18n.parse_language(_locale(interaction))):
                await self._say_sorry(interaction, replies.text("stale_command"))
            return
        await self._say_sorry(interaction, _unexpected_text(error, _locale(interaction)))

    async def _resync(self) -> None:
        try:
            await self.tree.sync()
            log.info("commands synced again after a signature mismatch")
        except discord.HTTPException as exc:
            log.warning("could not sync commands again: %s", exc)

    @staticmethod
    async def _say_sorry(interaction: discord.Interaction, text: str) -> None:
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("could not answer interaction %s: %s", interaction.id, exc)

    # --- commands ------------------------------------------------------------------------------

    def _register_commands(self) -> None:
        tree = self.tree
        convo = self.conversation

        @tree.command(name="mood", description=locale_str(N_("Songs for the mood of a photo, or of a few words")))
        @app_commands.describe(photo=locale_str(N_("the photo to read")),
                               text=locale_str(N_("or a mood in words, e.g. rainy sunday morning")))
        async def mood(interaction: discord.Interaction, photo: Optional[discord.Attachment] = None,
                       text: Optional[app_commands.Range[str, 1, 300]] = None) -> None:
            """Songs for the mood of a photo, or of a few words."""
            if photo is None and text:
                origin = _interaction_origin(interaction)  # words are read in milliseconds: no deferral, so a
                await self._respond(interaction, origin, await convo.mood_words(origin, text))  # refusal stays private
                return
            await self._photo(interaction, [photo])

        @tree.context_menu(name=locale_str(N_("Soundtrack this")))
        async def soundtrack_this(interaction: discord.Interaction, message: discord.Message) -> None:
            """Songs for the images (or GIF, or video) in this message, read together."""
            await self._photo(interaction, [a for a in message.attachments if is_image(a)])

        @tree.command(name="soundtrack", description=locale_str(N_("One playlist for the photos shared here in the last hour")))
        async def soundtrack(interaction: discord.Interaction) -> None:
            """One playlist for the photos shared here in the last hour."""
            await interaction.response.defer(thinking=True)
            origin = _interaction_origin(interaction)
            await self._respond(interaction, origin, await convo.soundtrack(origin))

        @tree.command(name="mode", description=locale_str(N_("Match the photo's mood, or shift from it toward another")))
        @app_commands.describe(mode=locale_str(N_("match (default) or shift")),
                               target=locale_str(N_("for shift: the mood to move toward, e.g. calm")))
        async def mode(interaction: discord.Interaction, mode: Optional[Literal["match", "shift"]] = None,
                       target: Optional[str] = None) -> None:
            """Match the photo's mood, or shift from it toward another (for this channel in a server)."""
            origin = _interaction_origin(interaction)
            await self._respond(interaction, origin, await convo.mode(origin, mode, target))

        @tree.command(name="settings", description=locale_str(N_("Songs per list, explicit songs, mood pictures, my language")))
        @app_commands.describe(songs=locale_str(N_("how many songs a list has (1-10)")),
                               explicit=locale_str(N_("explicit songs: on or off (off in servers by default)")),
                               cards=locale_str(N_("a picture of the mood with each answer: on or off")),
                               language=locale_str(N_("the language I answer in (in a server: this channel's shared answers)")),
                               spotify=locale_str(N_("off: forget your Spotify sign-in")))
        @app_commands.choices(language=[app_commands.Choice(name=name, value=code) for code, name in i18n.LANGUAGES.items()])
        async def settings_command(
            interaction: discord.Interaction, songs: Optional[app_commands.Range[int, 1, 10]] = None,
            explicit: Optional[Literal["on", "off"]] = None, cards: Optional[Literal["on", "off"]] = None,
            language: Optional[app_commands.Choice[str]] = None, spotify: Optional[Literal["off"]] = None,
        ) -> None:
            """Songs per list, explicit songs, mood pictures and language (for this channel, or for you in DMs)."""
            origin = _interaction_origin(interaction)
            out = await convo.settings(origin, songs=None if songs is None else str(songs), explicit=explicit, cards=cards,
                                       language=language.value if language is not None else None, spotify=spotify)
            await self._respond(interaction, origin, out)

        @tree.command(name="history", description=locale_str(N_("Your last 30 moods as a picture (in a server channel: the channel's)")))
        async def history(interaction: discord.Interaction) -> None:
            """Your last 30 moods as a picture (in a server channel: the channel's)."""
            await interaction.response.defer(thinking=True)
            origin = _interaction_origin(interaction)
            await self._respond(interaction, origin, await convo.history(origin))

        @tree.command(name="save", description=locale_str(N_("Your last list here as a private Spotify playlist")))
        async def save(interaction: discord.Interaction) -> None:
            """Your last list here as a private Spotify playlist (a sign-in link first, only for you)."""
            origin = _interaction_origin(interaction)
            press = await convo.save_last(origin)
            out = press.then or Outgoing(text=press.toast or "", error=True)
            await self._respond(interaction, origin, out)

        @tree.command(name="forget", description=locale_str(N_("Delete everything Moodtune stored about you")))
        async def forget(interaction: discord.Interaction) -> None:
            """Delete everything Moodtune stored about you."""
            origin = _interaction_origin(interaction)
            await self._respond(interaction, origin, await convo.forget(origin))

        @tree.command(name="help", description=locale_str(N_("What Moodtune does and how to use it")))
        async def help_command(interaction: discord.Interaction) -> None:
            """What Moodtune does and how to use it."""
            origin = _interaction_origin(interaction)
            out = await convo.help(origin)
            out.private = True
            await self._respond(interaction, origin, out)

    # --- buttons -------------------------------------------------------------------------------

    async def on_action(self, interaction: discord.Interaction, data: str) -> None:
        """A 👍/👎, shift or 'more like this' button (see ActionButton); always answered."""
        origin = _interaction_origin(interaction)
        try:
            action = decode_action(data)
            if action is not None and action.kind in ("shift", "more", "correct", "previews", "save", "export"):
                # A new list: acknowledge within 3 s. A deferral's first follow-up replaces its
                # "thinking…" message and keeps its visibility (Discord's "Receiving and Responding",
                # followup messages), so a refusal meant for one person is decided first and sent
                # ephemeral without deferring.
                refusal = await self.conversation.refusal_for(origin, data)
                if refusal is not None:
                    await self._say_sorry(interaction, refusal)
                    return
                await interaction.response.defer(thinking=True)
            press = await self.conversation.press(origin, data, _buttons_of(interaction.message))
            if press.buttons is not None and not interaction.response.is_done():
                await interaction.response.edit_message(view=view_for(press.buttons))
            elif press.toast and press.then is None:  # with a message to follow, the message says it
                await self._say_sorry(interaction, press.toast)
            if press.then is not None:
                await self._respond(interaction, origin, press.then)
        except Exception as exc:  # noqa: BLE001 — the error boundary for buttons
            await self._say_sorry(interaction, _unexpected_text(exc, origin.language))

    # --- events --------------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Photos in direct messages, and in server messages that mention the bot (both visible
        without the message-content intent)."""
        if message.author.bot or self.user is None:
            return
        if message.guild is not None and self.user not in message.mentions:
            return
        origin = origin_of(message.author.id, message.channel.id, message.guild.id if message.guild else None,
                           language=_guild_locale(message.guild))
        try:
            images = [a for a in message.attachments if is_image(a)]
            if not images:
                att = message.attachments[0] if message.attachments else None
                own, _shared = await self.conversation.languages(origin)
                with i18n.speaking(own):
                    out = Outgoing(text=replies.error_text(UserError("not_a_file_image", name=att.filename) if att
                                                           else "no_image_mention"))
            else:  # several images in one message are an album: read together, answered once
                typing = lambda: courtesy(message.channel.typing, "typing action")  # noqa: E731
                queued = lambda text: courtesy(lambda: message.reply(text, mention_author=False), "queued note")  # noqa: E731
                out = (await self.conversation.album(origin, [_fetcher(a) for a in images[:MAX_ALBUM]], admitted=typing, queued=queued)
                       if len(images) > 1 else
                       await self.conversation.photo(origin, _fetcher(images[0]), admitted=typing, queued=queued))
        except Exception as exc:  # noqa: BLE001 — the error boundary for messages
            out = Outgoing(text=_unexpected_text(exc, origin.language), error=True)
        try:
            sent = await message.reply(mention_author=False, **_content(out))
        except discord.HTTPException as exc:
            log.warning("could not answer in %s: %s", origin.chat, exc)
            return
        await self.conversation.sent(origin, str(sent.id), out)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """👍/👎 (and friends) on one of our lists rate it; 1️⃣–🔟 like that song."""
        if self.user is not None and payload.user_id == self.user.id:
            return
        origin = origin_of(payload.user_id, payload.channel_id, payload.guild_id,
                           language=_guild_locale(self.get_guild(payload.guild_id) if payload.guild_id else None))
        await self.conversation.react(origin, str(payload.message_id), [str(payload.emoji)])

    async def on_error(self, event: str, *args, **kwargs) -> None:
        """An event handler failed: logged once with its traceback; the bot goes on."""
        log.exception("error handling Discord event %s", event)
