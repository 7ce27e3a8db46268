"""Past one machine, for real: three `python -m bot` workers in webhook mode share one PostgreSQL
server; the test plays Telegram (the fake Bot API) and a round-robin load balancer.

300 photos from 30 people (some delivered twice, as Telegram does when it retries), then 1,000
button presses while one worker is killed with SIGKILL. What must hold:
- the webhook is registered once, not by every worker;
- every photo is answered exactly once, duplicates included;
- a person's photo limit holds across workers (in-process limits would let each worker admit it);
- every rating whose press was acknowledged ("saved") is in the database after the kill.
Skips without PostgreSQL (tests/conftest.py says how to get it).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.buttons import decode_action
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.workers import Balancer, photo_update, start_workers, wait_until

pytestmark = pytest.mark.slow

WORKERS = 3
PEOPLE = 30
PHOTOS_EACH = 10
PRESSES = 1000
PER_MINUTE = 6
SECRET = "s3cret-for-tests"


@pytest.fixture
def workers(pg_url, tmp_path):
    api = FakeTelegram().start()
    env = {"MOODTUNE_PHOTOS_PER_MINUTE": str(PER_MINUTE), "MOODTUNE_ANALYSIS_THREADS": "1"}
    try:
        with start_workers(WORKERS, api, pg_url, tmp_path, SECRET, env) as (ports, procs):
            yield api, ports, procs, tmp_path
    finally:
        api.stop()


def test_three_workers_behave_as_one_bot(workers, pg_url):
    api, ports, procs, tmp_path = workers
    balancer = Balancer(ports, SECRET)
    assert len(api.sent("setWebhook")) == 1  # registered once, by whichever worker came first
    assert balancer.post({"update_id": 1}, secret="wrong") == 403

    updates = [photo_update(api, 1000 + k, k % PEOPLE) for k in range(PEOPLE * PHOTOS_EACH)]
    again = updates[::10]  # 30 updates Telegram sends a second time (to a different worker)

    def replies() -> Counter:
        """Answers per photo (a 'queued' note, sent when a photo waits long, is not an answer)."""
        return Counter(p["reply_parameters"]["message_id"] for p in api.said()
                       if "reply_parameters" in p and not p.get("text", "").startswith("📥"))

    # in rounds: everyone's k-th photo at once, so each person has one photo in flight at a time and
    # only the per-person limit (6 a minute, counted across the workers) can refuse one
    started = time.time()
    with ThreadPoolExecutor(16) as pool:
        for r in range(PHOTOS_EACH):
            batch = updates[r * PEOPLE:(r + 1) * PEOPLE]
            assert set(pool.map(balancer.post, batch)) == {200}
            wait_until(lambda: len(replies()) >= (r + 1) * PEOPLE, 120, f"round {r + 1} to be answered")
        rounds_took = time.time() - started
        assert set(pool.map(balancer.post, again)) == {200}
    wait_until(lambda: len(replies()) == len(updates), 240, "every photo to be answered")
    time.sleep(2)  # anything answered twice would show up now
    answered = replies()
    assert set(answered) == {u["message"]["message_id"] for u in updates}
    assert max(answered.values()) == 1, "a photo was answered twice"

    with_songs = [p for p in api.said() if "open.spotify.com" in p.get("text", "")]
    per_person = Counter(p["chat_id"] for p in with_songs)
    assert max(per_person.values()) <= PER_MINUTE, f"a person got more than {PER_MINUTE} lists in a minute: {per_person.most_common(3)}"
    if rounds_took < 55:  # all within one minute: exactly the limit, the rest told to slow down
        assert set(per_person.values()) == {PER_MINUTE}
    refusals = [p for p in api.said() if "a minute per person" in p.get("text", "")]
    assert len(refusals) == len(updates) - len(with_songs)

    # 1,000 presses on the rating buttons of each person's own lists; one worker is killed half-way
    lists = [(p["chat_id"], b["callback_data"]) for p in with_songs
             for row in p["reply_markup"]["inline_keyboard"] for b in row if b["callback_data"].startswith("r:")]
    presses = {}
    for k in range(PRESSES):
        chat_id, data = lists[(k * 7919) % len(lists)]
        user = {"id": int(chat_id), "is_bot": False, "first_name": "p"}
        query_id = f"q{k}"
        presses[query_id] = (f"tg:{chat_id}", data)
        presses_update = {"update_id": 5000 + k, "callback_query": {
            "id": query_id, "from": user, "chat_instance": "ci", "data": data,
            "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": int(chat_id), "type": "private"}, "from": user, "text": "x"}}}
        if k == PRESSES // 2:
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()
        balancer.post(presses_update)
    # (a request cut by the kill carries no id: Telegram would not have taken it either)
    answered_presses = lambda: {p["callback_query_id"]: p.get("text", "") for p in api.sent("answerCallbackQuery")  # noqa: E731
                                if "callback_query_id" in p}
    wait_until(lambda: len(answered_presses()) >= PRESSES * 0.9, 120, "button presses to be answered")
    time.sleep(2)
    acked = {q: presses[q] for q, text in answered_presses().items() if q in presses and "saved" in text}
    assert len(acked) >= PRESSES * 0.9

    import asyncio

    import asyncpg

    async def stored() -> set[tuple[str, str]]:
        con = await asyncpg.connect(pg_url)
        try:
            ratings = {(r["user"], r["track"]) for r in await con.fetch('SELECT "user", track FROM ratings')}
            positions = {(r["recommendation"], r["position"]): r["track"]
                         for r in await con.fetch("SELECT recommendation, position, track FROM recommendation_tracks")}
        finally:
            await con.close()
        return ratings, positions

    ratings, positions = asyncio.run(stored())
    lost = []
    for user, data in acked.values():
        action = decode_action(data)
        if (user, positions[(action.recommendation, action.position)]) not in ratings:
            lost.append((user, data))
    assert not lost, f"acknowledged but lost: {lost[:5]}"
    for i, p in enumerate(procs[1:], 1):
        log = (tmp_path / f"worker{i}.log").read_text()
        assert "Traceback" not in log, log[-2000:]
