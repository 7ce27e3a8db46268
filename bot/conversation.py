"""What Moodtune says and does in a chat, the same on every platform.

An adapter turns a platform's update into a neutral call here — who (`Origin`: person, chat,
whether it is a group), and what (photo bytes to fetch, a button's data, a reaction's emoji, a
command's arguments) — and gets back what to send (`Outgoing`, `Press`). It then only sends, and
reports the sent message with `sent()` so reactions on it can find its list. Nothing here knows
Telegram or Discord; bot.replies words everything.

Scope is one rule for both platforms: settings and mode belong to the group in a group and to the
person in a private chat; ratings and /forget always to the person; lists can be acted on only in
the chat they were shown in (core.service.lists checks it).

Expected outcomes (a bad file, a limit, a list that is gone: core.errors.UserError) become a reply
here; anything else is a bug and goes to the platform's error boundary, which says sorry once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Optional

from bot import i18n, metrics, replies
from bot.cards import card_for_photo, render_history_card, render_mood_card
from bot.buttons import NUMBER_REACTIONS, decode_action, mark_choice, reaction_score
from bot.formatting import Button, Reply
from core.service import Moodtune
from core.service.people import explicit_allowed
from core.errors import UserError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Who an event comes from. `person`/`chat` are namespaced ids ("tg:42", "dc:555"); either may
    be None (an anonymous admin, a channel post, an inline message) — such events change nothing."""

    platform: str
    person: Optional[str]
    chat: Optional[str]
    group: bool
    # asks the platform whether the person administers this group (only when it matters)
    admin: Optional[Callable[[], Awaitable[bool]]] = field(default=None, compare=False, repr=False)
    # the language the person's client says they use (Telegram's language_code, Discord's locale),
    # unparsed: bot.i18n.parse_language reads it
    language: Optional[str] = field(default=None, compare=False)

    async def is_admin(self) -> bool:
        if not self.group or self.admin is None:
            return False
        try:
            return bool(await self.admin())
        except Exception as exc:  # noqa: BLE001 — a platform that cannot say: not an admin
            log.info("could not tell whether %s is an admin: %s", self.person, exc)
            return False

    @property
    def known(self) -> bool:
        return self.person is not None and self.chat is not None

    @property
    def scope(self) -> tuple[str, str]:
        """Where settings live: the group's in a group, the person's in a private chat."""
        return ("chat", self.chat) if self.group else ("user", self.person)


@dataclass(frozen=True)
class AudioOut:
    """One playable preview to send: by the platform's own file id when it has the song already,
    else by the preview's URL (Telegram fetches it) or its bytes (Discord attaches them)."""

    track_id: str
    title: str
    performer: str
    url: Optional[str] = None
    file_id: Optional[str] = None
    data: Optional[bytes] = None


# Platforms that take audio as attachments (the bytes), not as a URL they fetch themselves.
AUDIO_ATTACHMENTS = frozenset({"discord"})


@dataclass(frozen=True)
class InlineSong:
    """One inline result: playable where Deezer has a preview, else a link to the song."""

    id: str
    title: str
    performer: str
    spotify_url: str
    audio_url: Optional[str] = None
    description: str = ""


@dataclass
class InlineAnswer:
    """What an inline query gets: songs, or (none) a hint to show instead."""

    songs: list[InlineSong] = field(default_factory=list)
    hint: Optional[str] = None


@dataclass
class Outgoing:
    """A message to send: a rich `reply` or a plain `text`. `list_id`: link the sent message to
    this list (reactions rate it). `private`: only the person should see it where the platform can
    do that (Discord's ephemeral messages); `error`: an expected refusal."""

    text: str = ""
    reply: Optional[Reply] = None
    list_id: Optional[int] = None
    private: bool = False
    error: bool = False
    image: Optional[bytes] = None  # a JPEG to send with it (bot.cards)
    audio: list[AudioOut] = field(default_factory=list)  # previews to send as playable audio (one album)
    document: Optional[tuple[str, bytes]] = None  # a file to attach: (name, bytes) — an exported list
    direct: bool = False  # to the person alone, in a private chat with them (a sign-in link)
    # the language it is said in (the one in force where it was made): what the adapter adds to it
    # (a menu's placeholder) is said in it too
    language: str = field(default_factory=i18n.current)


