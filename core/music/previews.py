"""30-second previews from Deezer's keyless public API, looked up when someone presses ▶.

Why it is built this way:
- Looked up at press time, never stored: Deezer's preview URLs are signed and expire. Only ids are
  kept (Telegram's file_id of a preview it already has, in the store's cache), no audio on disk.
- A song is found by `/search?q=artist:"…" track:"…"` and accepted only when Deezer's artist is
  the song's first credited artist (normalised) — a cover or a namesake is no preview of this song;
  `/track/isrc:…` first where an ISRC is known.
- Deezer answers errors with HTTP 200 and `{"error": {...}}` (quota: code 4); both that and a
  timeout mean "no preview this time", said to the person by name ("no preview for …"), never a
  silently shorter list.
- Bounded: Deezer allows ~50 requests per 5 s; one limiter for the whole process (aiolimiter) and,
  with several workers on PostgreSQL, the same count kept in the database (Limits.wait_for_turn), a
  timeout per request, previews of at most MAX_PREVIEW_BYTES when the audio itself is fetched
  (Discord attachments; Telegram fetches the URL itself).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Iterable, Optional

import aiohttp
from aiolimiter import AsyncLimiter

from core.limits import take_turn
from core.music.catalog import Track, credit_key, credits

log = logging.getLogger(__name__)

REQUESTS_PER_WINDOW = 50  # Deezer: ~50 requests every 5 seconds per client
WINDOW_SECONDS = 5.0
TIMEOUT_SECONDS = 4.0
MAX_PREVIEW_BYTES = 2 * 2**20  # a 30-second MP3 preview is ~0.5 MB


@dataclass(frozen=True)
class Preview:
    track_id: str  # ours (Spotify's)
    title: str
    performer: str
    url: str  # signed, short-lived: use it now
    deezer_id: int


class DeezerPreviews:
    """Finds previews for catalog tracks. One per process (its limiter is the process's)."""

    def __init__(self, base_url: str = "https://api.deezer.com", *, timeout: float = TIMEOUT_SECONDS,
                 limiter: Optional[AsyncLimiter] = None, shared=None):
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.limiter = limiter or AsyncLimiter(REQUESTS_PER_WINDOW, WINDOW_SECONDS)
        # core.limits.Limits: several workers on one PostgreSQL keep Deezer's rate together
        self.shared = shared
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def _turn(self) -> None:
        """Wait until every worker together is under Deezer's rate (a few seconds at most)."""
        if self.shared is not None:
            await take_turn(self.shared, "deezer", REQUESTS_PER_WINDOW, WINDOW_SECONDS, max_wait=4 * WINDOW_SECONDS)

    async def _get(self, path: str, params: Optional[dict] = None) -> Optional[dict]:
        """A JSON answer, or None for Deezer's error shape, an HTTP error, a timeout or garbage."""
        await self._turn()
        async with self.limiter:
            try:
                async with self._client().get(f"{self.base_url}{path}", params=params) as resp:
                    if resp.status != 200:
                        log.info("Deezer %s answered HTTP %s", path, resp.status)
                        return None
                    data = await resp.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                log.info("Deezer %s unavailable: %s", path, exc.__class__.__name__)
                return None
        if not isinstance(data, dict) or "error" in data:
            log.info("Deezer %s error: %s", path, data.get("error") if isinstance(data, dict) else "not an object")
            return None
        return data

    async def find(self, track: Track, isrc: Optional[str] = None) -> Optional[Preview]:
        """The preview of this song, or None when Deezer has none (or could not be asked)."""
        main = credits(track.artist)[:1] or [track.artist]
        want = credit_key(main[0])
        candidates: list[dict] = []
        if isrc:
            found = await self._get(f"/track/isrc:{isrc}")
            candidates += [found] if found else []
        if not candidates:
            found = await self._get("/search", {"q": f'artist:"{main[0]}" track:"{track.title}"', "limit": 5})
            candidates += [c for c in (found or {}).get("data", []) if isinstance(c, dict)]
        for c in candidates:
            artist = (c.get("artist") or {}).get("name", "") if isinstance(c.get("artist"), dict) else ""
            url = c.get("preview") or ""
            if credit_key(artist) == want and isinstance(url, str) and url.startswith(("http://", "https://")):
                return Preview(track.id, str(c.get("title") or track.title), artist, url, int(c.get("id") or 0))
        return None

    async def find_all(self, tracks: Iterable[Track]) -> dict[str, Optional[Preview]]:
        """Previews of several songs, looked up together (within the limiter)."""
        tracks = list(tracks)
        found = await asyncio.gather(*(self.find(t) for t in tracks))
        return {t.id: p for t, p in zip(tracks, found)}

    async def audio(self, preview: Preview) -> Optional[bytes]:
        """The MP3 itself (for platforms that take attachments), at most MAX_PREVIEW_BYTES; None on failure."""
        try:
            async with self._client().get(preview.url) as resp:
                if resp.status != 200:
                    return None
                data = await resp.content.read(MAX_PREVIEW_BYTES + 1)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.info("preview audio unavailable: %s", exc.__class__.__name__)
            return None
        return data if 0 < len(data) <= MAX_PREVIEW_BYTES else None
