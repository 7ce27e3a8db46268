"""discord.py's real client, command tree, interactions and messages, built from gateway payloads;
all HTTP goes to a fake Discord API on 127.0.0.1. Assertions are on what was sent and stored."""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import re

import discord
import pytest
from discord.http import Route
from discord.webhook import async_ as webhook_async

from bot.root import open_services
from bot.buttons import decode_action
from core.music.catalog import Catalog
from core.errors import StoreBusy
from tests.conftest import DEMO, user_row_count
from tests.fakes.discord_api import BOT_USER, FakeDiscord, message_payload

USER = {"id": "42", "username": "ann", "discriminator": "0", "avatar": None, "global_name": "Ann"}
CHANNEL = "555"
_ids = itertools.count(1)


@pytest.fixture
async def dc(settings, pipeline, fresh_db, bundled_ranker, monkeypatch):
    api = await FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", f"{api.base}/api/v10")
    monkeypatch.setattr(webhook_async.Route, "BASE", f"{api.base}/api/v10")
    s = settings.model_copy(update={"photos_per_minute": 3, "db_path": fresh_db("dc.sqlite3")})
    async with open_services(s, pipeline=pipeline, recommender=bundled_ranker) as services:  # the runner's own wiring, with the test's pipeline
        client = services.discord(sync_commands=False)
        await client.login("fake-token")
        yield client, services.moodtune, api
        await client.http.close()
    await api.stop()


def attachment(api, path, name="photo.jpg", content_type="image/jpeg", size=None) -> dict:
    api.files[name] = path if isinstance(path, bytes) else path.read_bytes() if path else b""
    return {"id": str(next(_ids)), "filename": name, "size": size if size is not None else len(api.files[name]),
            "url": f"{api.base}/cdn/{name}", "proxy_url": f"{api.base}/cdn/{name}", "content_type": content_type}


def interaction(type_: int, data: dict, **extra) -> dict:
    return {"id": str(next(_ids)), "application_id": BOT_USER["id"], "type": type_, "token": f"tok{next(_ids)}",
            "version": 1, "channel_id": CHANNEL, "channel": {"id": CHANNEL, "type": 1}, "user": USER, "attachment_size_limit": 10 * 2**20,
            "app_permissions": "0", "locale": "en-US", "entitlements": [], "authorizing_integration_owners": {},
            "context": 1, "data": data, **extra}


async def settle(client, before: set):
    """Wait for the tasks discord.py spawned for an event (not the fake server's own)."""
    for _ in range(400):
        pending = [t for t in asyncio.all_tasks() - before
                   if t is not asyncio.current_task() and not t.done()
                   and "RequestHandler" not in getattr(t.get_coro(), "__qualname__", "")
                   # an ephemeral message's buttons live 15 minutes (discord.py times such views out)
                   and "__timeout_task_impl" not in getattr(t.get_coro(), "__qualname__", "")]
        if not pending:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"still running: {pending}")


async def dispatch(client, parser: str, payload: dict) -> None:
    before = asyncio.all_tasks()
    getattr(client._connection, parser)(payload)
    await settle(client, before)


async def slash_mood(client, api, path, **kw):
    att = attachment(api, path, **kw)
    await dispatch(client, "parse_interaction_create", interaction(2, {
        "id": "c1", "name": "mood", "type": 1, "options": [{"name": "photo", "type": 11, "value": att["id"]}],
        "resolved": {"attachments": {att["id"]: att}}}))


