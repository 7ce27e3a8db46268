"""The ▶ button: each song's 30-second preview, looked up when pressed (Deezer's URLs expire), the
platforms' own copies of previews they already hold, and one press per chat per cooldown."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Optional

from core.errors import UserError
from core.music.catalog import Catalog
from core.music.recommender import Recommendation
from core.service.lists import Lists
from core.service.songs import PreviewItem
from core.store import Store

PREVIEW_FILE_DAYS = 30  # a platform keeps a sent file's id usable for long; refreshed on each send
PREVIEW_COOLDOWN_CHATS = 10_000  # chats whose last ▶ press is remembered (memory stays bounded)


class Previews:
    """Previews of lists shown, over Deezer's client (core.music.previews.DeezerPreviews; None: off)."""

    def __init__(self, store: Store, catalog: Catalog, lists: Lists, deezer, cooldown: float):
        self._store = store
        self._catalog = catalog
        self._lists = lists
        self.deezer = deezer
        self.cooldown = cooldown
        self._pressed: "OrderedDict[str, float]" = OrderedDict()

    @property
    def enabled(self) -> bool:
        """Whether ▶ is offered at all (MOODTUNE_PREVIEWS)."""
        return self.deezer is not None

    def check(self, chat: Optional[str]) -> None:
        """Raise UserError unless ▶ may be pressed in this chat now (previews on, cooldown over)."""
        if self.deezer is None:
            raise UserError("previews_off")
        last = self._pressed.get(chat)
        now = time.monotonic()
        if last is not None and now - last < self.cooldown:
            raise UserError("previews_cooldown", seconds=int(self.cooldown - (now - last)) + 1)

    async def of_list(self, recommendation: int, *, chat: str, platform: str, audio: bool = False) -> list[PreviewItem]:
        """Each song of a list shown in `chat` with its preview, looked up now. A platform that
        already holds a song's preview (`platform`'s file id, remembered) gets that id instead; with
        `audio` the MP3s themselves are fetched (for attachments). One press per chat every
        `cooldown` seconds (UserError otherwise)."""
        self.check(chat)
        stored = await self._lists.own_list(recommendation, chat)
        self._pressed[chat] = time.monotonic()
        self._pressed.move_to_end(chat)
        while len(self._pressed) > PREVIEW_COOLDOWN_CHATS:
            self._pressed.popitem(last=False)
        items = [PreviewItem(t) for t in (self._catalog.get(tid) for tid in stored.tracks) if t is not None]
        for item in items:
            item.file_id = await self._store.cache_get(f"preview:{platform}:{item.track.id}", PREVIEW_FILE_DAYS * 86400)
        wanted = [i for i in items if i.file_id is None]
        found = await self.deezer.find_all(i.track for i in wanted)
        for item in wanted:
            item.preview = found.get(item.track.id)
        if audio:
            fetched = await asyncio.gather(*(self.deezer.audio(i.preview) for i in wanted if i.preview is not None))
            for item, data in zip([i for i in wanted if i.preview is not None], fetched):
                item.audio = data
                if data is None:
                    item.preview = None
        return items

    async def remember_file(self, platform: str, track: str, file_id: str) -> None:
        """The platform now holds this song's preview as `file_id`: the next ▶ reuses it."""
        await self._store.cache_put(f"preview:{platform}:{track}", file_id)

    async def urls(self, rec: Recommendation) -> dict[str, Optional[str]]:
        """track id → its preview URL now (None: Deezer has none), for the command line's --previews."""
        if self.deezer is None:
            raise UserError("previews_off")
        found = await self.deezer.find_all(s.track for s in rec.songs)
        return {tid: (p.url if p else None) for tid, p in found.items()}
