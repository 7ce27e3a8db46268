"""Optional Spotify enrichment: album art, a name check, and resolving ids that went stale.

Spotify no longer gives audio features to new apps, so the catalog is the source of truth and a
track link needs no API. With SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET set, spotipy (client
credentials) adds what only Spotify knows. Rules:
- results are cached in SQLite (30 days), so a song is asked about once;
- a search asks for at most 10 results (Spotify's limit since Feb 2026);
- a 429 is honoured: no call until its Retry-After has passed; a QUOTA_EXCEEDED answer stops calls
  for a day; spotipy's own sleeping retries are turned off so a request never blocks for minutes;
- any failure falls back to the catalog's links — a person never sees a Spotify error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Protocol

from core.music.catalog import Track, dedupe_key

log = logging.getLogger(__name__)

CACHE_AGE = 30 * 24 * 3600
SEARCH_LIMIT = 10
DAY = 24 * 3600


@dataclass(frozen=True)
class Enrichment:
    track_id: str  # the id to link to (the catalog's, or the one a search resolved)
    album_art: Optional[str]
    name_matches: bool


class Cache(Protocol):
    """Where lookups are kept between starts (core.service.catalog.StoreCache: the store's cache)."""

    async def get(self, key: str, max_age: float) -> Optional[Any]: ...
    async def put(self, key: str, value: Any) -> None: ...


class SpotifyEnricher:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        cache: Cache,
        *,
        api_url: str = "https://api.spotify.com",
        token_url: str = "https://accounts.spotify.com/api/token",
        timeout: float = 5.0,
    ):
        import requests
        import spotipy
        from spotipy.cache_handler import MemoryCacheHandler
        from spotipy.oauth2 import SpotifyClientCredentials

        # the access token lives in memory: spotipy's default writes it to ./.cache, readable by anyone
        creds = SpotifyClientCredentials(client_id=client_id, client_secret=client_secret, requests_timeout=timeout,
                                         cache_handler=MemoryCacheHandler())
        creds.OAUTH_TOKEN_URL = token_url
        # a plain Session: spotipy's own session retries 429s by sleeping, and hides Retry-After
        self._sp = spotipy.Spotify(auth_manager=creds, requests_timeout=timeout, requests_session=requests.Session())
        self._sp.prefix = api_url.rstrip("/") + "/v1/"
        self._cache = cache
        self.blocked_until = 0.0
        self._exception = spotipy.SpotifyException

    @property
    def available(self) -> bool:
        return time.time() >= self.blocked_until

    async def enrich(self, tracks: Iterable[Track]) -> dict[str, Enrichment]:
        """Enrichment for each track Spotify could tell us about; {} for whatever it could not."""
        out: dict[str, Enrichment] = {}
        todo = []
        for t in tracks:
            cached = await self._cache.get(f"track:{t.id}", CACHE_AGE)
            if cached is not None:
                out[t.id] = Enrichment(**cached)
            else:
                todo.append(t)
        if not todo or not self.available:
            return out
        try:
            fresh = await asyncio.to_thread(self._lookup, todo)
        except self._exception as exc:
            self._back_off(exc)
            return out
        except Exception as exc:  # network errors, timeouts, bad JSON: the catalog links stand
            log.warning("Spotify enrichment failed, using catalog links: %s", exc)
            return out
        for track_id, enrichment in fresh.items():
            await self._cache.put(f"track:{track_id}", enrichment.__dict__)
            out[track_id] = enrichment
        return out

    def _lookup(self, tracks: list[Track]) -> dict[str, Enrichment]:
        out: dict[str, Enrichment] = {}
        for start in range(0, len(tracks), 50):
            batch = tracks[start : start + 50]
            found = self._sp.tracks([t.id for t in batch]).get("tracks") or []
            for t, item in zip(batch, found + [None] * (len(batch) - len(found))):
                if item is None:  # gone from Spotify under that id: look it up by name
                    item = self._search(t)
                if item is None:
                    continue
                out[t.id] = Enrichment(track_id=item["id"], album_art=_art(item), name_matches=_same_song(t, item))
        return out

    def _search(self, t: Track) -> Optional[dict]:
        query = f'track:"{t.title}" artist:"{t.artist.split(",")[0]}"'
        items = (self._sp.search(q=query, type="track", limit=SEARCH_LIMIT).get("tracks") or {}).get("items") or []
        return next((i for i in items if _same_song(t, i)), None)

    def _back_off(self, exc) -> None:
        status = getattr(exc, "http_status", None)
        text = f"{getattr(exc, 'reason', '')} {getattr(exc, 'msg', '')}"
        if status == 429 and "QUOTA_EXCEEDED" in text.upper():
            self.blocked_until = time.time() + DAY
            log.warning("Spotify quota exceeded: no Spotify calls for a day; catalog links are used")
        elif status == 429:
            headers = getattr(exc, "headers", None) or {}
            try:
                wait = float(headers.get("Retry-After", 60))
            except (TypeError, ValueError):
                wait = 60.0
            self.blocked_until = time.time() + wait
            log.warning("Spotify rate limit: pausing Spotify calls for %.0f s", wait)
        else:
            log.warning("Spotify answered %s, using catalog links: %s", status, text.strip())


def _art(item: dict) -> Optional[str]:
    images = (item.get("album") or {}).get("images") or []
    return images[0]["url"] if images else None


def _same_song(t: Track, item: dict) -> bool:
    artists = ", ".join(a.get("name", "") for a in item.get("artists") or [])
    title_ok = dedupe_key(item.get("name", ""), "")[0] == dedupe_key(t.title, "")[0]
    artist_ok = dedupe_key("", t.artist.split(",")[0])[1] in dedupe_key("", artists)[1]
    return title_ok and artist_ok
