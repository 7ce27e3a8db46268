"""Keeping a list: "💾 Save to Spotify" makes it a private playlist in the person's own account, and
"Export" gives it as a text file (artist — title — Spotify link, a line each) that playlist-transfer
services read.

The first save asks the person to sign in (core.music.spotify_playlists: PKCE, scope
`playlist-modify-private` only). The sign-in link carries a random `state` bound to that person, the
list and the chat, kept in the store with the PKCE verifier for SIGN_IN_MINUTES and usable once; the
callback (served by the bot's web server, bot.web) finishes it: the code is exchanged, the refresh
token kept **encrypted** (Fernet, MOODTUNE_TOKEN_KEY) and the list saved. Later saves refresh an
access token and need no sign-in; a revoked token is dropped and the person asked to sign in again.
/forget and `/settings spotify off` drop the token. Spotify's 429/5xx, an expired or reused code, a
forged state: a UserError with a clear sentence, and nothing changes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import date
from typing import Optional

from core.errors import UserError
from core.music.catalog import Catalog
from core.music.spotify_playlists import SpotifyAccounts, SpotifyTrouble
from core.service.lists import Lists
from core.store import Store

log = logging.getLogger(__name__)

SIGN_IN_MINUTES = 10  # a sign-in link works this long, once
PLAYLIST_NAME = "Moodtune · {mood} · {day}"  # the mood's label and the date: a name, not a sentence


@dataclass(frozen=True)
class Saved:
    """What a save did: a playlist (its link) or, first, a sign-in the person must complete."""

    playlist_url: Optional[str] = None
    sign_in_url: Optional[str] = None


@dataclass(frozen=True)
class SignedIn:
    """A callback finished: whose it was, where they asked, and the playlist made (or why not)."""

    user: str
    chat: Optional[str]
    platform: str
    language: Optional[str] = None  # the person's when they asked (the callback carries none)
    playlist_url: Optional[str] = None
    error: Optional[UserError] = None


class Saving:
    """Save lists to Spotify and export them. `accounts` None: Spotify saving is not configured."""

    def __init__(self, store: Store, catalog: Catalog, lists: Lists, accounts: Optional[SpotifyAccounts], key: Optional[str]):
        self._store = store
        self._catalog = catalog
        self._lists = lists
        self._accounts = accounts if key else None
        self._fernet = None
        if accounts is not None and key:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(key.encode() if isinstance(key, str) else key)

    @property
    def available(self) -> bool:
        """Whether 💾 can save to Spotify here (client id, redirect URI and the encryption key set)."""
        return self._accounts is not None and self._fernet is not None

    async def save(self, *, user: str, recommendation: int, chat: Optional[str], platform: str,
                   language: Optional[str] = None) -> Saved:
        """Save a list shown in `chat`: at once when the person has signed in, else a sign-in link."""
        if not self.available:
            raise UserError("spotify_not_configured")
        stored = await self._lists.own_list(recommendation, chat)
        token = await self._store.accounts.get_link(user)
        if token is None:
            return Saved(sign_in_url=await self._sign_in(user=user, chat=chat, platform=platform, recommendation=recommendation,
                                                         language=language))
        try:
            url = await self._save_with(user, self._decrypt(token), stored)
        except UserError as exc:
            if exc.kind != "spotify_revoked":
                raise
            await self._store.accounts.drop_link(user)  # kept under another MOODTUNE_TOKEN_KEY: unreadable now
            return Saved(sign_in_url=await self._sign_in(user=user, chat=chat, platform=platform, recommendation=recommendation,
                                                         language=language))
        except _SignInAgain:
            return Saved(sign_in_url=await self._sign_in(user=user, chat=chat, platform=platform, recommendation=recommendation,
                                                         language=language))
        return Saved(playlist_url=url)

    async def finish(self, *, state: str, code: Optional[str], error: Optional[str]) -> SignedIn:
        """Spotify's redirect back: `state` must be one we gave out, unused and fresh; then the code
        becomes a token (kept encrypted) and the list a playlist. Raises UserError('sign_in_unknown')
        for a state we never gave or already used (nobody to tell)."""
        if not self.available:
            raise UserError("spotify_not_configured")
        if not state or len(state) > 100:
            raise UserError("sign_in_unknown")
        record = await self._store.accounts.take_sign_in(state)
        if record is None:
            log.info("a Spotify callback with an unknown or used state")
            raise UserError("sign_in_unknown")
        signed = SignedIn(record.user, record.chat, record.platform, record.language)
        if time.time() - record.created_at > SIGN_IN_MINUTES * 60:
            return _with_error(signed, "sign_in_expired")
        if error or not code:  # the person pressed "cancel" on Spotify's page, or Spotify said no
            log.info("Spotify sign-in for %s not completed: %s", record.user, (error or "no code")[:40])
            return _with_error(signed, "sign_in_cancelled")
        try:
            tokens = await asyncio.to_thread(self._accounts.exchange, code[:1000], self._decrypt(record.verifier))
        except SpotifyTrouble as exc:
            return _with_error(signed, _trouble_kind(exc))
        await self._store.accounts.put_link(record.user, self._encrypt(tokens.refresh))
        if record.recommendation is None:
            return signed
        try:
            stored = await self._lists.own_list(record.recommendation, record.chat)
            url = await self._save_with(record.user, tokens.refresh, stored, access=tokens.access)
        except UserError as exc:
            return SignedIn(record.user, record.chat, record.platform, record.language, error=exc)
        except _SignInAgain:
            return _with_error(signed, "spotify_revoked")
        return SignedIn(record.user, record.chat, record.platform, record.language, playlist_url=url)

    async def disconnect(self, user: str) -> bool:
        """Forget the person's Spotify sign-in (`/settings spotify off`). True when there was one."""
        return await self._store.accounts.drop_link(user)

    async def connected(self, user: str) -> bool:
        return await self._store.accounts.get_link(user) is not None

    async def export(self, recommendation: int, *, chat: Optional[str]) -> tuple[str, bytes]:
        """A list shown in `chat` as a text file: (file name, UTF-8 lines 'artist — title — link')."""
        stored = await self._lists.own_list(recommendation, chat)
        tracks = [t for t in (self._catalog.get(tid) for tid in stored.tracks) if t is not None]
        lines = [f"{t.artist} — {t.title} — https://open.spotify.com/track/{t.id}" for t in tracks]
        name = f"moodtune-{stored.mood}-{recommendation}.txt"
        return name, ("\n".join(lines) + "\n").encode()

    # --- the steps --------------------------------------------------------------------------

    async def _sign_in(self, *, user: str, chat: Optional[str], platform: str, recommendation: Optional[int],
                       language: Optional[str]) -> str:
        state = secrets.token_urlsafe(24)
        sign_in = await asyncio.to_thread(self._accounts.sign_in, state)
        await self._store.accounts.add_sign_in(state=state, user=user, chat=chat, platform=platform, recommendation=recommendation,
                                               verifier=self._encrypt(sign_in.verifier), language=language)
        return sign_in.url

    async def _save_with(self, user: str, refresh_token: str, stored, access: Optional[str] = None) -> str:
        """Make the playlist with a fresh access token; a revoked token is dropped (_SignInAgain)."""
        tracks = [tid for tid in stored.tracks if self._catalog.get(tid) is not None]
        name = PLAYLIST_NAME.format(mood=stored.mood, day=date.today().isoformat())
        try:
            if access is None:
                tokens = await asyncio.to_thread(self._accounts.refresh, refresh_token)
                access = tokens.access
                if tokens.refresh != refresh_token:  # Spotify may rotate it
                    await self._store.accounts.put_link(user, self._encrypt(tokens.refresh))
            return await asyncio.to_thread(self._accounts.create_playlist, access, name, "Moodtune", tracks)
        except SpotifyTrouble as exc:
            if exc.kind == "revoked":
                await self._store.accounts.drop_link(user)
                log.info("Spotify access of %s was revoked: dropped", user)
                raise _SignInAgain() from None
            raise UserError(_trouble_kind(exc)) from None

    def _encrypt(self, secret: str) -> bytes:
        return self._fernet.encrypt(secret.encode())

    def _decrypt(self, token: bytes) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:  # another MOODTUNE_TOKEN_KEY since: as good as no sign-in
            raise UserError("spotify_revoked") from None


class _SignInAgain(Exception):
    """The stored sign-in no longer works: ask for a new one."""


def _trouble_kind(exc: SpotifyTrouble) -> str:
    return {"busy": "spotify_busy", "expired": "sign_in_expired", "revoked": "spotify_revoked"}.get(exc.kind, "spotify_refused")


def _with_error(signed: SignedIn, kind: str) -> SignedIn:
    return SignedIn(signed.user, signed.chat, signed.platform, signed.language, error=UserError(kind))
