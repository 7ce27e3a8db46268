"""Saving a list as a private Spotify playlist, in the person's own account (spotipy).

Sign-in is Spotify's authorization-code flow with PKCE (`spotipy.oauth2.SpotifyPKCE`): no client
secret travels, the code verifier stays with us until the callback, and the only scope asked is
`playlist-modify-private`. The accounts service (`/authorize`, `/api/token`) and the Web API (`/me`,
`/me/playlists`, `/playlists/{id}/items`) are configurable bases, so tests and a self-hoster's proxy
can stand in for Spotify. Everything here is blocking (requests): core.service.saving runs it in a
thread. Spotify's refusals come back as `SpotifyTrouble` with a kind the bot words: `expired` (a code
used late or twice), `revoked` (a refresh token the person took back), `busy` (429 or 5xx),
`refused` (anything else).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

log = logging.getLogger(__name__)
# spotipy logs each token request's body (codes, refresh tokens) at DEBUG: never, whatever -v says
logging.getLogger("spotipy").setLevel(logging.INFO)

SCOPE = "playlist-modify-private"
TIMEOUT = 10.0
BATCH = 100  # Spotify adds at most 100 tracks a request


class SpotifyTrouble(Exception):
    """Spotify said no (kind: expired, revoked, busy, refused); `retry_after` from a 429."""

    def __init__(self, kind: str, detail: str = "", retry_after: float = 0.0):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignIn:
    """A sign-in link and the PKCE verifier to keep until its callback."""

    url: str
    verifier: str


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str


class SpotifyAccounts:
    """One app's sign-ins and playlists: `client_id`, the registered `redirect_uri`, the bases."""

    def __init__(self, client_id: str, redirect_uri: str, *, accounts_url: str = "https://accounts.spotify.com",
                 api_url: str = "https://api.spotify.com/v1", timeout: float = TIMEOUT):
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.accounts_url = accounts_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout

    def _pkce(self):
        """A PKCE handshake object on its own session, whose last HTTP status is kept (spotipy's
        OAuth error does not say whether Spotify was busy or refused)."""
        import requests
        from spotipy.cache_handler import MemoryCacheHandler
        from spotipy.oauth2 import SpotifyPKCE

        session = requests.Session()
        session.last_status = 0
        session.hooks["response"].append(lambda response, *a, **k: setattr(session, "last_status", response.status_code))
        pkce = SpotifyPKCE(client_id=self.client_id, redirect_uri=self.redirect_uri, scope=SCOPE, open_browser=False,
                           cache_handler=MemoryCacheHandler(), requests_timeout=self.timeout, requests_session=session)
        pkce.OAUTH_AUTHORIZE_URL = f"{self.accounts_url}/authorize"
        pkce.OAUTH_TOKEN_URL = f"{self.accounts_url}/api/token"
        return pkce

    def sign_in(self, state: str) -> SignIn:
        """The authorize URL for one person's sign-in (bound to `state`) and its verifier."""
        pkce = self._pkce()
        pkce.get_pkce_handshake_parameters()
        return SignIn(pkce.get_authorize_url(state=state), pkce.code_verifier)

    def exchange(self, code: str, verifier: str) -> Tokens:
        """The tokens for a callback's code (raises SpotifyTrouble: `expired` for a used or late code)."""
        pkce = self._pkce()
        pkce.code_verifier = verifier
        pkce.code_challenge = pkce._get_code_challenge()  # spotipy makes a new pair when either is missing
        self._call(lambda: pkce.get_access_token(code=code, check_cache=False), expired_kind="expired", session=pkce._session)
        info = pkce.cache_handler.get_cached_token()  # the whole answer (spotipy returns the access token alone)
        return Tokens(info["access_token"], info.get("refresh_token") or "")

    def refresh(self, refresh_token: str) -> Tokens:
        """A fresh access token (raises SpotifyTrouble: `revoked` when the person took access back)."""
        pkce = self._pkce()
        info = self._call(lambda: pkce.refresh_access_token(refresh_token), expired_kind="revoked", session=pkce._session)
        return Tokens(info["access_token"], info.get("refresh_token") or refresh_token)

    def create_playlist(self, access_token: str, name: str, description: str, track_ids: Sequence[str]) -> str:
        """A private playlist of these tracks in the person's account; its open.spotify.com link."""
        import requests
        import spotipy

        sp = spotipy.Spotify(auth=access_token, requests_session=requests.Session(), requests_timeout=self.timeout,
                             retries=0, status_retries=0)
        sp.prefix = self.api_url + "/"
        playlist = self._call(lambda: sp.current_user_playlist_create(name, public=False, description=description))
        for start in range(0, len(track_ids), BATCH):
            batch = [f"spotify:track:{t}" for t in track_ids[start:start + BATCH]]
            self._call(lambda: sp.playlist_add_items(playlist["id"], batch))
        return (playlist.get("external_urls") or {}).get("spotify") or f"https://open.spotify.com/playlist/{playlist['id']}"

    @staticmethod
    def _call(call, expired_kind: str = "refused", session=None):
        """Spotify's answers as SpotifyTrouble; never a token in the message."""
        import requests
        import spotipy
        from spotipy.oauth2 import SpotifyOauthError

        try:
            return call()
        except spotipy.SpotifyException as exc:
            status = exc.http_status or 0
            if status == 429 or status >= 500:
                retry = float((exc.headers or {}).get("Retry-After", 0) or 0)
                raise SpotifyTrouble("busy", f"HTTP {status}", retry) from None
            if status == 401:
                raise SpotifyTrouble("revoked", f"HTTP {status}") from None
            raise SpotifyTrouble("refused", f"HTTP {status}") from None
        except SpotifyOauthError as exc:
            status = getattr(session, "last_status", 0)
            if status == 429 or status >= 500:
                raise SpotifyTrouble("busy", f"HTTP {status}") from None
            if getattr(exc, "error", "") == "invalid_grant":
                raise SpotifyTrouble(expired_kind, "invalid_grant") from None
            raise SpotifyTrouble("refused", f"HTTP {status}") from None
        except requests.RequestException as exc:
            raise SpotifyTrouble("busy", type(exc).__name__) from None