@dataclass
class Press:
    """The answer to a button press: `toast` for the press itself (`alert`: shown as a dialog),
    `buttons` to put back on the pressed message (the choice marked), `then` a new message."""

    toast: Optional[str] = None
    alert: bool = False
    buttons: Optional[list[list[Button]]] = None
    then: Optional[Outgoing] = field(default=None)
    # said instead of `toast` when `then` is for the person alone and the platform cannot reach them
    # privately (a Telegram user who never opened a chat with the bot)
    undelivered: Optional[str] = None


def speaks(method):
    """Handle the update in the person's language, with the group's for what everyone sees
    (`Conversation.languages`); the method itself never picks a language."""
    @functools.wraps(method)
    async def in_their_language(self, origin: Origin, *args, **kwargs):
        own, shared = await self.languages(origin)
        with i18n.speaking(own, shared):
            return await method(self, origin, *args, **kwargs)

    return in_their_language


def refusal(exc: UserError) -> Outgoing:
    log.info("refused: %s", exc)
    metrics.REFUSALS.labels(exc.kind).inc()
    return Outgoing(text=replies.error_text(exc), private=True, error=True)


class Conversation:
    NOTE_EVERY = 30.0  # seconds: at most one 'queued' note per chat in this long, however many photos it sends
    NOTED_CHATS = 10_000  # chats remembered for that: bounded memory

    def __init__(self, moodtune: Moodtune):
        self.moodtune = moodtune
        self._noted: "OrderedDict[str, float]" = OrderedDict()
        metrics.watch_queue(lambda: moodtune.photos.waiting, lambda: moodtune.photos_in_flight)

    async def languages(self, origin: Origin) -> tuple[str, str]:
        """(the person's language, the language of what everyone in the chat sees): the person's
        choice (/settings language in a private chat), else their client's, else English; a group's
        choice for its shared messages, else the person's. A store that cannot answer now costs
        only the choices: the client's language still holds."""
        own = i18n.parse_language(origin.language) or i18n.DEFAULT
        shared = None
        try:
            if origin.person is not None:
                own = (await self.moodtune.people.settings_of("user", origin.person)).language or own
            if origin.group and origin.chat is not None:
                shared = (await self.moodtune.people.settings_of("chat", origin.chat)).language
        except Exception as exc:  # noqa: BLE001 — the update's own handling will meet the same trouble and say so
            log.info("languages of %s unknown: %s", origin.person, exc)
        return own, shared or own

    @property
    def previews_on(self) -> bool:
        """Whether lists carry the ▶ button (MOODTUNE_PREVIEWS)."""
        return self.moodtune.previews.enabled

    # --- photos ------------------------------------------------------------------------------

    @speaks
    async def photo(
        self, origin: Origin, fetch: Callable[[], Awaitable[bytes]], *, admitted: Optional[Callable[[], None]] = None,
        queued: Optional[Callable[[str], None]] = None,
    ) -> Outgoing:
        """A photo, GIF or video: admission first (limits and a queue place, free when refused),
        then `admitted()` (the platform's 'typing…', repeated while the photo waits its turn) and,
        when the wait is long, `queued(note)`; `fetch()` (the download) only once its turn has come."""
        async def answer(admission):
            return await admission.photo(fetch)

        return await self._admitted(origin, admitted, queued, answer)

    @speaks
    async def album(
        self, origin: Origin, fetches: list[Callable[[], Awaitable[bytes]]], *, admitted: Optional[Callable[[], None]] = None,
        queued: Optional[Callable[[str], None]] = None,
    ) -> Outgoing:
        """Several photos sent together: admitted once (one queue place, one of the person's photos
        a minute), downloaded and read one at a time (memory as for one photo), combined (each
        counting by its confidence) and answered once. A photo that cannot be downloaded or read
        is left out while others can be; when none can, the person is told why."""
        async def answer(admission):
            return await admission.album(fetches)

        return await self._admitted(origin, admitted, queued, answer)

    TYPING_EVERY = 4.5  # seconds: the platforms show 'typing…' for about 5 s (Telegram) to 10 s (Discord)

    async def _admitted(self, origin: Origin, admitted: Optional[Callable[[], None]],
                        queued: Optional[Callable[[str], None]], answer) -> Outgoing:
        """Admission, then the platform's courtesies while the photo waits, then `answer(admission)`;
        a refusal is a reply."""
        if not origin.known:
            return Outgoing(text=replies.text("no_sender"), error=True)
        try:
            async with self.moodtune.photos.admit(user=origin.person, chat=origin.chat, group=origin.group) as admission:
                metrics.QUEUE_WAIT.observe(admission.expected_wait)
                if queued is not None and admission.expected_wait > self.moodtune.settings.queue_note_after \
                        and self._may_note(origin.chat):
                    queued(replies.text("queued", seconds=admission.expected_wait, ahead=admission.ahead))
                await self._wait_turn(admission, admitted)
                started = time.perf_counter()
                result = await answer(admission)
                answered_ms = (time.perf_counter() - started) * 1000
        except UserError as exc:
            metrics.PHOTOS.labels("refused").inc()
            return refusal(exc)
        except Exception:
            metrics.PHOTOS.labels("failed").inc()
            raise
        metrics.PHOTOS.labels("answered").inc()
        timings = dict(result.reading.timings_ms or {})
        timings["ranking"] = max(0.0, answered_ms - timings.get("total", 0.0))  # the songs: the rest of the answer's time
        metrics.record_reading(timings)
        metrics.LISTS.labels("photo").inc()
        return await self._answered(origin, result)

    def _may_note(self, chat: str) -> bool:
        """Whether this chat may get a 'queued' note now (one per NOTE_EVERY s: a group's burst gets one)."""
        now = time.monotonic()
        last = self._noted.get(chat)
        if last is not None and now - last < self.NOTE_EVERY:
            return False
        self._noted[chat] = now
        self._noted.move_to_end(chat)
        if len(self._noted) > self.NOTED_CHATS:
            self._noted.popitem(last=False)
        return True

    async def _wait_turn(self, admission, typing: Optional[Callable[[], None]]) -> None:
        """Wait for the photo's turn, showing 'typing…' now and again until it comes."""
        turn = asyncio.ensure_future(admission.turn())
        try:
            while True:
                if typing is not None:
                    typing()
                done, _ = await asyncio.wait({turn}, timeout=self.TYPING_EVERY)
                if done:
                    return turn.result()
        finally:
            turn.cancel()

    async def _answered(self, origin: Origin, answer) -> Outgoing:
        """The reply to a reading and its songs, with its card unless the chat turned cards off."""
        rec = answer.recommendation
        image = None
        with i18n.to_everyone():  # an answer everyone in the chat reads
            if await self.moodtune.people.cards_enabled(*origin.scope):
                image = await asyncio.to_thread(render_mood_card, **card_for_photo(answer.reading, rec),
                                                photo=answer.reading.thumbnail)
            reply = replies.photo_reply(answer.reading, rec, previews=self.previews_on)
        return Outgoing(reply=reply, list_id=rec.id, image=image)

    @speaks
    async def mood_words(self, origin: Origin, text: str) -> Outgoing:
        """`/mood rainy sunday`: songs for the mood the words carry, with how they were read; words
        with no mood get a sentence. Same rules as any list here (settings, explicit, muted artists)."""
        if not origin.known:
            return Outgoing(text=replies.text("no_sender"), error=True)
        try:
            reading, rec = await self.moodtune.songs.for_words(text, user=origin.person, chat=origin.chat, group=origin.group)
        except UserError as exc:
            return refusal(exc)
        metrics.LISTS.labels("words").inc()
        with i18n.to_everyone():
            return Outgoing(reply=replies.words_reply(reading, rec, previews=self.previews_on), list_id=rec.id)

    @speaks
    async def not_a_photo(self, origin: Origin, what: str = "") -> Outgoing:
        return Outgoing(text=replies.text("not_a_photo", what=what), error=True)

    # --- lists -------------------------------------------------------------------------------

    @speaks
    async def soundtrack(self, origin: Origin) -> Outgoing:
        if not origin.known:
            return Outgoing(text=replies.text("no_sender"), error=True)
        try:
            rec, count = await self.moodtune.songs.soundtrack(chat=origin.chat, user=origin.person, group=origin.group)
        except UserError as exc:
            return refusal(exc)
        metrics.LISTS.labels("soundtrack").inc()
        with i18n.to_everyone():
            return Outgoing(reply=replies.list_reply(rec, replies.text("soundtrack_title", count=count), previews=self.previews_on),
                            list_id=rec.id)

    @speaks
    async def press(self, origin: Origin, data: str, buttons: list[list[Button]]) -> Press:
        """A button under a list: 👍/👎 one song, shift toward a mood, or more like this.
        `buttons`: the keyboard of the pressed message, returned with the choice marked."""
        action = decode_action(data)
        if action is None:
            return Press(toast=replies.text("old_button"))
        if not origin.known:  # an inline message: no chat to check the list against
            return Press(toast=replies.text("buttons_in_chat_only"))
        app = self.moodtune
        try:
            if action.kind == "rate":
                track = await app.lists.rate_song(user=origin.person, recommendation=action.recommendation, position=action.position,
                                            score=action.score, chat=origin.chat)
                then = None
                if action.score < 0:  # not for them: offer to mute the song's artists
                    names = await app.lists.song_credits(action.recommendation, action.position, chat=origin.chat)
                    if names:
                        then = Outgoing(reply=replies.mute_offer(action.recommendation, action.position, names), private=True)
                metrics.RATINGS.labels("button").inc()
                return Press(toast=replies.text("rated", score=action.score, title=track.title),
                             buttons=mark_choice(buttons, data), then=then)
            if action.kind == "previews":
                items = await app.previews.of_list(action.recommendation, chat=origin.chat, platform=origin.platform,
                                               audio=origin.platform in AUDIO_ATTACHMENTS)
                audio = [AudioOut(i.track.id, i.track.title, i.track.artist, url=i.preview.url if i.preview else None,
                                  file_id=i.file_id, data=i.audio) for i in items if i.file_id or i.preview]
                missing = [i.track for i in items if not (i.file_id or i.preview)]
                metrics.PREVIEWS.labels("sent" if audio else "none").inc()
                if not audio:
                    return Press(toast=replies.no_previews(missing), alert=True)
                return Press(toast=replies.text("previews_coming", n=len(audio)),
                             then=Outgoing(text=replies.no_previews(missing) if missing else "", audio=audio))
            if action.kind == "save":
                return await self._save(origin, action.recommendation)
            if action.kind == "export":
                name, data = await app.saving.export(action.recommendation, chat=origin.chat)
                return Press(toast=replies.text("exported"), then=Outgoing(text=replies.text("export_note"), document=(name, data)))
            if action.kind == "moods":
                said, choices = await app.lists.mood_choices(action.recommendation, user=origin.person, chat=origin.chat)
                return Press(then=Outgoing(reply=replies.mood_choices(action.recommendation, said, choices)))
            if action.kind == "correct":
                rec = await app.lists.correct_mood(action.recommendation, user=origin.person, chat=origin.chat, label=action.target,
                                             group=origin.group)
                with i18n.to_everyone():
                    then = Outgoing(reply=replies.list_reply(rec, replies.text("corrected_title", mood=rec.mood), previews=self.previews_on),
                                    list_id=rec.id)
                return Press(toast=replies.text("corrected", mood=rec.mood), then=then)
            if action.kind == "mute":  # an admin mutes for the whole group, anyone else for themselves
                for_group = await origin.is_admin()
                name = await app.lists.mute_credit(action.recommendation, action.position, action.credit, user=origin.person,
                                             chat=origin.chat, for_group=for_group)
                return Press(toast=replies.text("muted_group" if for_group else "muted", name=name))
            if action.kind == "unmute":
                if action.target == "g" and not await origin.is_admin():
                    return Press(toast=replies.text("admins_only"), alert=True)
                name = await app.people.unmute(origin.chat if action.target == "g" else origin.person, action.position)
                return Press(toast=replies.text("unmuted", name=name))
            mode = "shift" if action.kind == "shift" else "match"
            rec = await app.lists.follow_up(action.recommendation, user=origin.person, chat=origin.chat, mode=mode,
                                      target=action.target, group=origin.group)
        except UserError as exc:
            log.info("button %s refused: %s", data, exc)
            metrics.REFUSALS.labels(exc.kind).inc()
            if action.kind == "previews":
                metrics.PREVIEWS.labels("refused").inc()
            return Press(toast=replies.error_text(exc), alert=True)
        metrics.LISTS.labels(mode == "shift" and "shift" or "more").inc()
        with i18n.to_everyone():
            title = (replies.text("shift_title", mood=rec.mood, target=rec.target) if mode == "shift"
                     else replies.text("more_title", mood=rec.mood))
            return Press(then=Outgoing(reply=replies.list_reply(rec, title, previews=self.previews_on), list_id=rec.id))

    @speaks
    async def _save(self, origin: Origin, recommendation: int) -> Press:
        """💾: the list as a private playlist, or first a sign-in link sent to the person alone."""
        saved = await self.moodtune.saving.save(user=origin.person, recommendation=recommendation, chat=origin.chat,
                                                platform=origin.platform, language=i18n.current())
        if saved.playlist_url:
            return Press(toast=replies.text("saved_toast"),
                         then=Outgoing(text=replies.text("saved_playlist", url=saved.playlist_url), private=True, direct=True),
                         undelivered=replies.text("open_private_chat"))
        return Press(toast=replies.text("sign_in_toast"),
                     then=Outgoing(text=replies.text("sign_in", url=saved.sign_in_url), private=True, direct=True),
                     undelivered=replies.text("open_private_chat"))

    @speaks
    async def save_last(self, origin: Origin) -> Press:
        """`/save`: the person's last list in this chat, as 💾 would."""
        if not origin.known:
            return Press(toast=replies.text("no_sender"))
        last = await self.moodtune.lists.last(user=origin.person, chat=origin.chat)
        if last is None:
            return Press(toast=replies.error_text("nothing_to_save"))
        try:
            return await self._save(origin, last)
        except UserError as exc:
            return Press(toast=replies.error_text(exc))

    async def signed_in(self, signed) -> tuple[str, Outgoing]:
        """A sign-in came back (core.service.saving.SignedIn): what to tell the person, privately, in
        their language; and the sentence for the browser page. Returns (page text, message)."""
        origin = Origin(signed.platform, signed.user, signed.chat, group=False, language=signed.language)
        own, _shared = await self.languages(origin)
        with i18n.speaking(own):
            if signed.error is not None:
                text = replies.error_text(signed.error)
            elif signed.playlist_url:
                text = replies.text("saved_playlist", url=signed.playlist_url)
            else:
                text = replies.text("signed_in")
            page = replies.text("sign_in_page_done") if signed.error is None else text
            return page, Outgoing(text=text, direct=True, private=True)

    @speaks
    async def inline(self, origin: Origin, query: str) -> InlineAnswer:
        """`@bot calm` or `@bot rainy sunday` from any chat: songs for the mood in the words, with
        previews where Deezer has them; a mood-less, empty or refused query gets a hint instead."""
        if origin.person is None:
            return InlineAnswer(hint=replies.text("inline_hint"))
        try:
            reading, items = await self.moodtune.songs.inline(query, user=origin.person)
        except UserError as exc:
            log.info("inline query refused: %s", exc)
            return InlineAnswer(hint=replies.inline_refusal(exc))
        mood = reading if isinstance(reading, str) else reading.label
        return InlineAnswer(songs=[
            InlineSong(id=i.track.id, title=i.track.title, performer=i.track.artist, spotify_url=f"https://open.spotify.com/track/{i.track.id}",
                       audio_url=i.preview.url if i.preview else None, description=replies.inline_description(mood, i.preview is not None))
            for i in items])

    async def previews_sent(self, origin: Origin, file_ids: dict[str, str]) -> None:
        """The platform now holds these previews (track id → its file id): the next ▶ reuses them."""
        for track_id, file_id in file_ids.items():
            await self.moodtune.previews.remember_file(origin.platform, track_id, file_id)

    @speaks
    async def refusal_for(self, origin: Origin, data: str) -> Optional[str]:
        """What a press would be refused with, decided before any work or message (a platform that
        must acknowledge first can then keep the refusal private); None when it may go ahead."""
        action = decode_action(data)
        if action is None:
            return replies.text("old_button")
        if not origin.known:
            return replies.text("buttons_in_chat_only")
        try:
            if action.kind == "correct":
                await self.moodtune.lists.mood_choices(action.recommendation, user=origin.person, chat=origin.chat)
            elif action.kind == "save" and not self.moodtune.saving.available:
                raise UserError("spotify_not_configured")
            elif action.kind == "previews":
                self.moodtune.previews.check(origin.chat)
                await self.moodtune.lists.check(action.recommendation, chat=origin.chat)
            elif action.recommendation:
                await self.moodtune.lists.check(action.recommendation, chat=origin.chat)
        except UserError as exc:
            return replies.error_text(exc)
        return None

    async def react(self, origin: Origin, message_id: str, emojis: list[str]) -> int:
        """Reactions on one of our messages: 👍/❤/🔥… or 👎/💩/😢 rate the whole list, a number
        (1️⃣–🔟) likes that song. Anything unclear (none, both signs) is ignored. Returns how many
        songs were rated."""
        if not origin.known:  # anonymous reactions cannot be attributed
            return 0
        app = self.moodtune
        rec = await app.lists.of_message(origin.platform, origin.chat, str(message_id))
        if rec is None:
            return 0
        positions = {NUMBER_REACTIONS.index(e) for e in emojis if e in NUMBER_REACTIONS}
        scores = {s for s in (reaction_score(e) for e in emojis) if s is not None}
        rated = 0
        for position in sorted(positions):
            try:
                await app.lists.rate_song(user=origin.person, recommendation=rec, position=position, score=1, chat=origin.chat)
                rated += 1
            except UserError as exc:
                log.info("reaction ignored: %s", exc)
        if len(scores) == 1:
            rated += await app.lists.rate_list(user=origin.person, recommendation=rec, score=scores.pop(), chat=origin.chat)
        if rated:
            metrics.RATINGS.labels("reaction").inc(rated)
        return rated

    async def sent(self, origin: Origin, message_id: str, out: Outgoing) -> None:
        """The adapter sent `out` as `message_id`: reactions on it now rate its list."""
        if out.list_id is not None and origin.chat is not None:
            await self.moodtune.lists.link_message(origin.platform, origin.chat, str(message_id), out.list_id)

    # --- commands ----------------------------------------------------------------------------

    @speaks
    async def help(self, origin: Origin) -> Outgoing:
        return Outgoing(text=replies.help_text(origin.platform))

    @speaks
    async def mode(self, origin: Origin, mode: Optional[str] = None, target: Optional[str] = None) -> Outgoing:
        """Show the mode (no argument) or set it: match, or shift [toward a mood]."""
        if not origin.known:
            return Outgoing(text=replies.text("no_sender"), error=True)
        scope, key = origin.scope
        if not mode:
            s = await self.moodtune.people.settings_of(scope, key)
            return Outgoing(text=replies.text("mode_is", mode=s.mode or "match", target=s.target, platform=origin.platform))
        try:
            s = await self.moodtune.people.set_mode(scope=scope, id=key, mode=mode.lower(), target=target)
        except UserError as exc:
            return refusal(exc)
        return Outgoing(text=replies.text("mode_set", mode=s.mode, target=s.target, group=origin.group))

    @speaks
    async def history(self, origin: Origin) -> Outgoing:
        """The last 30 readings as a picture with the moods counted and the songs liked most: the
        person's own in a private chat, the group's in a group."""
        if not origin.known:
            return Outgoing(text=replies.text("no_sender"), error=True)
        history = await self.moodtune.people.history(user=None if origin.group else origin.person, chat=origin.chat if origin.group else None)
        text = replies.history_text(history, origin.group)
        if not history.readings:
            return Outgoing(text=text)
        image = await asyncio.to_thread(
            render_history_card, title=replies.history_title(len(history.readings), origin.group),
            points=[(r.corrected or r.label, r.valence, r.arousal) for r in history.readings], counts=history.counts,
            liked=[f"{t.artist} — {t.title}" for t in history.liked] or [replies.text("nothing_liked")],
        )
        return Outgoing(text=text, image=image)

    @speaks
    async def settings(self, origin: Origin, songs: Optional[str] = None, explicit: Optional[str] = None,
                       cards: Optional[str] = None, language: Optional[str] = None, spotify: Optional[str] = None) -> Outgoing:
        """Show the settings, or set how many songs a list has and whether explicit songs may come.
        Arguments arrive as the person typed them and are checked here."""
        if not origin.known:
            return Outgoing(text=replies.text("no_sender"), error=True)
        app = self.moodtune
        scope, key = origin.scope
        try:
            if explicit is not None:
                if explicit.lower() not in ("on", "off"):
                    raise UserError("bad_explicit")
                await app.people.set_explicit(scope=scope, id=key, allowed=explicit.lower() == "on")
            if cards is not None:
                if cards.lower() not in ("on", "off"):
                    raise UserError("bad_cards")
                await app.people.set_cards(scope=scope, id=key, on=cards.lower() == "on")
            if songs is not None:
                n = int(songs) if songs.isascii() and songs.isdigit() and len(songs) < 4 else 0
                await app.people.set_list_length(scope=scope, id=key, n=n)
            if spotify is not None:
                if spotify.lower() != "off":
                    raise UserError("bad_spotify")
                had = await app.saving.disconnect(origin.person)
                return Outgoing(text=replies.text("spotify_off" if had else "spotify_was_off"), private=True)
            if language is not None:
                chosen = i18n.parse_language(language)
                if chosen is None:
                    raise UserError("bad_language", code=language, languages=", ".join(i18n.LANGUAGES.values()))
                await app.people.set_language(scope=scope, id=key, language=chosen)
                with i18n.speaking(chosen):  # said in the language just chosen
                    return Outgoing(text=replies.text("language_set", language=chosen, group=origin.group), private=True)
        except UserError as exc:
            return refusal(exc)
        s = await app.people.settings_of(scope, key)
        allowed = explicit_allowed(s, origin.group)
        words = replies.text("settings_are", songs=s.list_length, mode=s.mode or "match", target=s.target,
                             explicit=allowed, cards=s.cards is not False, group=origin.group, platform=origin.platform,
                             language=s.language or (await self.languages(origin))[1])
        muted = await app.people.muted_artists(origin.chat if origin.group else origin.person)  # the group's in a group
        if muted:
            return Outgoing(reply=replies.settings_with_muted(words, muted, group=origin.group), private=True)
        return Outgoing(text=words, private=True)

    @speaks
    async def forget(self, origin: Origin) -> Outgoing:
        if origin.person is None:
            return Outgoing(text=replies.text("no_sender"), error=True)
        counts = await self.moodtune.people.forget(origin.person)
        return Outgoing(text=replies.text("forgotten", **counts), private=True)