async def test_slash_command_defers_then_answers_with_embed_and_buttons(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    (callback,) = api.sent("callback")
    assert callback["type"] == 5  # deferred: acknowledged before the analysis
    (followup,) = api.sent("followup")
    embed = followup["embeds"][0]
    assert "Happy" in embed["title"] and embed["description"].count("open.spotify.com/track/") == 5
    custom_ids = [c["custom_id"] for row in followup["components"] for c in row["components"]]
    assert sum(decode_action(c).kind == "rate" for c in custom_ids) == 10 and len(custom_ids) == 17  # + shift ×2, more, ▶, not this mood, save, export
    assert all(len(row["components"]) <= 5 for row in followup["components"])
    assert await app._store.db.execute_fetchall("SELECT * FROM messages WHERE platform='discord'")


async def test_rating_button_stores_and_edits_the_view(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    followup = api.sent("followup")[-1]
    components = followup["components"]
    custom_id = next(c["custom_id"] for row in components for c in row["components"] if c["label"] == "3 👎")
    msg = message_payload(CHANNEL, components=components, embeds=followup["embeds"])
    await dispatch(client, "parse_interaction_create", interaction(3, {"custom_id": custom_id, "component_type": 2}, message=msg))
    action = decode_action(custom_id)
    stored = await app._store.lists.get_recommendation(action.recommendation)
    assert [(r.track, r.score) for r in await app._store.ratings.ratings_of("dc:42")] == [(stored.tracks[2], -1)]
    callback = api.sent("callback")[-1]
    assert callback["type"] == 7  # the message is edited in place
    labels = [c["label"] for row in callback["data"]["components"] for c in row["components"]]
    assert "✅ 3 👎" in labels


async def test_reactions_rate_the_list_and_numbers_like_one_song(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    ((message_id, rec_id),) = await app._store.db.execute_fetchall("SELECT message_id, recommendation FROM messages")
    base = {"user_id": "42", "channel_id": CHANNEL, "message_id": message_id, "type": 0, "burst": False, "burst_colors": []}
    await dispatch(client, "parse_message_reaction_add", {**base, "emoji": {"id": None, "name": "👎"}})
    stored = await app._store.lists.get_recommendation(rec_id)
    assert {r.track: r.score for r in await app._store.ratings.ratings_of("dc:42")} == {t: -1 for t in stored.tracks}
    await dispatch(client, "parse_message_reaction_add", {**base, "emoji": {"id": None, "name": "2️⃣"}})
    assert {r.track: r.score for r in await app._store.ratings.ratings_of("dc:42")}[stored.tracks[1]] == 1


async def test_context_menu_soundtrack_this(dc):
    client, app, api = dc
    att = attachment(api, DEMO / "astronaut.jpg")
    target = message_payload(CHANNEL, author=USER, attachments=[att])
    await dispatch(client, "parse_interaction_create", interaction(2, {
        "id": "c2", "name": "Soundtrack this", "type": 3, "target_id": target["id"], "resolved": {"messages": {target["id"]: target}}}))
    assert "Happy" in api.sent("followup")[-1]["embeds"][0]["title"]


async def test_soundtrack_for_the_channel(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    await slash_mood(client, api, DEMO / "astronaut.jpg", name="two.jpg")
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c3", "name": "soundtrack", "type": 1}))
    embed = api.sent("followup")[-1]["embeds"][0]
    assert "Soundtrack of 2 photos" in embed["title"] and embed["description"].count("open.spotify.com") == 8


async def test_bad_file_gets_a_clear_ephemeral_reply(dc):
    client, app, api = dc
    await slash_mood(client, api, None, name="notes.pdf", content_type="application/pdf")
    followup = api.sent("followup")[-1]
    assert "notes.pdf isn't an image" in followup["content"] and followup["flags"] & 64  # ephemeral
    await slash_mood(client, api, b"%PDF-1.4 renamed", name="fake.jpg")
    assert "(PDF)" in api.sent("followup")[-1]["content"]


async def test_photo_that_mentions_the_bot_gets_a_reply(dc):
    client, app, api = dc
    att = attachment(api, DEMO / "astronaut.jpg")
    await dispatch(client, "parse_message_create", message_payload(CHANNEL, author=USER, content="<@999> song?", mentions=[BOT_USER], attachments=[att]))
    (reply,) = api.sent("message")
    assert "Happy" in reply["embeds"][0]["title"] and reply["message_reference"]["message_id"]


async def test_forget_and_mode(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c4", "name": "mode", "type": 1, "options": [
        {"name": "mode", "type": 3, "value": "shift"}, {"name": "target", "type": 3, "value": "calm"}]}))
    assert "shift toward calm" in api.sent("callback")[-1]["data"]["content"]
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c5", "name": "forget", "type": 1}))
    assert "deleted" in api.sent("callback")[-1]["data"]["content"]
    assert await user_row_count(app._store, "dc:42") == 0


async def test_settings_command_sets_explicit_and_length(dc):
    client, app, api = dc
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c6", "name": "settings", "type": 1, "options": [
        {"name": "songs", "type": 4, "value": 7}, {"name": "explicit", "type": 3, "value": "off"}]}))
    assert api.sent("callback")[-1]["data"]["content"].startswith("Songs per list: 7. Mode: match. Explicit songs: left out for you")
    s = await app._store.people.get_settings("user", "dc:42")
    assert (s.list_length, s.allow_explicit) == (7, False)


