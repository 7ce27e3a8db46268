"""What a person or a chat has set, the artists they muted, their history, and forgetting them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from core.emotions import LABELS, normalize_label
from core.errors import UserError
from core.music.catalog import Catalog, Track
from core.music.recommender import MAX_SONGS
from core.store import ChatSettings, PhotoReading, Store

HISTORY_READINGS = 30  # /history shows this many readings


@dataclass
class History:
    """A person's or a chat's last readings (oldest first), the moods counted, the songs liked most."""

    readings: list[PhotoReading]
    counts: list[tuple[str, int]]
    liked: list[Track]


def explicit_default(group: bool) -> bool:
    """Explicit songs where nobody has set anything: off in a group, on in a private chat."""
    return not group


def explicit_allowed(settings: ChatSettings, group: bool) -> bool:
    """Whether lists in a place with these settings may hold explicit songs."""
    return settings.allow_explicit if settings.allow_explicit is not None else explicit_default(group)


def parse_mood(name: str) -> str:
    """A mood a person named (a command, a button) → one of LABELS, or UserError('unknown_mood')."""
    try:
        return normalize_label(name)
    except ValueError:
        raise UserError("unknown_mood", name=name, labels=LABELS) from None


class People:
    """Settings (`scope` 'user' for a person, 'chat' for a chat), muted artists, history, /forget."""

    def __init__(self, store: Store, catalog: Catalog):
        self._store = store
        self._catalog = catalog

    async def settings_of(self, scope: str, id: str) -> ChatSettings:
        """What a person ('user') or a chat ('chat') has set."""
        return await self._store.people.get_settings(scope, id)

    async def set_mode(self, *, scope: str, id: str, mode: str, target: Optional[str] = None) -> ChatSettings:
        """Match the photo's mood, or shift toward `target` (a mood's name, parsed here)."""
        if mode not in ("match", "shift"):
            raise UserError("bad_mode")
        if target is not None:
            target = parse_mood(target)
        return await self._store.people.set_settings(scope, id, mode=mode, target=target if mode == "shift" else None)

    async def set_list_length(self, *, scope: str, id: str, n: int) -> ChatSettings:
        if not 1 <= n <= MAX_SONGS:
            raise UserError("bad_length", max=MAX_SONGS)
        return await self._store.people.set_settings(scope, id, list_length=n)

    async def set_explicit(self, *, scope: str, id: str, allowed: bool) -> ChatSettings:
        """Whether lists here may hold songs marked explicit (groups: off unless set; private: on)."""
        return await self._store.people.set_settings(scope, id, allow_explicit=allowed)

    async def set_language(self, *, scope: str, id: str, language: str) -> ChatSettings:
        """The language to answer a person, or a group's shared messages, in (a code the bot speaks,
        checked by the bot: the core keeps it as it is, bounded)."""
        if not (language.isascii() and language.isalpha() and len(language) <= 8):
            raise UserError("bad_language", code=language, languages="")
        return await self._store.people.set_settings(scope, id, language=language.lower())

    async def cards_enabled(self, scope: str, id: str) -> bool:
        return (await self._store.people.get_settings(scope, id)).cards is not False

    async def set_cards(self, *, scope: str, id: str, on: bool) -> ChatSettings:
        return await self._store.people.set_settings(scope, id, cards=on)

    async def preferences(self, user: Optional[str], chat: Optional[str], mode: Optional[str], target: Optional[str],
                          n: Optional[int], group: bool) -> dict:
        """What a list is made with: explicit arguments win, then the person's settings, then the chat's.

        Explicit songs: in a group the group's setting decides (off by default — one member's
        preference does not change what the whole group is shown); in a private chat the person's
        (on by default)."""
        allow_explicit: Optional[bool] = None
        for scope, key in (("user", user), ("chat", chat)):
            if key:
                s = await self._store.people.get_settings(scope, key)
                mode = mode or s.mode
                target = target or s.target
                n = n or s.list_length
                if s.allow_explicit is not None and (scope == "chat") == group:
                    allow_explicit = s.allow_explicit
        if allow_explicit is None:
            allow_explicit = explicit_default(group)
        return {"mode": mode or "match", "target": target, "n": n, "allow_explicit": allow_explicit}

    async def muted_artists(self, owner: str) -> list[str]:
        """The names of the artists a person (or a group, by its id) muted, oldest first."""
        return [name for _, name in await self._store.people.muted_artists(owner)]

    async def unmute(self, owner: str, index: int) -> str:
        """Unmute the index-th of a person's (or group's) muted artists (as `muted_artists` lists them)."""
        muted = await self._store.people.muted_artists(owner)
        if not 0 <= index < len(muted):
            raise UserError("not_muted")
        key, name = muted[index]
        await self._store.people.unmute_artist(owner, key)
        return name

    async def history(self, *, user: Optional[str] = None, chat: Optional[str] = None, limit: int = HISTORY_READINGS) -> History:
        """A person's last readings wherever they sent them (`user`), or a group's (`chat`)."""
        readings = await self._store.readings.photo_history(user=user, chat=chat, limit=limit)
        counts: dict[str, int] = {}
        for r in readings:  # a mood its sender corrected counts as the mood they chose
            mood = r.corrected or r.label
            counts[mood] = counts.get(mood, 0) + 1
        liked = [t for t in (self._catalog.get(tid) for tid, _ in await self._store.ratings.liked_tracks(user=user, chat=chat)) if t is not None]
        return History(readings, sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), liked)

    async def forget(self, user: str) -> dict[str, int]:
        """Delete every row about a person: ratings, lists, settings, photo readings."""
        return await self._store.forget(user)
