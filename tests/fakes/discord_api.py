"""A fake Discord on 127.0.0.1 for discord.py's real client: the HTTP API under /api/v10, the CDN,
and a gateway websocket speaking HELLO / IDENTIFY / READY / GUILD_CREATE / heartbeats, through which
a test dispatches events (MESSAGE_CREATE, INTERACTION_CREATE, MESSAGE_REACTION_ADD) to a real
`python -m bot` process pointed here with DISCORD_API_BASE_URL."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any, Optional

from aiohttp import web

BOT_USER = {"id": "999", "username": "moodtune", "discriminator": "0", "avatar": None, "bot": True, "global_name": "Moodtune"}
_ids = itertools.count(5000)


def message_payload(channel_id: str, *, content: str = "", embeds=None, components=None, author=BOT_USER, **extra) -> dict:
    return {
        "id": str(next(_ids)), "channel_id": channel_id, "author": author, "content": content,
        "timestamp": "2026-11-21T12:00:00.000000+00:00", "edited_timestamp": None, "tts": False,
        "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": embeds or [], "pinned": False, "type": 0, "components": components or [], **extra,
    }


def _json(body: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json
    return web.Response(body=json.dumps(body).encode(), status=status, headers={"Content-Type": "application/json"})


class FakeDiscord:
    def __init__(self):
        self.uploads: list[tuple[str, bytes]] = []  # files sent with messages (name, bytes)
        self.calls: list[tuple[str, str, Any]] = []
        self.errors: list[str] = []
        self.files: dict[str, bytes] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.identified = asyncio.Event()  # a client said IDENTIFY on the gateway
        self._ws: Optional[web.WebSocketResponse] = None
        self._seq = 0
        self.guild_id = "777"
        self.channel_id = "555"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            payload: Any = {}
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                elif part.filename:
                    self.uploads.append((part.filename, await part.read()))
            return payload
        text = await request.text()
        return json.loads(text) if text else None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self._handle(request)
        except Exception as exc:  # make a fake-server bug visible instead of a dropped connection
            self.errors.append(repr(exc))
            return _json({"message": repr(exc), "code": 0}, status=500)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/cdn/"):
            name = path.removeprefix("/cdn/")
            if name not in self.files:
                return web.Response(status=404)
            return web.Response(body=self.files[name], content_type="image/jpeg")
        body = await self._body(request)
        self.calls.append((request.method, path, body))
        route = path.removeprefix("/api/v10")
        if route in ("/gateway", "/gateway/bot"):
            return _json({"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": 1,
                          "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
        if route.startswith("/applications/") and route.endswith("/commands") and request.method == "PUT":
            return _json([{"description": "", **c, "id": str(next(_ids)), "application_id": BOT_USER["id"], "version": "1",
                           "default_member_permissions": None, "type": c.get("type", 1)} for c in (body or [])])
        if route == "/users/@me":
            return _json(BOT_USER)
        if route == "/users/@me/channels" and request.method == "POST":  # a direct-message channel with a person
            recipient = str((body or {}).get("recipient_id"))
            return _json({"id": f"9{recipient}", "type": 1, "last_message_id": None,
                          "recipients": [{"id": recipient, "username": "ann", "discriminator": "0", "avatar": None, "global_name": "Ann"}]})
        if route.startswith("/users/") and request.method == "GET":
            user_id = route.split("/")[2]
            return _json({"id": user_id, "username": "ann", "discriminator": "0", "avatar": None, "global_name": "Ann"})
        if route == "/oauth2/applications/@me":
            return _json({"id": BOT_USER["id"], "name": "Moodtune", "icon": None, "description": "", "rpc_origins": [],
                          "bot_public": True, "bot_require_code_grant": False, "owner": BOT_USER, "summary": "",
                          "verify_key": "00", "team": None, "flags": 0})
        if route.startswith("/interactions/") and route.endswith("/callback"):
            # discord.py asks with_response=true: answer with an interaction-callback object
            interaction_id = route.split("/")[2]
            kind = (body or {}).get("type", 5)
            data = (body or {}).get("data") or {}
            resource: dict = {"type": kind}
            if kind in (4, 7):
                resource["message"] = message_payload("0", **{k: v for k, v in data.items() if k in ("content", "embeds", "components")})
            return _json({"interaction": {"id": interaction_id, "type": 2, "response_message_id": None,
                                          "response_message_loading": kind == 5, "response_message_ephemeral": bool(data.get("flags", 0) & 64)},
                          "resource": resource})
        if request.method == "DELETE" and route.startswith("/webhooks/"):
            return web.Response(status=204)
        if route.startswith("/webhooks/") or (route.startswith("/channels/") and route.endswith("/messages")):
            channel_id = route.split("/")[2] if route.startswith("/channels/") else "0"
            sent = dict(body or {})
            if "attachments" in sent:  # discord.py names its uploads; Discord answers with full attachment objects
                sent["attachments"] = [{"id": str(next(_ids)), "filename": a.get("filename", "file"), "size": 1,
                                        "url": f"{self.base}/cdn/{a.get('filename')}", "proxy_url": f"{self.base}/cdn/{a.get('filename')}"}
                                       for a in sent["attachments"]]
            return _json(message_payload(channel_id, **sent))
        if route.startswith("/channels/") and route.endswith("/typing"):
            return web.Response(status=204)
        return _json({"message": "unknown route", "code": 0}, status=404)

    # --- the gateway ----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for msg in ws:
            if msg.type != web.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data.get("op") == 1:
                await ws.send_json({"op": 11})
            elif data.get("op") == 2:
                await self.dispatch("READY", {
                    "v": 10, "user": BOT_USER, "guilds": [{"id": self.guild_id, "unavailable": True}], "session_id": "fake-session",
                    "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway", "shard": [0, 1],
                    "application": {"id": BOT_USER["id"], "flags": 0}})
                await self.dispatch("GUILD_CREATE", self.guild())
                self.identified.set()
        return ws

    def guild(self) -> dict:
        return {"id": self.guild_id, "name": "Trip", "unavailable": False, "owner_id": "1", "afk_timeout": 300, "verification_level": 0,
                "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
                "preferred_locale": "en-US", "features": [], "emojis": [], "stickers": [], "member_count": 2, "members": [],
                "voice_states": [], "presences": [], "threads": [], "stage_instances": [], "guild_scheduled_events": [],
                "roles": [{"id": self.guild_id, "name": "@everyone", "permissions": "104324673", "position": 0, "color": 0,
                           "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
                "channels": [{"id": cid, "type": 0, "name": name, "position": k, "permission_overwrites": [],
                              "guild_id": self.guild_id, "nsfw": False}
                             for k, (cid, name) in enumerate(((self.channel_id, "general"), ("556", "random")))]}

    async def dispatch(self, event: str, data: dict) -> None:
        """Send one gateway event to the connected client."""
        self._seq += 1
        await self._ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def start(self) -> "FakeDiscord":
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def sent(self, kind: str) -> list[Any]:
        """Bodies of 'callback' (interaction responses), 'followup' (webhook posts/edits) or 'message' calls."""
        out = []
        for method, path, body in self.calls:
            if kind == "callback" and path.endswith("/callback"):
                out.append(body)
            elif kind == "followup" and "/webhooks/" in path:
                out.append(body)
            elif kind == "message" and path.startswith("/api/v10/channels/") and path.endswith("/messages"):
                out.append(body)
        return out