async def test_a_button_copied_into_another_channel_acts_on_nothing(dc):
    """A list's buttons work in the channel it was shown in: a forged press elsewhere is refused
    with the same words as a list that does not exist, and nothing is stored."""
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    followup = api.sent("followup")[-1]
    custom_id = next(c["custom_id"] for row in followup["components"] for c in row["components"] if c["label"] == "1 👍")
    elsewhere = "999000111"
    msg = message_payload(elsewhere, components=followup["components"], embeds=followup["embeds"])
    await dispatch(client, "parse_interaction_create", interaction(
        3, {"custom_id": custom_id, "component_type": 2}, message=msg, channel_id=elsewhere, channel={"id": elsewhere, "type": 1}))
    assert "no longer available" in api.sent("callback")[-1]["data"]["content"]
    assert await app._store.ratings.ratings_of("dc:42") == []


def test_a_long_shift_list_fits_discords_limits_and_keeps_its_action_buttons():
    from core.music.recommender import Recommendation, Recommender
    from core.emotions import VA
    from bot.discord_adapter import embed_for, view_for
    from bot.replies import list_reply

    songs = Recommender(Catalog.from_tracks(Catalog.bundled().tracks[:5000])).shift(VA(-1, -1), "energetic", 5)
    assert len(songs) == 17
    rec = Recommendation(7, "sad", "shift", -1.0, -1.0, songs, "energetic")
    reply = list_reply(rec, "From sad toward energetic")
    embed = embed_for(reply)
    assert len(embed.description) <= 4096 and embed.description.endswith("longer than one message can show.")
    view = view_for(reply.buttons)
    labels = [item.item.label for item in view.children if isinstance(item.item, discord.ui.Button)]
    menus = [item.item for item in view.children if isinstance(item.item, discord.ui.Select)]
    assert len(labels) <= 20 and "🌿 Shift to calm" in labels and "➕ More like this" in labels
    assert labels.count("1 👍") == 1 and sum(lab.endswith("👎") for lab in labels) == sum(lab.endswith("👍") for lab in labels)
    assert len(menus) == 1 and len(menus[0].options) == 2 * 17 - sum(lab.endswith(("👍", "👎")) for lab in labels)


GUILD = "777"
MEMBER = {"user": USER, "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
          "permissions": "0", "pending": False}


