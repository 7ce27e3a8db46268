"""The one place that builds Moodtune's real pieces — pipeline, store, catalog, recommender — and
offers the operations every surface (CLI, Telegram, Discord) needs. Tests pass fakes in.
"""

from __future__ import annotations

import asyncio
from typing import Optional

from core.catalog import Catalog
from core.emotions import VA, VA_POINTS, normalize_label
from core.fusion import MoodReading
from core.recommender import Recommendation, Recommender, recommend
from core.settings import Settings
from core.store import Store


class Moodtune:
    """Open with `await Moodtune.open(settings)`; close with `await app.close()`."""

    def __init__(
        self, settings: Settings, store: Store, catalog: Catalog, pipeline=None,
        recommender: Optional[Recommender] = None, spotify=None,
    ):
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.pipeline = pipeline
        self.recommender = recommender or Recommender(catalog)
        self.spotify = spotify  # core.spotify.SpotifyEnricher, or None

    @classmethod
    async def open(cls, settings: Settings, *, with_pipeline: bool = True) -> "Moodtune":
        store = await Store(settings.db_path).open()
        catalog = await Catalog.load(store)
        pipeline = None
        if with_pipeline:
            from core.pipeline import Pipeline

            pipeline = await asyncio.to_thread(Pipeline.from_settings, settings)
        spotify = None
        if settings.spotify_client_id and settings.spotify_client_secret:
            from core.spotify import SpotifyEnricher

            spotify = SpotifyEnricher(
                settings.spotify_client_id, settings.spotify_client_secret.get_secret_value(), store,
                api_url=settings.spotify_api_url, token_url=settings.spotify_token_url,
            )
        return cls(settings, store, catalog, pipeline, spotify=spotify)

    async def reload_catalog(self) -> None:
        self.catalog = await Catalog.load(self.store)
        self.recommender = Recommender(self.catalog, self.recommender.w)

    async def close(self) -> None:
        if self.pipeline is not None:
            await asyncio.to_thread(self.pipeline.close)
        await self.store.close()

    async def songs_for_reading(
        self, reading: MoodReading, *, user: Optional[str] = None, chat: Optional[str] = None,
        mode: Optional[str] = None, target: Optional[str] = None, n: Optional[int] = None,
    ) -> Recommendation:
        mode, target, n = await self._preferences(user, chat, mode, target, n)
        rec = await recommend(
            self.store, self.recommender, point=VA(reading.valence, reading.arousal), label=reading.label,
            user=user, chat=chat, mode=mode, target=target, n=n,
        )
        return await self._enrich(rec)

    async def songs_for_mood(
        self, *, label: Optional[str] = None, va: Optional[VA] = None, user: Optional[str] = None,
        chat: Optional[str] = None, mode: Optional[str] = None, target: Optional[str] = None, n: Optional[int] = None,
    ) -> Recommendation:
        """Songs for a named emotion or a VA point (raises UnknownLabel for unknown names)."""
        from core.music import nearest_label

        if label is not None:
            label = normalize_label(label)
            point = va or VA_POINTS[label]
        elif va is not None:
            point, label = va, nearest_label(va)
        else:
            raise ValueError("give an emotion label or a valence/arousal point")
        mode, target, n = await self._preferences(user, chat, mode, target, n)
        rec = await recommend(self.store, self.recommender, point=point, label=label, user=user, chat=chat, mode=mode, target=target, n=n)
        return await self._enrich(rec)

    async def _enrich(self, rec: Recommendation) -> Recommendation:
        """Album art and fresher ids from Spotify when configured; unchanged otherwise."""
        if self.spotify is None or not rec.songs:
            return rec
        found = await self.spotify.enrich(s.track for s in rec.songs)
        for song in rec.songs:
            extra = found.get(song.track.id)
            if extra is not None:
                song.album_art = extra.album_art
                song.spotify_id = extra.track_id if extra.track_id != song.track.id else None
        return rec

    async def _preferences(self, user, chat, mode, target, n):
        """Explicit arguments win, then the person's settings, then the chat's."""
        for scope, key in (("user", user), ("chat", chat)):
            if key:
                s = await self.store.get_settings(scope, key)
                mode = mode or s.mode
                target = target or s.target
                n = n or s.list_length
        return mode or "match", target, n
