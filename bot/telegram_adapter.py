"""Telegram: parse an update into a bot.conversation call, send what it returns — nothing more.

Limits: Telegram's own (~1 message/s per chat, 20/min per group) are kept by PTB's AIORateLimiter,
which also retries on RetryAfter; everything else (who may do what, limits, wording) lives in the
conversation layer and the core.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from typing import Any, Optional

from telegram import (
    InputFile,
    BotCommand,
    InlineQueryResultArticle,
    InlineQueryResultAudio,
    InlineQueryResultsButton,
    InputMediaAudio,
    InputTextMessageContent,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReactionTypeEmoji,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    MessageReactionHandler,
    filters,
)
from telegram.request import HTTPXRequest
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from bot import i18n, metrics, replies
from bot.i18n import N_
from bot.albums import AlbumCollector
from bot.courtesy import courtesy
from bot.conversation import Conversation, Origin, Outgoing
from bot.formatting import Button, cut_to, split_caption, to_html
from core.errors import StoreBusy, StoreUnavailable, UserError
from core.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's download limit
MAX_TEXT = 4096  # characters in one message
MAX_CAPTION = 1024  # characters in a photo's caption
ALBUM_QUIET = 1.5  # an album is complete when no new item came for this long

COMMANDS = [  # (command, its description: translated per language by `commands()`)
    ("start", N_("what I do")),
    ("help", N_("how to use me")),
    ("mood", N_("songs for a mood in words, e.g. /mood rainy sunday")),
    ("mode", N_("match or shift [target mood]")),
    ("soundtrack", N_("a playlist for the recent photos here")),
    ("settings", N_("list length (1-10), explicit on|off, cards on|off, language")),
    ("history", N_("your last 30 moods as a picture")),
    ("save", N_("save your last list as a private Spotify playlist")),
    ("forget", N_("delete everything about you")),
]


def commands(language: str) -> list[BotCommand]:
    """The command menu in one language (setMyCommands takes one list per language_code)."""
    with i18n.speaking(language):
        return [BotCommand(name, i18n._(description)) for name, description in COMMANDS]


async def register_commands(bot) -> None:
    """The menu in English for everyone, and in each other language the bot speaks for people whose
    Telegram is set to it (Telegram picks by the person's language_code)."""
    await bot.set_my_commands(commands(i18n.DEFAULT))
    for language in i18n.LANGUAGES:
        if language != i18n.DEFAULT:
            await bot.set_my_commands(commands(language), language_code=language)

# The update types the handlers below use; Telegram sends no others (runner: allowed_updates).
ALLOWED_UPDATES = ("message", "callback_query", "message_reaction")
INLINE_CACHE_SECONDS = 60  # Telegram may reuse an inline answer this long


def allowed_updates(bot) -> tuple[str, ...]:
    """What to ask Telegram for: inline queries only when BotFather's inline mode is on (getMe's
    supports_inline_queries), the rest always."""
    return ALLOWED_UPDATES + (("inline_query",) if getattr(bot, "supports_inline_queries", False) else ())


def _transient(exc: BaseException) -> bool:
    """Worth another try: a timeout or a connection problem — not a refusal (BadRequest and
    Forbidden are NetworkErrors in python-telegram-bot too, and asking again changes nothing)."""
    return isinstance(exc, (NetworkError, TimedOut)) and not isinstance(exc, (BadRequest, Forbidden))


_retry = retry(
    retry=retry_if_exception(_transient),
    stop=stop_after_attempt(3),
    wait=wait_exponential(multiplier=0.5, max=4),
    reraise=True,
)


class TolerantBot(ExtBot):
    """An ExtBot that skips an update it cannot parse instead of stalling on it.

    PTB parses a whole getUpdates batch at once; one update it cannot read (a newer Bot API
    field, a malformed object) fails the batch, the offset never moves past it, and every later
    update waits behind it forever. Here each update is parsed on its own first; one that fails is
    logged once (its id and the error, not its content) and replaced by a bare update with the
    same id, which no handler matches and which confirms it on the next poll.
    """

    async def _post(self, endpoint: str, data: Optional[dict] = None, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            result = [self.parseable(item) for item in result]
        return result

    def parseable(self, item: Any) -> Any:
        """`item` if PTB can parse it, else a bare update with its id (logged once)."""
        return item if self._parse(item) is not None else {"update_id": item["update_id"]}

    def to_update(self, item: Any) -> Update:
        """The Update for `item`, or a bare one with its id when PTB cannot parse it (logged once)."""
        return self._parse(item) or Update(item["update_id"])

    def _parse(self, item: Any) -> Optional[Update]:
        try:
            return Update.de_json(item, self)
        except Exception as exc:  # noqa: BLE001 — whatever PTB raises, the update is skipped
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int):
                raise
            kinds = [k for k in item if k != "update_id"]
            log.warning("skipped update %s (%s) that could not be parsed: %s: %s", update_id, ",".join(kinds)[:60],
                        type(exc).__name__, str(exc)[:200])
            return None


def file_url_for(base_url: str) -> str:
    """A self-hosted Bot API's file URL from its base URL: http://h:8081/bot → http://h:8081/file/bot."""
    head, _, _ = base_url.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot"


def keyboard(buttons: Optional[list[list[Button]]]) -> Optional[InlineKeyboardMarkup]:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in buttons])


