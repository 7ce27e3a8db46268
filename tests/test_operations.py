"""Run it with confidence (issue 29): the database away and back — a real PostgreSQL stopped and
started under a running bot — answered with a sentence, logged once each way, /healthz saying so;
/readyz; Prometheus /metrics after a few photos."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket

import aiohttp
import pytest
from pydantic import SecretStr

from bot.root import open_services
from bot.webhook import serve_webhook
from tests.conftest import DEMO
from tests.test_telegram import USER, _press, api, command, feed, photo, sent_list  # noqa: F401


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def telegram_bot(fake_api, settings, pipeline, bundled_ranker, **update):
    """The real Telegram application over the fake Bot API, with the web server when `listen` is given."""
    s = settings.model_copy(update={"telegram_token": SecretStr("123:abc"), "telegram_api_base_url": fake_api.base_url, **update})
    async with open_services(s, pipeline=pipeline, recommender=bundled_ranker) as services:
        application = services.telegram()
        await application.initialize()
        web = await serve_webhook(application, services.moodtune, s) if s.listen else None
        try:
            yield application, services
        finally:
            if web is not None:
                await web.cleanup()
            await application.shutdown()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


@pytest.fixture
def own_postgres():
    """A throw-away PostgreSQL server of this test's own, to stop and start (others' tests share theirs)."""
    from tests.pgserver import PostgresUnavailable, create_database, temporary_postgres

    try:
        server = temporary_postgres(max_connections=40)
        url = server.__enter__()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield url, create_database(url, "outage")
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
async def running(api, settings, pipeline, bundled_ranker, own_postgres):  # noqa: F811
    server, db = own_postgres
    port = free_port()
    async with telegram_bot(api, settings, pipeline, bundled_ranker, db_path=db, photos_per_minute=30,
                            listen=f"127.0.0.1:{port}") as (application, services):
        yield application, services, api, server, f"http://127.0.0.1:{port}"


async def test_the_database_away_gets_a_sentence_and_one_warning_each_way(running, caplog):
    from tests.pgserver import start_server, stop_server

    application, services, tg, server, base = running
    caplog.set_level(logging.INFO)
    await feed(application, photo(tg, DEMO / "astronaut.jpg"))
    reply, _ = await sent_list(application, tg)
    assert (await get(f"{base}/healthz"))[0] == 200 and (await get(f"{base}/readyz"))[0] == 200

    await asyncio.to_thread(stop_server, server)
    said = len(tg.said())
    started = asyncio.get_running_loop().time()
    await feed(application, photo(tg, DEMO / "cat.jpg", file_id="c1"))
    assert asyncio.get_running_loop().time() - started < 10  # told within seconds, not after a minute of retries
    assert tg.said()[-1]["text"] == "I can't reach my database right now — please try again in a minute.", [m for m, _ in tg.calls][-8:]
    assert len(tg.said()) == said + 1  # nothing claimed as answered or saved
    await feed(application, _press(reply, "1 👍"))
    press = tg.sent("answerCallbackQuery")[-1]
    assert "can't reach my database" in press["text"] and press["show_alert"]  # never "👍 saved"
    await feed(application, command("/settings 7"))
    assert "can't reach my database" in tg.said()[-1]["text"]
    await feed(application, {"update_id": 990_001, "inline_query": {"id": "q1", "from": USER, "query": "calm", "offset": ""}})
    inline = tg.sent("answerInlineQuery")[-1]
    assert "can't reach my database" in str(inline.get("button"))  # the inline hint says it too
    assert (await get(f"{base}/healthz")) == (503, "database unreachable")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage()[:20] for r in warnings] == ["database unreachable"]  # one, not one per attempt
    assert not any(r.exc_info for r in caplog.records)  # no traceback

    await asyncio.to_thread(start_server, server)
    for _ in range(50):  # the pool reconnects by itself
        if (await get(f"{base}/healthz"))[0] == 200:
            break
        await asyncio.sleep(0.2)
    assert (await get(f"{base}/healthz"))[0] == 200
    await feed(application, photo(tg, DEMO / "cat.jpg", file_id="c2"))
    assert "open.spotify.com/track/" in tg.said()[-1]["text"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2 and warnings[1].startswith("database reachable again after")


async def test_metrics_count_photos_stages_lists_ratings_and_refusals(api, settings, pipeline, fresh_db, bundled_ranker):  # noqa: F811
    port = free_port()
    async with telegram_bot(api, settings, pipeline, bundled_ranker, photos_per_minute=2, db_path=fresh_db("metrics.sqlite3"),
                            listen=f"127.0.0.1:{port}") as (application, _):  # polling mode: the server for /metrics alone
        def value(text: str, name: str, **labels) -> float:
            wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
            match = re.search(rf"^{name}{{{wanted}}} ([0-9.e+-]+)$" if labels else rf"^{name} ([0-9.e+-]+)$", text, re.M)
            return float(match.group(1)) if match else 0.0

        before = (await get(f"http://127.0.0.1:{port}/metrics"))[1]
        for k in range(3):  # the third is over the limit of 2 a minute
            await feed(application, photo(api, DEMO / "astronaut.jpg", file_id=f"m{k}"))
        first_list = next(m for m in api.said() if "reply_markup" in m)
        await feed(application, _press(first_list, "1 👍"))
        status, after = await get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        delta = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)  # noqa: E731
        assert delta("moodtune_photos_total", outcome="answered") == 2 and delta("moodtune_photos_total", outcome="refused") == 1
        assert delta("moodtune_refusals_total", reason="person_limit") == 1
        assert delta("moodtune_lists_sent_total", kind="photo") == 2 and delta("moodtune_ratings_total", via="button") == 1
        for stage in ("decode", "faces", "color", "fusion", "total", "ranking"):
            assert delta("moodtune_stage_seconds_count", stage=stage) == 2, stage
        assert value(after, "moodtune_queue_depth") == 0 and "moodtune_queue_wait_seconds_bucket" in after
        assert "tg:42" not in after and "astronaut" not in after  # counts only: no ids, no words


async def test_telegram_flood_control_is_waited_out_and_the_answer_arrives_once(api, settings, pipeline, fresh_db,  # noqa: F811
                                                                                           bundled_ranker, caplog):
    async with telegram_bot(api, settings, pipeline, bundled_ranker, db_path=fresh_db("flood.sqlite3")) as (application, _):
        api.flood_next["sendPhoto"] = 1  # Telegram: "retry after 1 s" (a 502 is retried too: tests/test_telegram.py)
        started = asyncio.get_running_loop().time()
        await feed(application, photo(api, DEMO / "astronaut.jpg"))
        answers = [m for m in api.said() if "open.spotify.com/track/" in m.get("text", "")]
        assert len(answers) == 1  # delivered, exactly once
        assert [m for m, _ in api.calls if m.startswith("sendPhoto")] == ["sendPhoto:429", "sendPhoto"]
        assert asyncio.get_running_loop().time() - started >= 1.0  # Telegram's retry_after was waited out
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_answer_that_cannot_be_sent_is_logged_once_with_chat_and_kind(api, settings, pipeline, fresh_db, bundled_ranker,  # noqa: F811
                                                                              caplog):
    async with telegram_bot(api, settings, pipeline, bundled_ranker, db_path=fresh_db("down.sqlite3")) as (application, _):
        api.fail_next["sendPhoto"] = 10  # Telegram keeps answering 502
        caplog.set_level(logging.INFO)
        await feed(application, photo(api, DEMO / "astronaut.jpg"))
        assert [m for m, _ in api.calls if m.startswith("sendPhoto")] == ["sendPhoto:502"] * 3  # tried 3 times, then given up
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert lines == ["could not send a list to chat tg:42 after retries: NetworkError"]
        assert not any(r.exc_info for r in caplog.records)  # no traceback (the -v log hides tokens: tests/test_save.py runs the process)



async def test_a_read_only_sqlite_database_is_an_outage_too_and_it_ends_by_itself(api, settings, pipeline, fresh_db, bundled_ranker,  # noqa: F811
                                                                                 caplog):
    """SQLite refusing writes (here `PRAGMA query_only`, as a read-only disk or mount would) gets
    the same sentence, nothing claimed, and one warning each way."""
    async with telegram_bot(api, settings, pipeline, bundled_ranker, db_path=fresh_db("readonly.sqlite3"),
                            photos_per_minute=30) as (application, services):
        db = services.moodtune._store.db
        await feed(application, photo(api, DEMO / "astronaut.jpg"))
        reply, _ = await sent_list(application, api)
        caplog.set_level(logging.INFO)
        await db.execute("PRAGMA query_only = 1")
        await feed(application, photo(api, DEMO / "cat.jpg", file_id="r1"))
        assert api.said()[-1]["text"] == "I can't reach my database right now — please try again in a minute."
        await feed(application, _press(reply, "1 👍"))
        assert "can't reach my database" in api.sent("answerCallbackQuery")[-1]["text"]  # never "👍 saved"
        await db.execute("PRAGMA query_only = 0")
        await feed(application, photo(api, DEMO / "cat.jpg", file_id="r2"))
        assert "open.spotify.com/track/" in api.said()[-1]["text"]
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 2 and "readonly database" in warnings[0] and warnings[1].startswith("database reachable again"), warnings


async def test_while_the_models_load_the_worker_is_alive_but_not_ready(settings):
    from bot.webhook import serve_starting

    port = free_port()
    starting = await serve_starting(settings.model_copy(update={"listen": f"127.0.0.1:{port}"}))
    try:
        assert await get(f"http://127.0.0.1:{port}/healthz") == (200, "starting")
        assert await get(f"http://127.0.0.1:{port}/readyz") == (503, "loading the models")
        assert (await get(f"http://127.0.0.1:{port}/metrics"))[0] == 200
    finally:
        await starting.cleanup()
