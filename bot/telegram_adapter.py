"""Telegram: photos in, songs out, ratings back — a thin adapter over core.app.Moodtune.

Each handler reads the update, calls one Moodtune operation, renders with bot.replies, and sends.
Limits: Telegram's own (~1 message/s per chat, 20/min per group) are kept by PTB's AIORateLimiter,
which also retries on RetryAfter; each person's photo rate is kept by the core.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Optional

from telegram import (
    BotCommand,
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
    MessageHandler,
    MessageReactionHandler,
    filters,
)
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from bot.replies import Button, Reply, decode_action, list_reply, mark_choice, photo_reply, reaction_score, to_html
from core.app import ChatError, Moodtune
from core.images import ImageError
from core.pipeline import PipelineBusy
from core.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's download limit

HELP = (
    "Send me a photo and I'll read its mood — faces, the scene, colour and light — and suggest songs "
    "that fit, with Spotify and YouTube Music links.\n\n"
    "Rate songs with 👍/👎 under my answer, or react to it (👍❤🔥🥰👏 / 👎💩😢): I learn what you like.\n\n"
    "/mode match — songs that fit the photo (default)\n"
    "/mode shift [calm|happy|…] — start at the photo's mood and move step by step toward another\n"
    "/soundtrack — one playlist for the photos of the last hour in this chat (or reply it to a photo)\n"
    "/settings [1-10] — how many songs a list has; /settings explicit on|off — explicit songs (off in groups by default)\n"
    "/forget — delete everything I stored about you\n\n"
    "In groups, mention me in the photo's caption or reply to one of my messages. "
    "Reactions reach me only where I am an admin."
)
COMMANDS = [
    BotCommand("start", "what I do"),
    BotCommand("help", "how to use me"),
    BotCommand("mode", "match or shift [target mood]"),
    BotCommand("soundtrack", "a playlist for the recent photos here"),
    BotCommand("settings", "list length (1-10)"),
    BotCommand("forget", "delete everything about you"),
]

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


def file_url_for(base_url: str) -> str:
    """A self-hosted Bot API's file URL from its base URL: http://h:8081/bot → http://h:8081/file/bot."""
    head, _, _ = base_url.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot"


def keyboard(buttons: list[list[Button]]) -> Optional[InlineKeyboardMarkup]:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in buttons])


