"""Keep the songs (issue 28): 💾 Save to Spotify through the real flow — the bot's Telegram and
Discord adapters, its own web server for the callback, a fake Spotify accounts service and Web API —
on SQLite and PostgreSQL; the hostile cases; 📄 Export; what happens without Spotify configured."""

from __future__ import annotations

import socket
import time
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.root import open_services
from bot.runner import _sign_in_handler
from bot.webhook import serve_webhook
from tests.conftest import DEMO
from tests.fakes.spotify_accounts import FakeSpotify
from tests.test_telegram import GROUP, OTHER, USER, _labels, _press, api, command, feed, photo, sent_list, tg  # noqa: F401

PRIVATE = {"id": 42, "type": "private", "first_name": "Ann"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def spotify():
    fake = await FakeSpotify().start()
    yield fake
    await fake.stop()


@pytest.fixture(params=["sqlite", "postgres"])
async def saving(request, api, spotify, settings, pipeline, fresh_db, bundled_ranker):  # noqa: F811
    db = fresh_db("save.sqlite3") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    port = free_port()
    s = settings.model_copy(update={
        "telegram_token": SecretStr("123:abc"), "telegram_api_base_url": api.base_url, "db_path": db, "photos_per_minute": 30,
        "listen": f"127.0.0.1:{port}", "spotify_client_id": spotify.client_id,
        "spotify_redirect_uri": f"http://127.0.0.1:{port}/spotify/callback", "token_key": SecretStr(Fernet.generate_key().decode()),
        "spotify_accounts_base_url": spotify.base, "spotify_api_base_url": f"{spotify.base}/v1"})
    async with open_services(s, pipeline=pipeline, recommender=bundled_ranker) as services:
        application = services.telegram()
        await application.initialize()
        web = await serve_webhook(application, services.moodtune, s, signed_in=_sign_in_handler(services, application, None))
        yield application, services, api, spotify
        await web.cleanup()
        await application.shutdown()


async def list_and_id(application, telegram):
    """The last list sent and its id (from its 💾 button)."""
    from bot.buttons import decode_action

    reply, buttons = await sent_list(application, telegram)
    return reply, decode_action(next(b["callback_data"] for b in buttons if b["text"] == "💾 Save to Spotify")).recommendation


def link_in(text: str) -> str:
    return next(word for word in text.split() if word.startswith("http"))


async def browse(url: str) -> tuple[int, str, str]:
    """What a person's browser does with a link: follows redirects; (status, final URL, page)."""
    import html

    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, str(response.url), html.unescape(await response.text())


async def stored_token(services, user: str):
    return await services.moodtune._store.accounts.get_link(user)


async def test_the_first_save_signs_in_privately_and_later_saves_need_no_sign_in(saving):
    application, services, telegram, spotify = saving
    await feed(application, photo(telegram, DEMO / "astronaut.jpg"))
    reply, rec_id = await list_and_id(application, telegram)
    assert "💾 Save to Spotify" in _labels(reply) and "📄 Export" in _labels(reply)
    await feed(application, _press(reply, "💾 Save to Spotify"))
    assert telegram.sent("answerCallbackQuery")[-1]["text"] == "💾 I sent you a sign-in link"
    sign_in = telegram.said()[-1]["text"]
    url = link_in(sign_in)
    q = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{spotify.base}/authorize") and q["scope"] == ["playlist-modify-private"]
    assert q["code_challenge_method"] == ["S256"] and q["client_id"] == [spotify.client_id] and len(q["state"][0]) >= 32

    status, landed, page = await browse(url)  # Spotify's page, the person says yes, back to the bot's server
    assert status == 200 and landed.startswith(services.settings.spotify_redirect_uri) and "close this page" in page, page
    saved = telegram.said()[-1]
    assert saved["chat_id"] == USER["id"] and "💾 Saved as a private playlist in your Spotify: https://open.spotify.com/playlist/" in saved["text"]
    (playlist,) = spotify.playlists.values()
    stored = await services.moodtune._store.lists.get_recommendation(rec_id)
    assert playlist["public"] is False and playlist["tracks"] == [f"spotify:track:{t}" for t in stored.tracks]
    assert playlist["name"].startswith("Moodtune · ")
    token = await stored_token(services, "tg:42")  # kept, encrypted: no refresh token in the clear
    assert token is not None and not any(r.encode() in token for r in spotify.refresh_tokens)

    await feed(application, _press(reply, "💾 Save to Spotify"))  # again: no sign-in, a second playlist at once
    assert telegram.sent("answerCallbackQuery")[-1]["text"] == "💾 Saved to Spotify" and len(spotify.playlists) == 2

    status, _, page = await browse(landed)  # the same callback again (a replayed state): refused, nothing changes
    assert status == 400 and "isn't valid any more" in page and len(spotify.playlists) == 2


async def test_hostile_and_failing_callbacks_change_nothing(saving):
    application, services, telegram, spotify = saving
    await feed(application, photo(telegram, DEMO / "astronaut.jpg"))
    reply, _ = await sent_list(application, telegram)
    callback = services.settings.spotify_redirect_uri
    status, _, page = await browse(f"{callback}?code=abc&state=forged-state")  # a state we never gave
    assert status == 400 and "isn't valid any more" in page
    status, _, page = await browse(f"{callback}?code=abc&state=" + "x" * 5000)  # absurd
    assert status == 400

    await feed(application, _press(reply, "💾 Save to Spotify"))
    state = parse_qs(urlsplit(link_in(telegram.said()[-1]["text"])).query)["state"][0]
    status, _, page = await browse(f"{callback}?code=a-code-spotify-never-gave&state={state}")  # an expired or forged code
    assert status == 400 and "took too long or was already used" in page
    assert "took too long" in telegram.said()[-1]["text"] and await stored_token(services, "tg:42") is None and not spotify.playlists

    await feed(application, _press(reply, "💾 Save to Spotify"))
    state = parse_qs(urlsplit(link_in(telegram.said()[-1]["text"])).query)["state"][0]
    status, _, page = await browse(f"{callback}?error=access_denied&state={state}")  # "cancel" on Spotify's page
    assert status == 400 and "cancelled" in page and await stored_token(services, "tg:42") is None

    await feed(application, _press(reply, "💾 Save to Spotify"))
    url = link_in(telegram.said()[-1]["text"])
    spotify.fail_next(503)  # Spotify down while the code is exchanged
    status, _, page = await browse(url)
    assert status == 400 and "Spotify is busy" in page and await stored_token(services, "tg:42") is None


async def test_a_revoked_sign_in_asks_again_and_spotify_busy_saves_nothing(saving):
    application, services, telegram, spotify = saving
    await feed(application, photo(telegram, DEMO / "astronaut.jpg"))
    reply, _ = await sent_list(application, telegram)
    await feed(application, _press(reply, "💾 Save to Spotify"))
    await browse(link_in(telegram.said()[-1]["text"]))
    assert len(spotify.playlists) == 1

    spotify.fail_next(429)
    await feed(application, _press(reply, "💾 Save to Spotify"))
    answer = telegram.sent("answerCallbackQuery")[-1]
    assert "Spotify is busy" in answer["text"] and answer["show_alert"] and len(spotify.playlists) == 1
    assert await stored_token(services, "tg:42") is not None  # kept: Spotify was only busy

    spotify.revoke()  # the person took access back in their Spotify account
    await feed(application, _press(reply, "💾 Save to Spotify"))
    assert telegram.sent("answerCallbackQuery")[-1]["text"] == "💾 I sent you a sign-in link"
    assert link_in(telegram.said()[-1]["text"]).startswith(f"{spotify.base}/authorize") and len(spotify.playlists) == 1
    await browse(link_in(telegram.said()[-1]["text"]))  # signed in again: a second playlist
    assert len(spotify.playlists) == 2

    services.moodtune.saving._fernet = Fernet(Fernet.generate_key())  # the operator changed MOODTUNE_TOKEN_KEY
    await feed(application, _press(reply, "💾 Save to Spotify"))
    assert telegram.sent("answerCallbackQuery")[-1]["text"] == "💾 I sent you a sign-in link"  # not an error forever
    assert len(spotify.playlists) == 2


async def test_in_a_group_the_link_goes_to_the_person_alone_and_is_bound_to_them(saving):
    application, services, telegram, spotify = saving
    await feed(application, photo(telegram, DEMO / "astronaut.jpg", chat=GROUP, caption="@moodtune_bot"))
    reply, _ = await sent_list(application, telegram)
    telegram.never_started.add(OTHER["id"])
    await feed(application, _press(reply, "💾 Save to Spotify", user=OTHER, chat=GROUP))
    answer = telegram.sent("answerCallbackQuery")[-1]
    assert "open a chat with me" in answer["text"] and answer["show_alert"]  # never a link in the group
    assert not any("authorize" in m.get("text", "") for m in telegram.said())
    await feed(application, _press(reply, "💾 Save to Spotify", chat=GROUP))  # Ann, who has a chat with the bot
    link = telegram.said()[-1]
    assert link["chat_id"] == USER["id"] and "/authorize" in link["text"]
    await browse(link_in(link["text"]))
    assert await stored_token(services, "tg:42") is not None and await stored_token(services, "tg:43") is None


async def test_forget_and_settings_spotify_off_drop_the_sign_in(saving):
    application, services, telegram, spotify = saving
    await feed(application, photo(telegram, DEMO / "astronaut.jpg"))
    reply, _ = await sent_list(application, telegram)
    await feed(application, _press(reply, "💾 Save to Spotify"))
    await browse(link_in(telegram.said()[-1]["text"]))
    await feed(application, command("/settings spotify off"))
    assert telegram.said()[-1]["text"] == "Done — I forgot your Spotify sign-in." and await stored_token(services, "tg:42") is None
    await feed(application, command("/save"))  # the last list: a sign-in link again
    assert "/authorize" in telegram.said()[-1]["text"]
    await browse(link_in(telegram.said()[-1]["text"]))
    await feed(application, command("/forget"))
    assert "Your Spotify sign-in is gone too." in telegram.said()[-1]["text"] and await stored_token(services, "tg:42") is None


async def test_export_sends_the_list_as_a_text_file(saving):
    application, services, telegram, spotify = saving
    await feed(application, photo(telegram, DEMO / "astronaut.jpg"))
    reply, rec_id = await list_and_id(application, telegram)
    await feed(application, _press(reply, "📄 Export"))
    (doc,) = telegram.sent("sendDocument")
    lines = doc["document"].decode().splitlines()
    stored = await services.moodtune._store.lists.get_recommendation(rec_id)
    assert len(lines) == len(stored.tracks) and all(f"open.spotify.com/track/{t}" in line for t, line in zip(stored.tracks, lines))
    assert all(line.count(" — ") == 2 for line in lines) and "playlist-transfer" in doc["caption"]


async def test_without_spotify_configured_save_names_what_is_missing_and_export_still_works(tg):  # noqa: F811
    application, app, fake = tg
    await feed(application, photo(fake, DEMO / "astronaut.jpg"))
    reply, _ = await sent_list(application, fake)
    await feed(application, _press(reply, "💾 Save to Spotify"))
    answer = fake.sent("answerCallbackQuery")[-1]
    assert "isn't set up on this bot" in answer["text"] and "Export" in answer["text"]
    await feed(application, _press(reply, "📄 Export"))
    assert fake.sent("sendDocument")


# --- Discord: the sign-in link only the person sees, the news in a direct message -----------------

async def test_on_discord_the_link_is_ephemeral_and_the_saved_list_comes_as_a_direct_message(settings, pipeline, fresh_db, bundled_ranker,
                                                                                              spotify, monkeypatch):
    from discord.http import Route
    from discord.webhook import async_ as webhook_async

    from tests.fakes.discord_api import FakeDiscord
    from tests.test_discord import _last_message, dispatch, slash_mood

    discord_api = await FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", f"{discord_api.base}/api/v10")
    monkeypatch.setattr(webhook_async.Route, "BASE", f"{discord_api.base}/api/v10")
    port = free_port()
    s = settings.model_copy(update={
        "db_path": fresh_db("dc-save.sqlite3"), "listen": f"127.0.0.1:{port}", "spotify_client_id": spotify.client_id,
        "spotify_redirect_uri": f"http://127.0.0.1:{port}/spotify/callback", "token_key": SecretStr(Fernet.generate_key().decode()),
        "spotify_accounts_base_url": spotify.base, "spotify_api_base_url": f"{spotify.base}/v1"})
    try:
        async with open_services(s, pipeline=pipeline, recommender=bundled_ranker) as services:
            client = services.discord(sync_commands=False)
            await client.login("fake-token")
            web = await serve_webhook(None, services.moodtune, s, signed_in=_sign_in_handler(services, None, client))
            try:
                await slash_mood(client, discord_api, DEMO / "astronaut.jpg")
                answer = _last_message(discord_api)
                save = next(c["custom_id"] for row in answer["components"] for c in row["components"] if c["label"] == "💾 Save to Spotify")
                from tests.fakes.discord_api import message_payload
                from tests.test_discord import CHANNEL, interaction

                msg = message_payload(CHANNEL, components=answer["components"])
                await dispatch(client, "parse_interaction_create", interaction(3, {"custom_id": save, "component_type": 2}, message=msg))
                sent = _last_message(discord_api)
                assert sent.get("flags", 0) & 64 and "/authorize?" in sent["content"], sent  # only the person sees the link
                status, _, page = await browse(link_in(sent["content"]))
                assert status == 200 and len(spotify.playlists) == 1
                dm = [b for m, p, b in discord_api.calls if m == "POST" and p.startswith("/api/v10/channels/942/messages")]
                assert dm and "https://open.spotify.com/playlist/" in dm[-1]["content"]
            finally:
                await web.cleanup()
                await client.http.close()
    finally:
        await discord_api.stop()


# --- the real process, from outside ----------------------------------------------------------------

async def test_python_m_bot_saves_to_a_fake_spotify_end_to_end(api, spotify, python, tmp_path, fresh_db):  # noqa: F811
    """`python -m bot` with only environment variables pointing at fakes on 127.0.0.1 (Telegram's
    Bot API, Spotify's accounts service and Web API): a photo, 💾, the sign-in in a browser, the
    playlist — and no secret in its log, even with -v."""
    import asyncio
    import os
    import signal
    import sqlite3
    import subprocess

    port, key = free_port(), Fernet.generate_key().decode()
    db = fresh_db("process.sqlite3")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_BASE_URL": api.base_url, "MOODTUNE_DB": str(db),
           "MOODTUNE_CLIP_ENABLED": "false", "MOODTUNE_DEEPFACE_EMOTION": "false", "MOODTUNE_PREVIEWS": "false",
           "MOODTUNE_LISTEN": f"127.0.0.1:{port}", "SPOTIFY_CLIENT_ID": spotify.client_id,
           "SPOTIFY_REDIRECT_URI": f"http://127.0.0.1:{port}/spotify/callback", "MOODTUNE_TOKEN_KEY": key,
           "SPOTIFY_ACCOUNTS_BASE_URL": spotify.base, "SPOTIFY_API_BASE_URL": f"{spotify.base}/v1"}
    api.updates.append(photo(api, DEMO / "astronaut.jpg", file_id="p1"))
    proc = subprocess.Popen([python, "-m", "bot", "-v"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)

    async def until(check, what: str, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            await asyncio.sleep(0.2)
        raise AssertionError(f"never saw {what}")

    try:
        reply = await until(lambda: next((m for m in api.said() if "open.spotify.com/track" in m.get("text", "")), None), "the list")
        api.updates.append(_press(reply, "💾 Save to Spotify"))
        sign_in = await until(lambda: next((m for m in api.said() if "/authorize?" in m.get("text", "")), None), "the sign-in link")
        status, _, page = await browse(link_in(sign_in["text"]))
        assert status == 200 and "close this page" in page
        saved = await until(lambda: next((m for m in api.said() if "open.spotify.com/playlist/" in m.get("text", "")), None),
                            "the playlist")
        assert saved["chat_id"] == USER["id"] and len(spotify.playlists) == 1
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.to_thread(proc.communicate, timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    secrets_seen = [s for s in (key, "123:abc", *spotify.refresh_tokens, *spotify.access_tokens) if s in err]
    assert secrets_seen == [] and "Traceback" not in err
    (token,) = sqlite3.connect(db).execute("SELECT token FROM spotify_links").fetchone()
    assert Fernet(key.encode()).decrypt(token).decode() in spotify.refresh_tokens  # stored encrypted, with this key