def in_server(type_: int, data: dict, **extra) -> dict:
    """An interaction from a server channel (a member, not a user)."""
    payload = interaction(type_, data, guild_id=GUILD, member=MEMBER, channel={"id": CHANNEL, "type": 0, "guild_id": GUILD, "name": "general", "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None}, context=0, **extra)
    payload.pop("user")
    return payload


async def test_settings_and_mode_in_a_server_channel_belong_to_the_channel(dc):
    """Same scoping as Telegram groups: in a server, /settings and /mode set the channel's lists."""
    client, app, api = dc
    await dispatch(client, "parse_interaction_create", in_server(2, {"id": "c7", "name": "settings", "type": 1, "options": [
        {"name": "songs", "type": 4, "value": 3}]}))
    await dispatch(client, "parse_interaction_create", in_server(2, {"id": "c8", "name": "mode", "type": 1, "options": [
        {"name": "mode", "type": 3, "value": "shift"}, {"name": "target", "type": 3, "value": "calm"}]}))
    channel = await app._store.people.get_settings("chat", f"dc:{CHANNEL}")
    assert (channel.list_length, channel.mode, channel.target) == (3, "shift", "calm")
    assert (await app._store.people.get_settings("user", "dc:42")).mode is None
    assert "for everyone here" in api.sent("callback")[-1]["data"]["content"]


async def test_forged_buttons_are_answered_and_change_nothing(dc, caplog):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    rec = decode_action(next(c["custom_id"] for row in api.sent("followup")[-1]["components"] for c in row["components"])).recommendation
    caplog.set_level(logging.INFO)
    forged = [f"r:{2**70}:0:+", f"r:{rec}:0:+-", f"r:{rec}:99:+", f"s:{rec}:bliss", "m:0", f"r:{rec}:١:+"]
    for data in forged:  # Discord only sends a custom_id its message carries: here, messages that carry these
        msg = message_payload(CHANNEL, components=[{"type": 1, "components": [{"type": 2, "style": 2, "label": "x", "custom_id": data}]}])
        await dispatch(client, "parse_interaction_create", interaction(3, {"custom_id": data, "component_type": 2}, message=msg))
    answers = [c for c in api.sent("callback") if c["type"] == 4]
    assert len(answers) == len(forged) and all(a["data"]["flags"] & 64 for a in answers)  # each answered, only to the presser
    assert await app._store.ratings.ratings_of("dc:42") == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("failure, expected", [
    (RuntimeError("a bug"), "Something went wrong"),
    (StoreBusy("database is locked"), "saving a lot"),
])
async def test_a_failure_behind_a_button_is_answered_once_and_logged(dc, caplog, monkeypatch, failure, expected):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    custom_id = next(c["custom_id"] for row in api.sent("followup")[-1]["components"] for c in row["components"] if c["label"] == "1 👍")

    async def broken(**kwargs):
        raise failure

    monkeypatch.setattr(app.lists, "rate_song", broken)
    caplog.set_level(logging.INFO)
    msg = message_payload(CHANNEL, components=api.sent("followup")[-1]["components"])
    await dispatch(client, "parse_interaction_create", interaction(3, {"custom_id": custom_id, "component_type": 2}, message=msg))
    answer = api.sent("callback")[-1]
    assert expected in answer["data"]["content"] and answer["data"]["flags"] & 64
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == (0 if isinstance(failure, StoreBusy) else 1)


async def test_a_reaction_in_another_channel_rates_nothing(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    ((message_id, _),) = await app._store.db.execute_fetchall("SELECT message_id, recommendation FROM messages")
    payload = {"user_id": "43", "channel_id": "999000111", "message_id": message_id, "type": 0, "burst": False, "burst_colors": [],
               "emoji": {"id": None, "name": "👍"}}
    await dispatch(client, "parse_message_reaction_add", payload)
    assert await app._store.ratings.ratings_of("dc:43") == []


async def test_help_is_there_on_discord_too(dc):
    client, app, api = dc
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c9", "name": "help", "type": 1}))
    answer = api.sent("callback")[-1]["data"]
    assert "/mood" in answer["content"] and "/settings" in answer["content"] and answer["flags"] & 64


async def test_a_photo_in_a_direct_message_needs_no_mention(dc):
    """As in a Telegram private chat: a DM with a photo is answered; in a server a mention is needed."""
    client, app, api = dc
    att = attachment(api, DEMO / "astronaut.jpg")
    await dispatch(client, "parse_message_create", message_payload(CHANNEL, author=USER, content="", attachments=[att]))
    (reply,) = api.sent("message")
    assert "Happy" in reply["embeds"][0]["title"]


async def test_a_failure_behind_a_mention_is_answered_not_silent(dc, caplog, monkeypatch):
    client, app, api = dc

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(client.conversation, "photo", broken)
    att = attachment(api, DEMO / "astronaut.jpg")
    await dispatch(client, "parse_message_create", message_payload(CHANNEL, author=USER, content="<@999>", mentions=[BOT_USER], attachments=[att]))
    (reply,) = api.sent("message")
    assert "Something went wrong" in reply["content"]
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


async def test_shards_split_between_processes(settings, pipeline, fresh_db):
    """MOODTUNE_DISCORD_SHARDS / _SHARD_IDS reach discord.py's sharded client (every other test here
    runs on that same AutoShardedClient; lists live in the store, so any shard can act on them)."""
    s = settings.model_copy(update={"discord_shards": 4, "discord_shard_ids": "1,3", "db_path": fresh_db("sh.sqlite3")})
    async with open_services(s, pipeline=pipeline) as services:
        client = services.discord(sync_commands=False)
        assert (client.shard_count, client.shard_ids) == (4, [1, 3])


async def test_the_answer_embeds_its_mood_card(dc):
    from PIL import Image

    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    embed = api.sent("followup")[-1]["embeds"][0]
    assert embed["image"]["url"] == "attachment://mood.jpg"
    (name, data), = api.uploads
    assert name == "mood.jpg" and Image.open(io.BytesIO(data)).width <= 1280


async def test_history_on_discord_after_three_photos(dc):
    client, app, api = dc
    for name in ("astronaut.jpg", "coffee.jpg", "rocket.jpg"):
        await slash_mood(client, api, DEMO / name, name=name)
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c10", "name": "history", "type": 1}))
    answer = api.sent("followup")[-1]
    assert "Your last 3 moods" in answer["content"] and len(api.uploads) == 4  # three cards and the history


async def test_several_images_in_one_message_are_read_together(dc):
    client, app, api = dc
    atts = [attachment(api, DEMO / name, name=name) for name in ("astronaut.jpg", "coffee.jpg", "rocket.jpg")]
    await dispatch(client, "parse_message_create", message_payload(CHANNEL, author=USER, content="", attachments=atts))
    (reply,) = api.sent("message")
    assert "your 3 photos together" in reply["embeds"][0]["description"]
    assert len(await app._store.readings.photo_history(user="dc:42")) == 1


async def test_a_gif_attachment_is_read_frame_by_frame(dc):
    from tests.conftest import make_clip

    client, app, api = dc
    await slash_mood(client, api, make_clip("gif"), name="party.gif", content_type="image/gif")
    assert "frames of the clip" in api.sent("followup")[-1]["embeds"][0]["description"]


async def test_cards_can_be_turned_off_on_discord_too(dc):
    client, app, api = dc
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c11", "name": "settings", "type": 1, "options": [
        {"name": "cards", "type": 3, "value": "off"}]}))
    assert "Mood pictures: off" in api.sent("callback")[-1]["data"]["content"]
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    assert "image" not in api.sent("followup")[-1]["embeds"][0] and api.uploads == []