def _buttons_of(markup: Optional[InlineKeyboardMarkup]) -> list[list[Button]]:
    if markup is None:
        return []
    return [[Button(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


# The update types the handlers below use; Telegram sends no others (runner: allowed_updates).
ALLOWED_UPDATES = ("message", "callback_query", "message_reaction")


def moodtune(context: ContextTypes.DEFAULT_TYPE) -> Moodtune:
    return context.application.bot_data["moodtune"]


def ids(update: Update) -> tuple[str, str]:
    return f"tg:{update.effective_user.id}", f"tg:{update.effective_chat.id}"


def _in_group(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE


def _scope(update: Update) -> tuple[str, str]:
    """Settings belong to the person in a private chat and to the group in a group."""
    user, chat = ids(update)
    return ("user", user) if update.effective_chat.type == ChatType.PRIVATE else ("chat", chat)


def addressed_to_bot(message: Message, bot_id: int, username: str) -> bool:
    """In groups we answer photos that mention us or reply to us; in private chats, everything."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.reply_to_message and message.reply_to_message.from_user and message.reply_to_message.from_user.id == bot_id:
        return True
    text = (message.caption or message.text or "").lower()
    return bool(username) and f"@{username.lower()}" in text


@_retry
async def _send(message: Message, reply: Reply) -> Message:
    # a reply to a photo deleted meanwhile is still sent (as a plain message), not lost
    return await message.reply_html(to_html(reply), reply_markup=keyboard(reply.buttons), disable_web_page_preview=True,
                                    reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True))


async def _answer(query, text: Optional[str] = None, **kwargs) -> None:
    """Answer a button press; a press answered too late (Telegram's window is short) is only logged."""
    try:
        await query.answer(text, **kwargs)
    except BadRequest as exc:
        log.info("button press %s not answered: %s", query.id, exc)


async def _say(message: Message, text: str) -> None:
    try:
        await _retry(message.reply_text)(text)
    except TelegramError as exc:
        log.warning("could not tell chat %s: %s", message.chat_id, exc)


async def _photo_bytes(message: Message) -> bytes:
    """The largest photo size, or an image sent as a file. Raises ChatError with a reason."""
    if message.photo:
        item = message.photo[-1]
    elif message.document:
        item = message.document
    else:
        raise ChatError("I need a photo — send it as a photo or as a file.")
    if item.file_size and item.file_size > MAX_DOWNLOAD:
        raise ChatError(f"That file is {item.file_size / 2**20:.1f} MB; Telegram lets bots download files up to 20 MB.")
    try:
        tg_file = await _retry(item.get_file)()
        return bytes(await _retry(tg_file.download_as_bytearray)())
    except TelegramError as exc:
        log.warning("download failed in chat %s: %s", message.chat_id, exc)
        raise ChatError("I couldn't download that photo from Telegram — please send it again.") from None


_typing_tasks: set[asyncio.Task] = set()
MAX_TYPING_TASKS = 64  # 'typing…' is a courtesy: past this many waiting on Telegram's limits, skip it


def _show_typing(bot, chat_id: int) -> None:
    """'typing…' without waiting for it: in a busy group Telegram's rate limit can hold it for
    seconds, and a handler waiting on it would hold a worker the other chats need."""
    if len(_typing_tasks) >= MAX_TYPING_TASKS:
        return

    async def send() -> None:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            log.debug("typing action in %s not sent: %s", chat_id, exc)

    task = asyncio.create_task(send())
    _typing_tasks.add(task)
    task.add_done_callback(_typing_tasks.discard)


async def answer_photo(update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message) -> None:
    """Admission first (limits and a queue place, which cost nothing when refused), then the
    'typing…' action and the download, then the reading."""
    app = moodtune(context)
    user, chat = ids(update)
    try:
        async with app.admit_photo(user=user, chat=chat) as slot:
            _show_typing(context.bot, message.chat_id)
            data = await _photo_bytes(message)
            answer = await app.answer_photo(data, user=user, chat=chat, group=_in_group(update), slot=slot)
    except (ChatError, ImageError, PipelineBusy) as exc:
        log.info("photo refused in %s: %s", chat, exc)
        await _say(update.effective_message, exc.user_message)
        return
    sent = await _send(message, photo_reply(answer.reading, answer.recommendation))
    if answer.recommendation.id is not None:
        await app.store.link_message(PLATFORM, chat, str(sent.message_id), answer.recommendation.id)


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo (or an image file): read its mood and answer with songs."""
    message = update.effective_message
    if not addressed_to_bot(message, context.bot.id, context.bot.username):
        return
    await answer_photo(update, context, message)


async def on_not_a_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, GIFs and videos: explain what works instead of staying silent."""
    message = update.effective_message
    if not addressed_to_bot(message, context.bot.id, context.bot.username):
        return
    await _say(message, "Stickers, GIFs and videos don't work for me — send a photo and I'll find songs for its mood.")


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot does and how to use it."""
    await _say(update.effective_message, HELP)


async def on_mode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mode match | shift [target]: how lists are built here."""
    args = context.args or []
    scope, key = _scope(update)
    if not args:
        current = await moodtune(context).store.get_settings(scope, key)
        await _say(update.effective_message, f"Mode: {current.mode or 'match'}" + (f" toward {current.target}" if current.target else "") + ". Change it with /mode match or /mode shift calm.")
        return
    try:
        s = await moodtune(context).set_mode(scope=scope, id=key, mode=args[0].lower(), target=args[1] if len(args) > 1 else None)
    except ChatError as exc:
        await _say(update.effective_message, exc.user_message)
        return
    text = "Mode set: songs that match the photo." if s.mode == "match" else f"Mode set: shift toward {s.target or 'calm or happy (I pick from the photo)'}."
    await _say(update.effective_message, text)


async def on_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings [n | explicit on|off]: show or set list length and whether explicit songs may come."""
    scope, key = _scope(update)
    app = moodtune(context)
    args = [a.lower() for a in context.args or []]
    if args and args[0] == "explicit":
        if len(args) != 2 or args[1] not in ("on", "off"):
            await _say(update.effective_message, "Use /settings explicit on or /settings explicit off.")
            return
        await app.set_explicit(scope=scope, id=key, allowed=args[1] == "on")
        where = "here" if scope == "chat" else "for you"
        await _say(update.effective_message, f"Explicit songs are now {'allowed' if args[1] == 'on' else 'left out'} {where}.")
        return
    if context.args:
        try:
            s = await app.set_list_length(scope=scope, id=key, n=int(context.args[0]))
        except (ValueError, ChatError):
            await _say(update.effective_message, "Use /settings with a number from 1 to 10, e.g. /settings 7.")
            return
        await _say(update.effective_message, f"Lists will have {s.list_length} songs.")
        return
    s = await app.store.get_settings(scope, key)
    explicit = s.allow_explicit if s.allow_explicit is not None else not _in_group(update)
    await _say(update.effective_message, f"Songs per list: {s.list_length or 5}. Mode: {s.mode or 'match'}" + (f" toward {s.target}" if s.target else "")
               + f". Explicit songs: {'allowed' if explicit else 'left out'} (/settings explicit on|off).")


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget: delete everything stored about this person."""
    user, _ = ids(update)
    counts = await moodtune(context).store.forget(user)
    await _say(update.effective_message, f"Done — I deleted your {counts['ratings']} ratings, {counts['recommendations']} lists and your settings.")


async def on_soundtrack(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/soundtrack: one list for the chat's recent photos, or for the photo it replies to."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied and (replied.photo or (replied.document and (replied.document.mime_type or "").startswith("image/"))):
        await answer_photo(update, context, replied)
        return
    user, chat = ids(update)
    placeholder = await _retry(message.reply_text)("🎬 Building a soundtrack from this chat's recent photos…")
    try:
        rec, count = await moodtune(context).soundtrack(chat=chat, user=user, group=_in_group(update))
    except ChatError as exc:
        await _retry(placeholder.edit_text)(exc.user_message)
        return
    reply = list_reply(rec, f"🎬 Soundtrack of {count} photo{'s' if count > 1 else ''}")
    await _retry(placeholder.edit_text)(to_html(reply), parse_mode=ParseMode.HTML, reply_markup=keyboard(reply.buttons), disable_web_page_preview=True)
    if rec.id is not None:
        await moodtune(context).store.link_message(PLATFORM, chat, str(placeholder.message_id), rec.id)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A 👍/👎, shift or 'more like this' button under a list."""
    query = update.callback_query
    action = decode_action(query.data or "")
    if action is None:
        await _answer(query, "That button is from an older version — send a new photo.", show_alert=False)
        return
    if update.effective_user is None or update.effective_chat is None:  # an inline message: no chat to check against
        await _answer(query, "These buttons work in the chat where the list was shown.")
        return
    app = moodtune(context)
    user, chat = ids(update)
    try:
        if action.kind == "rate":
            track = await app.rate_song(user=user, recommendation=action.recommendation, position=action.position, score=action.score,
                                        chat=chat)
            await _answer(query, f"{'👍' if action.score > 0 else '👎'} saved: {track.title}")
            marked = mark_choice(_buttons_of(query.message.reply_markup if query.message else None), query.data)
            if query.message is not None:
                await _retry(query.edit_message_reply_markup)(reply_markup=keyboard(marked))
            return
        # ranking takes milliseconds: answer once, after we know whether the press was allowed
        if action.kind == "shift":
            rec = await app.follow_up(action.recommendation, user=user, chat=chat, mode="shift", target=action.target,
                                      group=_in_group(update))
            reply = list_reply(rec, f"🧭 From {rec.mood} toward {rec.target}")
        else:
            rec = await app.follow_up(action.recommendation, user=user, chat=chat, mode="match", group=_in_group(update))
            reply = list_reply(rec, f"➕ More for a {rec.mood} mood")
        await _answer(query)
    except ChatError as exc:
        await _answer(query, exc.user_message, show_alert=True)
        return
    sent = await _send(query.message, reply)
    if rec.id is not None:
        await app.store.link_message(PLATFORM, chat, str(sent.message_id), rec.id)


async def on_reaction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reaction on one of our lists rates every song in it for that person."""
    reaction = update.message_reaction
    if reaction is None or reaction.user is None:  # anonymous reactions cannot be attributed
        return
    emojis = [r.emoji for r in reaction.new_reaction if isinstance(r, ReactionTypeEmoji)]
    scores = {s for s in (reaction_score(e) for e in emojis) if s is not None}
    if len(scores) != 1:  # none, removed, or both 👍 and 👎 at once: nothing clear to store
        return
    app = moodtune(context)
    rec = await app.store.message_recommendation(PLATFORM, f"tg:{reaction.chat.id}", str(reaction.message_id))
    if rec is None:
        return
    n = await app.rate_list(user=f"tg:{reaction.user.id}", recommendation=rec, score=scores.pop(), chat=f"tg:{reaction.chat.id}")
    log.info("reaction rated %d songs of list %s", n, rec)


BUSY_DATABASE = "I'm saving a lot right now — please try that again in a moment."
SOMETHING_WRONG = "Something went wrong on my side — please try again in a moment."


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The error boundary: a database busy for longer than its timeout is a passing state (a
    warning and a 'try again'); anything else is logged with its traceback. The person is told
    either way — a pressed button by its answer, a message by a reply."""
    busy = isinstance(context.error, sqlite3.OperationalError) and "locked" in str(context.error)
    if busy:
        log.warning("database busy: %s", context.error)
    else:
        log.error("error handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    text = BUSY_DATABASE if busy else SOMETHING_WRONG
    if update.callback_query is not None:
        await _answer(update.callback_query, text, show_alert=True)
    elif update.effective_message is not None:
        await _say(update.effective_message, text)


def build_application(settings: Settings, app: Optional[Moodtune] = None) -> Application:
    """The PTB Application with every handler; `app` is opened in post_init unless given (tests)."""
    token = settings.telegram_token.get_secret_value()
    builder = Application.builder().token(token).rate_limiter(AIORateLimiter(max_retries=3)).concurrent_updates(True)
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url).base_file_url(file_url_for(settings.telegram_api_base_url))

    async def post_init(application: Application) -> None:
        if "moodtune" not in application.bot_data:
            application.bot_data["moodtune"] = await Moodtune.open(settings)
        await application.bot.set_my_commands(COMMANDS)

    async def post_shutdown(application: Application) -> None:
        moodtune_app = application.bot_data.pop("moodtune", None)
        if moodtune_app is not None:
            await moodtune_app.close()  # lets photos in flight finish, then closes the database

    application = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    if app is not None:
        application.bot_data["moodtune"] = app
    application.add_handler(CommandHandler(["start", "help"], on_start))
    application.add_handler(CommandHandler("mode", on_mode))
    application.add_handler(CommandHandler("settings", on_settings))
    application.add_handler(CommandHandler("forget", on_forget))
    application.add_handler(CommandHandler("soundtrack", on_soundtrack))
    application.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, on_photo))
    application.add_handler(MessageHandler(filters.Sticker.ALL | filters.ANIMATION | filters.VIDEO | filters.VIDEO_NOTE, on_not_a_photo))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageReactionHandler(on_reaction))
    application.add_error_handler(on_error)
    return application