def _buttons_of(markup: Optional[InlineKeyboardMarkup]) -> list[list[Button]]:
    if markup is None:
        return []
    return [[Button(b.text, b.callback_data) for b in row if isinstance(b.callback_data, str)] for row in markup.inline_keyboard]


def conversation(context: ContextTypes.DEFAULT_TYPE) -> Conversation:
    return context.application.bot_data["conversation"]


def origin_of(update: Update) -> Origin:
    """Who: the person and chat of any update (either may be missing: channel posts, anonymous
    admins, inline messages). Private chats are per person; every other chat type is a group."""
    user = update.effective_user
    chat = update.effective_chat
    if update.message_reaction is not None:
        user, chat = update.message_reaction.user, update.message_reaction.chat
    group = chat is not None and chat.type != ChatType.PRIVATE

    async def admin() -> bool:  # asked only when it matters (an admin mutes for the whole group)
        member = await chat.get_member(user.id)
        return member.status in ("administrator", "creator")

    return Origin(
        PLATFORM,
        f"tg:{user.id}" if user is not None else None,
        f"tg:{chat.id}" if chat is not None else None,
        group=group,
        admin=admin if group and user is not None else None,
        language=user.language_code if user is not None else None,
    )


def addressed_to_bot(message: Message, bot_id: int, username: str) -> bool:
    """In groups we answer photos that mention us or reply to us; in private chats, everything."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.reply_to_message and message.reply_to_message.from_user and message.reply_to_message.from_user.id == bot_id:
        return True
    text = (message.caption or message.text or "").lower()
    return bool(username) and f"@{username.lower()}" in text


# --- sending -------------------------------------------------------------------------------

def _body(out: Outgoing) -> tuple[str, Optional[str]]:
    """Text and parse mode of an Outgoing, cut to one message."""
    if out.reply is not None:
        return cut_to(to_html(out.reply), MAX_TEXT), ParseMode.HTML
    return cut_to(out.text, MAX_TEXT), None


def _reply_to(message: Message) -> ReplyParameters:
    # a reply to a message deleted meanwhile is still sent (as a plain message), not lost
    return ReplyParameters(message.message_id, allow_sending_without_reply=True)


@_retry
async def _send_to(message: Message, out: Outgoing) -> Message:
    text, mode = _body(out)
    return await message.reply_text(text, parse_mode=mode, reply_markup=keyboard(out.reply.buttons if out.reply else None),
                                    disable_web_page_preview=True, reply_parameters=_reply_to(message))


async def _send_audio(message: Message, origin: Origin, out: Outgoing, convo: Conversation) -> None:
    """Previews as one audio album (2-10: sendMediaGroup; one: sendAudio), by file id when Telegram
    has the song already, else by URL (Telegram fetches it; nothing passes through us). The file
    ids Telegram gives back are remembered for next time."""
    items = out.audio[:10]
    media = [InputMediaAudio(a.file_id or a.url, title=a.title[:64], performer=a.performer[:64]) for a in items]
    if len(media) == 1:
        sent = [await _retry(message.reply_audio)(media[0].media, title=media[0].title, performer=media[0].performer,
                                                  reply_parameters=_reply_to(message))]
    else:
        sent = list(await _retry(message.reply_media_group)(media, reply_parameters=_reply_to(message)))
    await convo.previews_sent(origin, {a.track_id: m.audio.file_id for a, m in zip(items, sent)
                                       if m.audio is not None and a.file_id is None})


async def _send_picture(message: Message, out: Outgoing) -> list[Message]:
    """The card as the reply's photo with the text and buttons as its caption; what does not fit
    in a caption (1,024 characters) follows in a second message."""
    if out.reply is not None:
        caption, rest = split_caption(out.reply, MAX_CAPTION)
        mode = ParseMode.HTML
    else:
        caption, rest, mode = cut_to(out.text, MAX_CAPTION), "", None
    markup = keyboard(out.reply.buttons if out.reply else None)
    first = await _retry(message.reply_photo)(out.image, caption=caption, parse_mode=mode, reply_markup=None if rest else markup,
                                              reply_parameters=_reply_to(message))
    if not rest:
        return [first]
    second = await _retry(first.reply_text)(cut_to(rest, MAX_TEXT), parse_mode=mode, reply_markup=markup,
                                            disable_web_page_preview=True, reply_parameters=_reply_to(first))
    return [first, second]


async def send(message: Optional[Message], origin: Origin, out: Outgoing, convo: Conversation) -> None:
    """Send `out` as a reply to `message`, and tell the conversation what was sent. A refusal
    from Telegram (blocked, chat gone) is logged, never raised: there is no one left to tell."""
    if message is None:
        return
    try:
        if out.audio:
            await _send_audio(message, origin, out, convo)
            if not out.text:
                return
        if out.document is not None:
            name, data = out.document
            await _retry(message.reply_document)(InputFile(io.BytesIO(data), filename=name), caption=out.text[:MAX_CAPTION] or None,
                                                 reply_parameters=_reply_to(message))
            return
        sent = await _send_picture(message, out) if out.image else [await _send_to(message, out)]
    except (BadRequest, Forbidden) as exc:
        log.warning("could not answer in %s: %s", origin.chat, exc)
        metrics.ERRORS.labels("platform", type(exc).__name__).inc()
        return
    except TelegramError as exc:  # still failing after the retries (5xx, timeouts): said once, with the chat and kind
        what = "list" if out.list_id is not None else "error" if out.error else "document" if out.document else "message"
        log.warning("could not send a %s to chat %s after retries: %s", what, origin.chat, type(exc).__name__)
        metrics.ERRORS.labels("platform", type(exc).__name__).inc()
        return
    for m in sent:  # reactions on the picture or on the list rate the list
        await convo.sent(origin, str(m.message_id), out)


async def send_direct(bot, origin: Origin, out: Outgoing) -> bool:
    """`out` in the person's private chat with the bot; False when Telegram will not (they never
    opened one, or blocked the bot)."""
    if origin.person is None:
        return False
    try:
        await _retry(bot.send_message)(int(origin.person.removeprefix("tg:")), out.text[:MAX_TEXT], disable_web_page_preview=True)
        return True
    except (BadRequest, Forbidden) as exc:
        log.info("cannot message %s privately: %s", origin.person, exc.__class__.__name__)
        return False


async def _answer(query, text: Optional[str] = None, **kwargs) -> None:
    """Answer a button press; a press answered too late (Telegram's window is short) is only logged."""
    try:
        await query.answer(text[:200] if text else text, **kwargs)
    except BadRequest as exc:
        log.info("button press %s not answered: %s", query.id, exc)


# --- reading what arrived --------------------------------------------------------------------

def media_of(message: Message):
    """What to read in a message: the largest photo size, a GIF (animation), a video, a video
    note, or a file (an image or a video sent as a document)."""
    if message.photo:
        return message.photo[-1]
    return message.animation or message.video or message.video_note or message.document


def _fetcher(message: Message):
    """The download of a message's photo (largest size) or image file, as the conversation's
    `fetch`: called only once the photo is admitted. Raises UserError with the reason."""

    async def fetch() -> bytes:
        item = media_of(message)
        if item is None:
            raise UserError("no_image")
        if item.file_size and item.file_size > MAX_DOWNLOAD:
            raise UserError("file_too_big", mb=item.file_size / 2**20, max_mb=MAX_DOWNLOAD / 2**20, platform=PLATFORM)
        try:
            tg_file = await _retry(item.get_file)()
            return bytes(await _retry(tg_file.download_as_bytearray)())
        except TelegramError as exc:
            raise UserError("download_failed", detail=str(exc), platform=PLATFORM) from None

    return fetch


def _queued_note(message: Message):
    """The 'queued' note for a photo that waits long, as a reply to it (a courtesy: never fails the answer)."""
    return lambda text: courtesy(lambda: message.reply_text(text, do_quote=True), "queued note")


async def answer_photo(update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message) -> None:
    origin = origin_of(update)
    convo = conversation(context)
    typing = lambda: courtesy(lambda: context.bot.send_chat_action(message.chat_id, ChatAction.TYPING), "typing action")  # noqa: E731
    out = await convo.photo(origin, _fetcher(message), admitted=typing, queued=_queued_note(message))
    await send(message, origin, out, convo)


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo, GIF, video, video note or such a file: read its mood and answer with songs. An
    album's items are collected first and answered once (see on_album)."""
    message = update.effective_message
    if message is None:
        return
    if message.media_group_id:  # in groups one item may carry the mention: decided per album
        context.application.bot_data["albums"].add((message.chat_id, message.media_group_id), (update, message))
        return
    if not addressed_to_bot(message, context.bot.id, context.bot.username):
        return
    await answer_photo(update, context, message)


def album_handler(application: Application):
    """What the album collector calls with an album's items: read them together, answer once,
    replying to the first item."""

    async def on_album(key, items: list) -> None:
        items.sort(key=lambda item: item[1].message_id)
        update, first = items[0]
        if not any(addressed_to_bot(m, application.bot.id, application.bot.username) for _, m in items):
            return
        origin = origin_of(update)
        convo: Conversation = application.bot_data["conversation"]
        typing = lambda: courtesy(lambda: application.bot.send_chat_action(first.chat_id, ChatAction.TYPING), "typing action")  # noqa: E731
        out = await convo.album(origin, [_fetcher(m) for _, m in items], admitted=typing, queued=_queued_note(first))
        await send(first, origin, out, convo)

    return on_album


async def on_not_a_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers: explain what works instead of staying silent."""
    message = update.effective_message
    if message is None or not addressed_to_bot(message, context.bot.id, context.bot.username):
        return
    origin = origin_of(update)
    await send(message, origin, await conversation(context).not_a_photo(origin), conversation(context))


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot does and how to use it."""
    origin = origin_of(update)
    await send(update.effective_message, origin, await conversation(context).help(origin), conversation(context))


async def on_mood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mood <words>: songs for the mood the words carry."""
    origin = origin_of(update)
    text = " ".join(context.args or [])
    await send(update.effective_message, origin, await conversation(context).mood_words(origin, text), conversation(context))


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot calm` in any chat: audio results where Deezer has a preview, the Spotify link otherwise;
    a query with no mood (or a refused one) answers with a hint button, never nothing."""
    query = update.inline_query
    user = query.from_user
    origin = Origin(PLATFORM, f"tg:{user.id}" if user is not None else None, None, group=False,
                    language=user.language_code if user is not None else None)
    answer = await conversation(context).inline(origin, query.query or "")
    results = []
    for k, s in enumerate(answer.songs):
        text = InputTextMessageContent(f"{s.performer} — {s.title}\n{s.spotify_url}")
        if s.audio_url:
            results.append(InlineQueryResultAudio(f"a{k}-{s.id}", s.audio_url, s.title[:64], performer=s.performer[:64],
                                                  caption=s.spotify_url))
        else:
            results.append(InlineQueryResultArticle(f"t{k}-{s.id}", s.title[:64], text, url=s.spotify_url,
                                                    description=f"{s.performer} · {s.description}"[:120]))
    button = InlineQueryResultsButton(text=answer.hint[:64], start_parameter="help") if answer.hint else None
    try:
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True, button=button)
    except BadRequest as exc:  # a query answered too late (people keep typing) is only logged
        log.info("inline query not answered: %s", exc)


