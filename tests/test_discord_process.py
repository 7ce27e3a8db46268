"""The Discord bot as a black box: the real `python -m bot` process against a fake Discord (REST under
/api/v10 and a gateway websocket, tests/fakes/discord_api.py), the way people meet it."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys

import pytest

from tests.conftest import DEMO, ROOT
from tests.fakes.discord_api import FakeDiscord, message_payload

USER = {"id": "42", "username": "ann", "discriminator": "0", "avatar": None, "global_name": "Ann"}
OTHER = {"id": "43", "username": "bo", "discriminator": "0", "avatar": None, "global_name": "Bo"}
_ids = itertools.count(90_000)


def member(user: dict) -> dict:
    return {"user": user, "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
            "permissions": "104324673"}


def interaction(fake: FakeDiscord, type_: int, data: dict, user=USER, channel=None, **extra) -> dict:
    channel = channel or fake.channel_id
    return {"id": str(next(_ids)), "application_id": "999", "type": type_, "token": f"tok{next(_ids)}", "version": 1,
            "guild_id": fake.guild_id, "channel_id": channel, "channel": {"id": channel, "type": 0, "guild_id": fake.guild_id},
            "member": member(user), "app_permissions": "104324673", "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {}, "context": 0, "attachment_size_limit": 10 * 2**20,
            "data": data, **extra}


def attachment(fake: FakeDiscord, data: bytes, name: str) -> dict:
    fake.files[name] = data
    return {"id": str(next(_ids)), "filename": name, "size": len(data), "url": f"{fake.base}/cdn/{name}",
            "proxy_url": f"{fake.base}/cdn/{name}", "content_type": "image/jpeg"}


async def until(check, what: str, seconds: float = 30.0):
    for _ in range(int(seconds / 0.05)):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def sent_to(fake: FakeDiscord, token: str) -> list[tuple[str, str, dict]]:
    return [(m, p, b) for m, p, b in fake.calls if token in p]


@pytest.fixture
async def discord_bot(fresh_db, tmp_path):
    fake = await FakeDiscord().start()
    env = {**os.environ, "DISCORD_BOT_TOKEN": "fake-token", "DISCORD_API_BASE_URL": f"{fake.base}/api/v10",
           "MOODTUNE_DB": str(fresh_db("dc-run.sqlite3")), "MOODTUNE_CLIP_ENABLED": "false", "MOODTUNE_DEEPFACE_EMOTION": "false",
           "MOODTUNE_PREVIEWS": "false", "TELEGRAM_BOT_TOKEN": ""}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "-v"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        await asyncio.wait_for(fake.identified.wait(), 90)
        await until(lambda: any(m == "PUT" and p.endswith("/commands") for m, p, _ in fake.calls), "the commands synced")
        yield fake, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        await fake.stop()


async def test_the_discord_process_answers_refuses_privately_and_stops_on_sigterm(discord_bot):
    fake, proc = discord_bot
    # /mood with a photo: deferred, then an embed with the card and the songs
    att = attachment(fake, (DEMO / "astronaut.jpg").read_bytes(), "astronaut.jpg")
    mood = interaction(fake, 2, {"id": "c1", "name": "mood", "type": 1, "options": [{"name": "photo", "type": 11, "value": att["id"]}],
                                 "resolved": {"attachments": {att["id"]: att}}})
    await fake.dispatch("INTERACTION_CREATE", mood)
    answer = await until(lambda: [b for m, p, b in sent_to(fake, mood["token"]) if m == "POST" and "/webhooks/" in p and b and b.get("embeds")],
                         "the photo's answer")
    assert [b for m, p, b in sent_to(fake, mood["token"]) if p.endswith("/callback")][0]["type"] == 5
    embed = answer[0]["embeds"][0]
    assert "sure" in embed["title"] and embed["description"].count("open.spotify.com/track/") == 5
    assert embed["image"]["url"] == "attachment://mood.jpg"
    custom_ids = [c["custom_id"] for row in answer[0]["components"] for c in row["components"]]
    rate = next(c for c in custom_ids if c.startswith("r:") and c.endswith(":+"))

    # a button press by the photo's sender: saved, the view edited
    msg = message_payload(fake.channel_id, components=answer[0]["components"])
    press = interaction(fake, 3, {"custom_id": rate, "component_type": 2}, message=msg)
    await fake.dispatch("INTERACTION_CREATE", press)
    edit = await until(lambda: [b for m, p, b in sent_to(fake, press["token"]) if p.endswith("/callback")], "the press's answer")
    assert edit[0]["type"] == 7

    # another person's press on that list from another channel: refused privately
    other = interaction(fake, 3, {"custom_id": next(c for c in custom_ids if c.startswith("m:")), "component_type": 2},
                        user=OTHER, channel="556", message=msg)
    await fake.dispatch("INTERACTION_CREATE", other)
    refusal = await until(lambda: [b for m, p, b in sent_to(fake, other["token"]) if b and (b.get("data") or b).get("flags", 0) & 64],
                          "the other person's refusal")
    assert "no longer available" in (refusal[0].get("data") or refusal[0])["content"]

    # a corrupt image: a private sentence (the public "thinking…" is deleted first)
    bad = attachment(fake, b"\xff\xd8\xff" + b"garbage" * 50, "broken.jpg")
    corrupt = interaction(fake, 2, {"id": "c1", "name": "mood", "type": 1, "options": [{"name": "photo", "type": 11, "value": bad["id"]}],
                                    "resolved": {"attachments": {bad["id"]: bad}}})
    await fake.dispatch("INTERACTION_CREATE", corrupt)
    private = await until(lambda: [b for m, p, b in sent_to(fake, corrupt["token"]) if m == "POST" and "/webhooks/" in p and b
                                   and b.get("flags", 0) & 64], "the corrupt image's sentence")
    assert any(m == "DELETE" for m, _, _ in sent_to(fake, corrupt["token"])) and "image I can read" in private[0]["content"]

    # an unknown command: a sentence, not "something went wrong"
    unknown = interaction(fake, 2, {"id": "c9", "name": "nosuchcommand", "type": 1})
    await fake.dispatch("INTERACTION_CREATE", unknown)
    stale = await until(lambda: [b for m, p, b in sent_to(fake, unknown["token"]) if p.endswith("/callback")], "the unknown command's answer")
    assert "My commands changed" in stale[0]["data"]["content"] and stale[0]["data"]["flags"] & 64

    # /forget: everything about the person goes
    forget = interaction(fake, 2, {"id": "c5", "name": "forget", "type": 1})
    await fake.dispatch("INTERACTION_CREATE", forget)
    gone = await until(lambda: [b for m, p, b in sent_to(fake, forget["token"]) if p.endswith("/callback")], "/forget's answer")
    assert "ratings (1)" in gone[0]["data"]["content"]

    # a message that mentions the bot with an image attached: answered in the channel
    photo = attachment(fake, (DEMO / "cat.jpg").read_bytes(), "cat.jpg")
    mention = message_payload(fake.channel_id, content="<@999> how does this feel?", author=OTHER, member=member(OTHER),
                              guild_id=fake.guild_id, mentions=[{"id": "999", "username": "moodtune", "discriminator": "0",
                                                                 "avatar": None, "bot": True}], attachments=[photo])
    await fake.dispatch("MESSAGE_CREATE", mention)
    replied = await until(lambda: [b for m, p, b in fake.calls if m == "POST" and p == f"/api/v10/channels/{fake.channel_id}/messages"
                                   and b and b.get("embeds")], "the mention's answer")
    assert replied[0]["embeds"][0]["description"].count("open.spotify.com/track/") == 5

    # SIGTERM: a clean stop
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    log = proc.stderr.read()
    assert "Traceback" not in log and "davey" not in log
