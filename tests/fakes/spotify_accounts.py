"""A fake Spotify accounts service and Web API on 127.0.0.1 (aiohttp), for "Save to Spotify".

Accounts, as Spotify's authorization-code flow with PKCE works: `GET /authorize` (what a person's
browser opens) records the request and redirects to the app's redirect URI with a one-time `code`
and the `state` it was given; `POST /api/token` turns a code into tokens only with the verifier whose
S256 challenge the authorize request carried, the same client id and redirect URI, once; and
refreshes a refresh token unless it was revoked (`revoke()`). Web API: `GET /v1/me`,
`POST /v1/me/playlists` (and the older `/v1/users/{id}/playlists`), `POST /v1/playlists/{id}/items`
(and `/tracks`), each with a valid Bearer token. `fail_next(status, n)` answers the next n requests
with 429 (Retry-After: 1) or 5xx; everything received is in `requests`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Optional
from urllib.parse import urlencode

from aiohttp import web


class FakeSpotify:
    def __init__(self, client_id: str = "moodtune-test"):
        self.client_id = client_id
        self.codes: dict[str, dict] = {}  # code -> the authorize request it answers
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> user id
        self.access_tokens: dict[str, str] = {}  # access token -> user id
        self.playlists: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.user_id = "spotify-user-1"
        self._fail: list[int] = []
        self._runner: Optional[web.AppRunner] = None
        self.base = ""

    # --- what tests do --------------------------------------------------------------------------

    def fail_next(self, status: int, n: int = 1) -> None:
        self._fail += [status] * n

    def revoke(self) -> None:
        """The person takes the app's access back in their Spotify account."""
        self.refresh_tokens.clear()
        self.access_tokens.clear()

    async def start(self) -> "FakeSpotify":
        app = web.Application()
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/api/token", self._token)
        app.router.add_get("/v1/me", self._me)
        app.router.add_post("/v1/me/playlists", self._create)
        app.router.add_post("/v1/users/{user}/playlists", self._create)
        app.router.add_post("/v1/playlists/{id}/items", self._add)
        app.router.add_post("/v1/playlists/{id}/tracks", self._add)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- accounts -------------------------------------------------------------------------------

    def _failing(self) -> Optional[web.Response]:
        if self._fail:
            status = self._fail.pop(0)
            headers = {"Retry-After": "1"} if status == 429 else {}
            return web.json_response({"error": {"status": status, "message": "try later"}}, status=status, headers=headers)
        return None

    async def _authorize(self, request: web.Request) -> web.Response:
        q = request.query
        self.requests.append(("GET", "/authorize"))
        if q.get("client_id") != self.client_id or q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return web.Response(status=400, text="bad authorize request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = dict(q)
        target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
        raise web.HTTPFound(target)

    async def _token(self, request: web.Request) -> web.Response:
        self.requests.append(("POST", "/api/token"))
        failing = self._failing()
        if failing is not None:
            return failing
        form = await request.post()
        if form.get("grant_type") == "authorization_code":
            asked = self.codes.pop(form.get("code", ""), None)  # a code works once
            challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest()).rstrip(b"=").decode()
            if (asked is None or asked["code_challenge"] != challenge or asked["redirect_uri"] != form.get("redirect_uri")
                    or form.get("client_id") != self.client_id):
                return web.json_response({"error": "invalid_grant", "error_description": "Invalid authorization code"}, status=400)
            refresh = secrets.token_urlsafe(24)
            self.refresh_tokens[refresh] = self.user_id
            return web.json_response(self._tokens(refresh, asked.get("scope", "")))
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens or form.get("client_id") != self.client_id:
                return web.json_response({"error": "invalid_grant", "error_description": "Refresh token revoked"}, status=400)
            return web.json_response(self._tokens(None, "playlist-modify-private"))
        return web.json_response({"error": "unsupported_grant_type"}, status=400)

    def _tokens(self, refresh: Optional[str], scope: str) -> dict:
        access = secrets.token_urlsafe(24)
        self.access_tokens[access] = self.user_id
        out = {"access_token": access, "token_type": "Bearer", "expires_in": 3600, "scope": scope}
        if refresh:
            out["refresh_token"] = refresh
        return out

    # --- Web API --------------------------------------------------------------------------------

    def _user(self, request: web.Request) -> Optional[str]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return self.access_tokens.get(token)

    async def _me(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", "/v1/me"))
        if self._user(request) is None:
            return web.json_response({"error": {"status": 401, "message": "Invalid access token"}}, status=401)
        return web.json_response({"id": self.user_id, "display_name": "Ann"})

    async def _create(self, request: web.Request) -> web.Response:
        self.requests.append(("POST", request.path))
        failing = self._failing()
        if failing is not None:
            return failing
        if self._user(request) is None:
            return web.json_response({"error": {"status": 401, "message": "Invalid access token"}}, status=401)
        body = json.loads(await request.text())
        playlist_id = secrets.token_hex(11)
        self.playlists[playlist_id] = {"name": body.get("name"), "public": body.get("public"), "description": body.get("description"),
                                       "tracks": [], "owner": self._user(request)}
        return web.json_response({"id": playlist_id, "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist_id}"}},
                                 status=201)

    async def _add(self, request: web.Request) -> web.Response:
        self.requests.append(("POST", request.path))
        failing = self._failing()
        if failing is not None:
            return failing
        if self._user(request) is None or request.match_info["id"] not in self.playlists:
            return web.json_response({"error": {"status": 404, "message": "Not found"}}, status=404)
        body = json.loads(await request.text())
        uris = body if isinstance(body, list) else body.get("uris", [])
        self.playlists[request.match_info["id"]]["tracks"] += uris
        return web.json_response({"snapshot_id": "s1"}, status=201)