async def on_mode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mode [match | shift [target]]: how lists are built here."""
    args = context.args or []
    origin = origin_of(update)
    out = await conversation(context).mode(origin, args[0] if args else None, args[1] if len(args) > 1 else None)
    await send(update.effective_message, origin, out, conversation(context))


async def on_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings [n] | /settings explicit on|off | cards on|off | language <code>: show or set."""
    args = context.args or []
    origin = origin_of(update)
    if args and args[0].lower() in ("explicit", "cards", "language", "spotify"):
        value = args[1] if len(args) == 2 else ""
        out = await conversation(context).settings(origin, **{args[0].lower(): value})
    else:
        out = await conversation(context).settings(origin, songs=args[0] if args else None)
    await send(update.effective_message, origin, out, conversation(context))


async def on_save(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/save: the person's last list here as a private Spotify playlist (a sign-in link first, sent
    to them alone)."""
    origin = origin_of(update)
    convo = conversation(context)
    press = await convo.save_last(origin)
    out = press.then
    if out is None:
        out = Outgoing(text=press.toast or "", error=True)
    elif out.direct and origin.group:
        delivered = await send_direct(context.bot, origin, out)
        out = Outgoing(text=(press.toast if delivered else press.undelivered) or "")
    await send(update.effective_message, origin, out, convo)


async def on_history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/history: the last 30 readings as a picture (the person's; in a group, the group's)."""
    origin = origin_of(update)
    await send(update.effective_message, origin, await conversation(context).history(origin), conversation(context))


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget: delete everything stored about this person."""
    origin = origin_of(update)
    await send(update.effective_message, origin, await conversation(context).forget(origin), conversation(context))


async def on_soundtrack(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/soundtrack: one list for the chat's recent photos, or for the photo it replies to; the
    list replaces a 'building…' placeholder."""
    message = update.effective_message
    if message is None:
        return
    replied = message.reply_to_message
    if replied and (replied.photo or (replied.document and (replied.document.mime_type or "").startswith("image/"))):
        await answer_photo(update, context, replied)
        return
    origin = origin_of(update)
    convo = conversation(context)
    with i18n.speaking((await convo.languages(origin))[1]):
        building = replies.text("soundtrack_building")
    placeholder = await _send_to(message, Outgoing(text=building))
    out = await convo.soundtrack(origin)
    text, mode = _body(out)
    await _retry(placeholder.edit_text)(text, parse_mode=mode, reply_markup=keyboard(out.reply.buttons if out.reply else None),
                                        disable_web_page_preview=True)
    await convo.sent(origin, str(placeholder.message_id), out)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A 👍/👎, shift or 'more like this' button under a list; every press is answered."""
    query = update.callback_query
    origin = origin_of(update)
    message = query.message if isinstance(query.message, Message) else None
    convo = conversation(context)
    press = await convo.press(origin, query.data if isinstance(query.data, str) else "",
                              _buttons_of(message.reply_markup if message else None))
    if press.then is not None and press.then.direct and origin.group:  # for the person alone: their private chat
        if not await send_direct(context.bot, origin, press.then):
            press = dataclasses.replace(press, toast=press.undelivered or press.toast, alert=True, then=None)
        else:
            press = dataclasses.replace(press, then=None)
    await _answer(query, press.toast, show_alert=press.alert)
    if press.buttons is not None and message is not None:
        try:
            await _retry(query.edit_message_reply_markup)(reply_markup=keyboard(press.buttons))
        except BadRequest as exc:  # unchanged, or the message is gone: the rating is stored all the same
            log.info("keyboard not updated: %s", exc)
    if press.then is not None:
        await send(message, origin, press.then, convo)


async def on_reaction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reaction on one of our lists rates every song in it for that person."""
    reaction = update.message_reaction
    if reaction is None:
        return
    emojis = [r.emoji for r in reaction.new_reaction if isinstance(r, ReactionTypeEmoji)]
    n = await conversation(context).react(origin_of(update), str(reaction.message_id), emojis)
    log.info("reaction rated %d songs", n)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The error boundary: a database away (core.store.outage logs the outage once) or busy for
    longer than its timeout is a passing state (a 'try again'); anything else is logged with its
    traceback. The person is told either way — a pressed button by its answer, an inline query by
    its hint, a message by a reply. Nothing here needs the database."""
    kind = error_kind(context.error)
    if kind == "database_busy":
        log.warning("database busy: %s", context.error)
    elif kind == "database_away":
        log.info("update answered 'database away': %s", context.error)
    else:
        log.error("error handling an update", exc_info=context.error)
    metrics.ERRORS.labels("database" if kind != "unexpected" else "bug", kind).inc()
    if not isinstance(update, Update):
        return
    user = update.effective_user  # the client's language: the store that keeps a choice may be what failed
    with i18n.speaking(i18n.parse_language(user.language_code if user is not None else None)):
        text = replies.error_text(kind)
    if update.callback_query is not None:
        await _answer(update.callback_query, text, show_alert=True)
    elif update.inline_query is not None:
        try:
            await update.inline_query.answer([], cache_time=0, is_personal=True,
                                             button=InlineQueryResultsButton(text=text[:64], start_parameter="help"))
        except TelegramError as exc:
            log.info("inline query %s not answered: %s", update.inline_query.id, exc)
    elif update.effective_message is not None:
        try:
            await _retry(update.effective_message.reply_text)(text)
        except TelegramError as exc:
            log.warning("could not tell chat %s: %s", update.effective_message.chat_id, exc)


def error_kind(error: BaseException) -> str:
    """What the error boundary tells the person: the database away, busy, or a bug of ours."""
    cause = getattr(error, "original", error)
    if isinstance(cause, StoreUnavailable):
        return "database_away"
    return "database_busy" if isinstance(cause, StoreBusy) else "unexpected"


BOT_PER_SECOND = 30  # Telegram: about 30 messages a second per bot, all chats together
GROUP_PER_MINUTE = 20  # and 20 a minute into one group


class SharedRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter in this process (all chats together and each group, at BOT_PER_SECOND
    and GROUP_PER_MINUTE; a RetryAfter retried up to `max_retries` times), and the same two limits
    counted across every worker (`Moodtune.workers.take_turn`: in the database on PostgreSQL; on
    SQLite one process is the whole bot, and the count adds nothing to PTB's)."""

    def __init__(self, convo: Conversation, **kwargs):
        super().__init__(**kwargs)
        self._convo = convo

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        app = self._convo.moodtune
        if endpoint.startswith(("send", "edit", "copy", "forward")) and endpoint != "sendChatAction":  # messages
            try:
                await app.workers.take_turn("telegram", BOT_PER_SECOND, 1.0)
                chat_id = data.get("chat_id")
                if isinstance(chat_id, int) and chat_id < 0:
                    await app.workers.take_turn(f"telegram:{chat_id}", GROUP_PER_MINUTE, 60.0)
            except StoreBusy:  # the shared count is away with the database: this process's own limiter still holds
                pass
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def build_application(settings: Settings, convo: Conversation) -> Application:
    """The PTB Application with every handler, around a conversation the caller opened and
    will close (bot.root); this never opens or closes the core."""
    token = settings.telegram_token.get_secret_value()
    base = settings.telegram_api_base_url
    bot = TolerantBot(  # what ApplicationBuilder would build (its pool sizes), with the tolerant parsing
        token, base_url=base or "https://api.telegram.org/bot", base_file_url=file_url_for(base) if base else "https://api.telegram.org/file/bot",
        request=HTTPXRequest(connection_pool_size=256), get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=SharedRateLimiter(convo, max_retries=3),
    )
    application = Application.builder().bot(bot).concurrent_updates(True).build()
    application.bot_data["conversation"] = convo
    application.add_handler(CommandHandler(["start", "help"], on_start))
    application.add_handler(CommandHandler("mood", on_mood))
    application.add_handler(CommandHandler("mode", on_mode))
    application.add_handler(CommandHandler("settings", on_settings))
    application.add_handler(CommandHandler("forget", on_forget))
    application.add_handler(CommandHandler("history", on_history))
    application.add_handler(CommandHandler("save", on_save))
    application.add_handler(CommandHandler("soundtrack", on_soundtrack))
    application.bot_data["albums"] = AlbumCollector(album_handler(application), quiet=ALBUM_QUIET,
                                                    max_items=settings.album_max_photos)
    application.add_handler(MessageHandler(
        filters.PHOTO | filters.Document.ALL | filters.ANIMATION | filters.VIDEO | filters.VIDEO_NOTE, on_photo))
    application.add_handler(MessageHandler(filters.Sticker.ALL, on_not_a_photo))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(on_inline))
    application.add_handler(MessageReactionHandler(on_reaction))
    application.add_error_handler(on_error)
    return application
