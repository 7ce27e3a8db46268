"""A fake Deezer public API on 127.0.0.1 (aiohttp): /search, /track/isrc:…, and preview MP3s.

Like Deezer: errors come as HTTP 200 with {"error": {...}}; a track may have an empty `preview`;
preview URLs point back here. Tests add tracks with `add()`, make the next requests fail with
`error_next`, and slow everything down with `delay`.
"""

from __future__ import annotations

import asyncio
import re
from typing import Optional

from aiohttp import web

# a tiny but real MP3 frame header followed by silence: enough for a client that checks it is audio
MP3 = bytes.fromhex("fffb9064") + bytes(413)


class FakeDeezer:
    def __init__(self):
        self.tracks: list[dict] = []
        self.requests: list[str] = []
        self.error_next = 0
        self.delay = 0.0
        self._runner: Optional[web.AppRunner] = None
        self.base = ""

    def add(self, artist: str, title: str, preview: bool = True, isrc: str = "") -> dict:
        track_id = 1000 + len(self.tracks)
        t = {"id": track_id, "title": title, "artist": {"id": 1, "name": artist}, "isrc": isrc,
             "preview": f"{self.base}/preview/{track_id}.mp3" if preview else ""}
        self.tracks.append(t)
        return t

    async def start(self) -> "FakeDeezer":
        app = web.Application()
        app.router.add_get("/search", self._search)
        app.router.add_get("/track/{ref}", self._track)
        app.router.add_get("/preview/{name}", self._preview)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _gate(self, request: web.Request) -> Optional[web.Response]:
        self.requests.append(str(request.rel_url))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error_next:
            self.error_next -= 1
            return web.json_response({"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}})
        return None

    async def _search(self, request: web.Request) -> web.Response:
        if (err := await self._gate(request)) is not None:
            return err
        q = request.query.get("q", "")
        artist = re.search(r'artist:"([^"]*)"', q)
        track = re.search(r'track:"([^"]*)"', q)
        found = [t for t in self.tracks
                 if (not track or track.group(1).lower() in t["title"].lower())
                 and (not artist or artist.group(1).lower().split()[0] in t["artist"]["name"].lower())]
        return web.json_response({"data": found[:int(request.query.get("limit", 25))], "total": len(found)})

    async def _track(self, request: web.Request) -> web.Response:
        if (err := await self._gate(request)) is not None:
            return err
        ref = request.match_info["ref"]
        for t in self.tracks:
            if ref == f"isrc:{t['isrc']}" or ref == str(t["id"]):
                return web.json_response(t)
        return web.json_response({"error": {"type": "DataException", "message": "no data", "code": 800}})

    async def _preview(self, request: web.Request) -> web.Response:
        self.requests.append(str(request.rel_url))
        return web.Response(body=MP3, content_type="audio/mpeg")
