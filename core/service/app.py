"""`Moodtune`: the pieces opened from the settings (store, catalog, reading pipeline, Spotify, Deezer)
and the use cases over them, each its own module in this package. Opened and closed by bot.root,
the one composition root; tests may pass their own pieces.

    app.photos    a photo, album or clip admitted, read and answered  (core.service.photos)
    app.songs     songs for a reading, a mood, words, a soundtrack     (core.service.songs)
    app.lists     the lists shown: rating, correcting, following up    (core.service.lists)
    app.people    settings, muted artists, history, forgetting          (core.service.people)
    app.previews  the ▶ button                                          (core.service.previews)
    app.workers   what workers sharing a store coordinate               (core.service.workers)
    app.saving    a list saved to Spotify or exported                    (core.service.saving)
"""

from __future__ import annotations

import asyncio
from typing import Optional

from core.music.catalog import Catalog
from core.music.recommender import Recommender
from core.service.catalog import StoreCache, load_catalog
from core.service.lists import Lists
from core.service.people import People
from core.service.photos import Photos
from core.service.previews import Previews
from core.service.saving import Saving
from core.service.songs import Songs
from core.service.workers import Workers
from core.settings import Settings
from core.store import Store, open_store


class Moodtune:
    """Open with `await Moodtune.open(settings)`; close with `await app.close()`."""

    def __init__(
        self, settings: Settings, store: Store, catalog: Catalog, pipeline=None,
        recommender: Optional[Recommender] = None, spotify=None, owns: tuple[str, ...] = ("store", "pipeline"),
        deezer=None,
    ):
        self.settings = settings
        self._store = store  # private: the bots reach data only through the use cases
        self.catalog = catalog
        self._pipeline = pipeline
        self.recommender = recommender or Recommender(catalog)
        self.spotify = spotify  # core.music.spotify.SpotifyEnricher, or None
        self._deezer = deezer  # core.music.previews.DeezerPreviews, or None (MOODTUNE_PREVIEWS=off)
        self._owns = owns  # what close() closes: the pieces this core opened, not those it was given
        # shared by all workers when the store is PostgreSQL, this process's own otherwise
        limits = store.shared_limits(settings.photos_per_minute)
        if deezer is not None:
            deezer.shared = limits  # Deezer's rate across workers when the store is PostgreSQL
        self.people = People(store, catalog)
        self.songs = Songs(store, self.recommender, self.people, limits, pipeline=pipeline, spotify=spotify, deezer=deezer,
                           photos_per_minute=settings.photos_per_minute)
        self.photos = Photos(store, pipeline, self.songs, limits, photos_per_minute=settings.photos_per_minute,
                             photos_in_flight_per_chat=settings.photos_in_flight_per_chat)
        self.lists = Lists(store, catalog, self.songs)
        self.previews = Previews(store, catalog, self.lists, deezer, settings.preview_cooldown)
        self.workers = Workers(store, limits)
        self.saving = Saving(store, catalog, self.lists, _spotify_accounts(settings),
                             settings.token_key.get_secret_value() if settings.token_key else None)

    @classmethod
    async def open(cls, settings: Settings, *, with_pipeline: bool = True, store: Optional[Store] = None, pipeline=None,
                   spotify=None, recommender: Optional[Recommender] = None) -> "Moodtune":
        """The real pieces from `settings`, except those given (tests pass a store, a pipeline, or a
        recommender over the catalog their store holds, built once for many tests).
        Called by bot.root, the one composition root."""
        owns = tuple(name for name, given in (("store", store), ("pipeline", pipeline)) if given is None)
        store = store or await open_store(settings.db_path)
        catalog = recommender.catalog if recommender is not None else await load_catalog(store)
        if pipeline is None and with_pipeline:
            from core.reading.pipeline import Pipeline

            pipeline = await asyncio.to_thread(Pipeline.from_settings, settings)
        if spotify is None and settings.spotify_client_id and settings.spotify_client_secret:
            from core.music.spotify import SpotifyEnricher

            spotify = SpotifyEnricher(
                settings.spotify_client_id, settings.spotify_client_secret.get_secret_value(), StoreCache(store),
                api_url=settings.spotify_api_url, token_url=settings.spotify_token_url,
            )
        deezer = None
        if settings.previews:
            from core.music.previews import DeezerPreviews

            deezer = DeezerPreviews(settings.deezer_api_base_url)
        return cls(settings, store, catalog, pipeline, recommender=recommender, spotify=spotify, owns=owns, deezer=deezer)

    async def healthy(self, timeout: float = 2.0) -> bool:
        """Whether this worker can answer now: not shutting down, and its database answers a
        trivial query within `timeout` s (a load balancer's /healthz; core.store.outage logs an
        outage once either way)."""
        if self.photos.closing:
            return False
        try:
            await asyncio.wait_for(self._store.schema_version(), timeout)
            return True
        except Exception:  # noqa: BLE001 — any failure means "not now"; the store logs what it was
            return False

    @property
    def ready(self) -> bool:
        """Whether the models are loaded (the reading pipeline is there): /readyz, apart from alive."""
        return self._pipeline is not None and not self.photos.closing

    def stop_admitting(self) -> None:
        """From now on a new photo is answered 'restarting, send it again' at once."""
        self.photos.closing = True

    @property
    def photos_in_flight(self) -> int:
        return self.photos.in_flight

    async def drain(self, timeout: float) -> bool:
        """Stop admitting photos and wait up to `timeout` s for those admitted to be answered.
        True when none is left (those left are the caller's to cancel)."""
        self.stop_admitting()
        try:
            await asyncio.wait_for(self.photos.idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def close(self) -> None:
        """Close the pipeline (its workers finish the photo each is on) and then the store."""
        self.stop_admitting()
        if self._deezer is not None:
            await self._deezer.close()
        if self._pipeline is not None and "pipeline" in self._owns:
            await asyncio.to_thread(self._pipeline.close)
        if "store" in self._owns:
            await self._store.close()


def _spotify_accounts(settings: Settings):
    """Spotify sign-ins for "Save to Spotify" when the settings configure them, else None."""
    if not settings.spotify_saving:
        return None
    from core.music.spotify_playlists import SpotifyAccounts

    return SpotifyAccounts(settings.spotify_client_id, settings.spotify_redirect_uri,
                           accounts_url=settings.spotify_accounts_base_url, api_url=settings.spotify_api_base_url)