async def _press_button(client, api, sent: dict, label: str, user=None) -> None:
    components = sent["components"]
    custom_id = next(c["custom_id"] for row in components for c in row["components"] if c["label"] == label)
    msg = message_payload(CHANNEL, components=components, embeds=sent.get("embeds", []))
    extra = {"user": user} if user else {}
    await dispatch(client, "parse_interaction_create", interaction(3, {"custom_id": custom_id, "component_type": 2}, message=msg, **extra))


def _last_message(api) -> dict:
    """The last message the bot sent or answered with (a follow-up or an interaction's response)."""
    sent = [(path, body) for method, path, body in api.calls
            if method != "GET" and body and (path.endswith("/callback") or "/webhooks/" in path)]
    path, body = sent[-1]
    return body.get("data", {}) if path.endswith("/callback") else body


async def test_not_this_mood_on_discord_answers_with_the_chosen_mood(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    await _press_button(client, api, api.sent("followup")[-1], "🤔 Not this mood?")
    menu = _last_message(api)
    labels = [c["label"] for row in menu["components"] for c in row["components"]]
    assert any(label.endswith(" calm") for label in labels) and not any(label.endswith(" happy") for label in labels)
    await _press_button(client, api, menu, next(label for label in labels if label.endswith(" calm")))
    answer = _last_message(api)
    assert "You said calm" in answer["embeds"][0]["title"] and answer["embeds"][0]["description"].count("open.spotify.com/track/") == 5
    assert await app._store.readings.corrections() == [("happy", "calm", 1)]


async def test_someone_else_cannot_correct_a_photo_on_discord(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    other = {**USER, "id": "43", "username": "bo"}
    await _press_button(client, api, api.sent("followup")[-1], "🤔 Not this mood?", user=other)
    answer = api.sent("callback")[-1]
    assert "Only the person who sent the photo" in answer["data"]["content"] and answer["data"]["flags"] & 64
    rec = decode_action(api.sent("followup")[-1]["components"][0]["components"][0]["custom_id"]).recommendation
    menu = {"components": [{"type": 1, "components": [{"type": 2, "style": 2, "label": "😌 calm", "custom_id": f"c:{rec}:calm"}]}]}
    await _press_button(client, api, menu, "😌 calm", user=other)  # a choice forged by someone else: private, no change
    answer = api.sent("callback")[-1]
    assert answer["type"] == 4 and answer["data"]["flags"] & 64 and "Only the person" in answer["data"]["content"]
    assert await app._store.readings.corrections() == []


async def test_a_thumbs_down_on_discord_offers_a_private_mute(dc):
    client, app, api = dc
    await slash_mood(client, api, DEMO / "astronaut.jpg")
    await _press_button(client, api, api.sent("followup")[-1], "1 👎")
    offer = _last_message(api)
    assert offer["flags"] & 64  # only the person who pressed sees it
    label = next(c["label"] for row in offer["components"] for c in row["components"] if c["label"].startswith("🔇 Mute "))
    await _press_button(client, api, offer, label)
    assert [name for name in await app.people.muted_artists("dc:42")] == [label.removeprefix("🔇 Mute ")]
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c3", "name": "settings", "type": 1}))
    settings = _last_message(api)
    labels = [c["label"] for row in settings.get("components", []) for c in row["components"]]
    assert f"🔊 Unmute {label.removeprefix('🔇 Mute ')}" in labels


async def test_mood_in_words_on_discord(dc):
    client, app, api = dc
    await dispatch(client, "parse_interaction_create", interaction(2, {
        "id": "c1", "name": "mood", "type": 1, "options": [{"name": "text", "type": 3, "value": "party tonight"}]}))
    answer = _last_message(api)
    assert "Energetic — in your words" in answer["embeds"][0]["title"] and "party" in answer["embeds"][0]["description"]
    await dispatch(client, "parse_interaction_create", interaction(2, {
        "id": "c1", "name": "mood", "type": 1, "options": [{"name": "text", "type": 3, "value": "qwerty"}]}))
    refusal = api.sent("callback")[-1]
    assert "couldn't find a mood" in refusal["data"]["content"] and refusal["data"]["flags"] & 64


async def test_listen_on_discord_attaches_the_previews_to_one_message(dc):
    from tests.fakes.deezer_api import FakeDeezer

    client, app, api = dc
    deezer = await FakeDeezer().start()
    try:
        app.previews.deezer.base_url = deezer.base
        await slash_mood(client, api, DEMO / "astronaut.jpg")
        followup = api.sent("followup")[-1]
        rec = decode_action(followup["components"][0]["components"][0]["custom_id"]).recommendation
        tracks = [app.catalog.get(t) for t in (await app._store.lists.get_recommendation(rec)).tracks]
        for t in tracks[:4]:
            deezer.add(t.artist.split(",")[0], t.title)
        await _press_button(client, api, followup, "▶ Listen")
        sent = _last_message(api)
        # in list order, named after the song, punctuation out and at most 80 characters (long titles are cut)
        assert [a["filename"] for a in sent["attachments"]] == [re.sub(r"[^\w\- ]+", "", f"{k} {t.artist} - {t.title}")[:80].strip() + ".mp3"
                                                                 for k, t in enumerate(tracks[:4], 1)]
        assert sent["content"].startswith("No preview for") and tracks[4].title[:50] in sent["content"]
        assert any(r.startswith("/preview/") for r in deezer.requests)
    finally:
        await deezer.stop()


# --- issue 20: private refusals, stale commands, malformed payloads, every song rateable ------------

async def test_a_refused_photo_is_seen_only_by_its_sender(dc):
    client, app, api = dc
    await slash_mood(client, api, b"%PDF-1.4 not a photo at all", name="photo.jpg")
    calls = [(m, p, b) for m, p, b in api.calls if "/interactions/" in p or "/webhooks/" in p]
    deleted = [k for k, (m, p, _) in enumerate(calls) if m == "DELETE" and p.endswith("/messages/@original")]
    refusal = [k for k, (m, p, b) in enumerate(calls) if m == "POST" and "/webhooks/" in p and (b or {}).get("flags", 0) & 64]
    assert deleted and refusal and deleted[0] < refusal[0]  # the public "thinking…" goes before the private sentence
    assert "image" in calls[refusal[0]][2]["content"].lower() or "photo" in calls[refusal[0]][2]["content"].lower()


@pytest.mark.parametrize("data, expected", [
    ({"id": "c9", "name": "nosuchcommand", "type": 1}, "My commands changed"),  # a command from an older release
    ({"id": "c1", "name": "mood", "type": 1, "options": [{"name": "photo", "type": 3, "value": "not an attachment"}]},
     "image attached"),  # an option of the wrong type
])
async def test_a_stale_or_malformed_command_gets_a_private_sentence_not_a_traceback(dc, caplog, data, expected):
    client, app, api = dc
    caplog.set_level(logging.INFO)
    await dispatch(client, "parse_interaction_create", interaction(2, data))
    answer = _last_message(api)
    assert expected in answer["content"] and answer["flags"] & 64
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_mood_whose_attachment_is_missing_from_resolved_gets_a_sentence(dc, caplog):
    client, app, api = dc
    await dispatch(client, "parse_interaction_create", interaction(2, {
        "id": "c1", "name": "mood", "type": 1, "options": [{"name": "photo", "type": 11, "value": "12345"}], "resolved": {}}))
    sent = [b for m, p, b in api.calls if m == "POST" and "/webhooks/" in p]
    assert sent and sent[-1]["flags"] & 64 and "Something went wrong" not in sent[-1]["content"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_every_song_of_a_long_shift_list_can_be_rated(dc):
    from bot.discord_adapter import view_for
    from bot.replies import list_reply
    from core.emotions import VA

    client, app, api = dc
    rec = await app.songs.for_mood(label="sad", va=VA(-1, -1), mode="shift", target="energetic", user="dc:42", chat=f"dc:{CHANNEL}")
    songs = len(rec.songs)
    components = view_for(list_reply(rec, "From sad toward energetic").buttons).to_components()
    buttons = [c for row in components for c in row["components"] if c["type"] == 2]
    (menu,) = [c for row in components for c in row["components"] if c["type"] == 3]
    rated_by_button = {decode_action(b["custom_id"]).position for b in buttons if b["custom_id"].startswith("r:")}
    rated_by_menu = {int(o["value"].split(":")[0]) for o in menu["options"]}
    assert songs > 11 and rated_by_button | rated_by_menu == set(range(songs)) and len(components) <= 5
    last = songs - 1
    msg = message_payload(CHANNEL, components=components)
    await dispatch(client, "parse_interaction_create", interaction(3, {"custom_id": menu["custom_id"], "component_type": 3,
                                                                       "values": [f"{last}:+"]}, message=msg))
    assert [(r.track, r.score) for r in await app._store.ratings.ratings_of("dc:42")] == [(rec.songs[last].track.id, 1)]
    edited = api.sent("callback")[-1]  # the menu stays on the message, the choice marked
    options = [o for row in edited["data"]["components"] for c in row["components"] if c["type"] == 3 for o in c["options"]]
    assert any(o["label"] == f"✅ {last + 1} 👍" for o in options)


def test_no_warning_about_voice_libraries_at_start():
    import discord

    assert discord.VoiceClient.warn_nacl is False and discord.VoiceClient.warn_dave is False


async def test_a_soundtrack_with_no_photos_says_so_privately(dc):
    client, app, api = dc
    await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c3", "name": "soundtrack", "type": 1}))
    assert any(m == "DELETE" for m, p, _ in api.calls if p.endswith("/messages/@original"))
    assert _last_message(api)["flags"] & 64


async def test_a_signature_mismatch_resyncs_the_commands_once(dc, monkeypatch):
    from discord import app_commands

    client, app, api = dc
    synced = []

    async def sync(*args, **kwargs):
        synced.append(1)
        return []

    monkeypatch.setattr(client.tree, "sync", sync)
    command = client.tree.get_command("mood")
    for _ in range(3):  # an older client keeps sending the old signature
        await dispatch(client, "parse_interaction_create", interaction(2, {"id": "c1", "name": "mood", "type": 1}))
        stub = type("I", (), {"command": command, "data": {"name": "mood"}, "response": None})()

        async def sorry(interaction, text):
            assert "My commands changed" in text

        monkeypatch.setattr(client, "_say_sorry", sorry)
        await client._on_command_error(stub, app_commands.CommandSignatureMismatch(command))
    await asyncio.sleep(0.05)
    assert synced == [1]
