"""Spotify enrichment against a fake Spotify Web API on 127.0.0.1 (no internet)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from core.music.catalog import Track
from core.music.spotify import SEARCH_LIMIT, SpotifyEnricher
from core.service.catalog import StoreCache
from core.store import SqliteStore

LIVE = Track("4uLU6hMCjMI75M1A2tKUQC", "Never Gonna Give You Up", "Rick Astley", 0.9, 0.9, 113, 1, 0.1, 0.7, 0,
             popularity=1.0, year=None, decade=1980)
STALE = Track("7qiZfU4dY1lWllzX7mPBI3", "Shape of You", "Ed Sheeran", 0.9, 0.6, 96, 0, 0.6, 0.8, 0,
              popularity=1.0, year=2017, decade=2010)
FRESH_ID = "0VjIjW4GlUZAMYd2vXMi3b"


class FakeSpotify(BaseHTTPRequestHandler):
    """Serves the token, /v1/tracks and /v1/search; `mode` switches in failures."""

    mode = "ok"
    calls: list[str] = []

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: dict, headers: dict | None = None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(200, {"access_token": "t", "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self):
        url = urlsplit(self.path)
        url = url._replace(path=url.path.rstrip("/"))
        q = parse_qs(url.query)
        FakeSpotify.calls.append(url.path + "?" + url.query)
        if self.mode == "rate_limited":
            return self._send(429, {"error": {"status": 429, "message": "API rate limit exceeded"}}, {"Retry-After": "30"})
        if self.mode == "quota":
            return self._send(429, {"error": {"status": 429, "message": "Quota exceeded", "reason": "QUOTA_EXCEEDED"}})
        if url.path == "/v1/tracks":
            items = []
            for tid in q["ids"][0].split(","):
                items.append(None if tid == STALE.id else {
                    "id": tid, "name": LIVE.title, "artists": [{"name": LIVE.artist}],
                    "album": {"images": [{"url": f"https://img.example/{tid}.jpg"}]}})
            return self._send(200, {"tracks": items})
        if url.path == "/v1/search":
            assert int(q["limit"][0]) <= SEARCH_LIMIT
            return self._send(200, {"tracks": {"items": [
                {"id": "1111111111111111111111", "name": "Shape of You - Cover", "artists": [{"name": "Someone"}], "album": {"images": []}},
                {"id": FRESH_ID, "name": "Shape of You", "artists": [{"name": "Ed Sheeran"}], "album": {"images": [{"url": "https://img.example/fresh.jpg"}]}},
            ]}})
        self._send(404, {"error": {"status": 404, "message": "no"}})


@pytest.fixture
def server():
    FakeSpotify.mode, FakeSpotify.calls = "ok", []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), FakeSpotify)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.fixture
async def store(tmp_path):
    async with SqliteStore(tmp_path / "db.sqlite3") as s:
        yield s


def enricher(server, store):
    return SpotifyEnricher("id", "secret", StoreCache(store), api_url=server, token_url=f"{server}/api/token", timeout=2)


async def test_album_art_name_check_and_stale_ids_resolved_by_search(server, store):
    out = await enricher(server, store).enrich([LIVE, STALE])
    assert out[LIVE.id].album_art == f"https://img.example/{LIVE.id}.jpg" and out[LIVE.id].name_matches
    assert out[STALE.id].track_id == FRESH_ID and out[STALE.id].album_art == "https://img.example/fresh.jpg"
    assert any(c.startswith("/v1/search") and "limit=10" in c for c in FakeSpotify.calls)


async def test_results_are_cached_in_sqlite(server, store):
    await enricher(server, store).enrich([LIVE])
    n = len(FakeSpotify.calls)
    again = await enricher(server, store).enrich([LIVE])  # a new process would see the same cache
    assert len(FakeSpotify.calls) == n and again[LIVE.id].album_art


async def test_429_is_honoured_and_falls_back_without_error(server, store):
    FakeSpotify.mode = "rate_limited"
    e = enricher(server, store)
    assert await e.enrich([LIVE]) == {}
    assert 25 < e.blocked_until - time.time() <= 30
    calls = len(FakeSpotify.calls)
    FakeSpotify.mode = "ok"
    assert await e.enrich([LIVE]) == {} and len(FakeSpotify.calls) == calls  # still waiting: no call made


async def test_quota_exceeded_stops_calls_for_a_day(server, store):
    FakeSpotify.mode = "quota"
    e = enricher(server, store)
    assert await e.enrich([LIVE]) == {}
    assert e.blocked_until - time.time() > 23 * 3600


async def test_unreachable_spotify_falls_back(store):
    e = SpotifyEnricher("id", "secret", StoreCache(store), api_url="http://127.0.0.1:9", token_url="http://127.0.0.1:9/api/token", timeout=1)
    assert await e.enrich([LIVE]) == {}


async def test_app_puts_art_and_fresh_links_on_songs(server, store, settings):
    from core.service import Moodtune
    from core.music.catalog import Catalog

    catalog = Catalog.from_tracks([LIVE, STALE])
    app = Moodtune(settings, store, catalog, spotify=enricher(server, store))
    rec = await app.songs.for_mood(label="happy", n=2)
    by_id = {s.track.id: s for s in rec.songs}
    assert by_id[STALE.id].spotify_url == f"https://open.spotify.com/track/{FRESH_ID}"
    assert by_id[LIVE.id].spotify_url == f"https://open.spotify.com/track/{LIVE.id}" and by_id[LIVE.id].album_art
