"""The core operations the chat surfaces share: limits, fairness, soundtracks, ratings, settings."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.replies import error_text
from core.service import Moodtune
from core.errors import NothingToDo, RateLimited, UserError
from core.reading.pipeline import Models, Pipeline, PipelineBusy
from core.store import SqliteStore
from models.color import color_features
from tests.conftest import DEMO, GatedFaces


@pytest.fixture
async def core(settings, fresh_db, bundled_ranker):
    store = await SqliteStore(fresh_db("app.sqlite3")).open()
    faces = GatedFaces()
    s = settings.model_copy(update={"photos_per_minute": 100, "photos_in_flight_per_chat": 2, "analysis_threads": 1, "analysis_queue": 3})
    pipeline = Pipeline(Models(faces=faces, scene=None, color=color_features, scene_reason="off"), s)
    app = Moodtune(s, store, bundled_ranker.catalog, pipeline, recommender=bundled_ranker)
    yield app, faces
    faces.release.set()
    pipeline.close()
    await store.close()


async def test_a_flooding_group_cannot_take_the_whole_queue(core):
    app, faces = core
    data = (DEMO / "cat.jpg").read_bytes()
    group = [asyncio.create_task(app.photos.answer(data, user=f"u{i}", chat="busy-group")) for i in range(2)]
    await asyncio.sleep(0.05)
    with pytest.raises(RateLimited) as err:
        await app.photos.answer(data, user="u9", chat="busy-group")
    assert "still working on the photos sent here" in error_text(err.value)
    # the two workers' turns are taken (one reads, one waits for the thread); others wait their turn
    others = [asyncio.create_task(app.photos.answer(data, user=f"o{i}", chat=f"quiet-{i}")) for i in range(3)]
    await asyncio.sleep(0.05)
    with pytest.raises(PipelineBusy):  # three are waiting: the queue's bound in this core
        await app.photos.answer(data, user="late", chat="another")
    faces.release.set()
    answers = await asyncio.gather(*group, *others)
    assert all(a.recommendation.songs for a in answers)


async def test_person_over_the_limit_is_told_so(settings, fresh_db, bundled_ranker):
    store = await SqliteStore(fresh_db("a.sqlite3")).open()
    s = settings.model_copy(update={"photos_per_minute": 2})
    pipeline = Pipeline(Models(faces=None, scene=None, color=color_features, scene_reason="off"), s)
    app = Moodtune(s, store, bundled_ranker.catalog, pipeline, recommender=bundled_ranker)
    data = (DEMO / "coffee.jpg").read_bytes()
    for _ in range(2):
        await app.photos.answer(data, user="ann", chat="c")
    with pytest.raises(RateLimited) as err:
        await app.photos.answer(data, user="ann", chat="c")
    assert "up to 2 a minute" in error_text(err.value)
    await app.photos.answer(data, user="bo", chat="c")  # others are not affected
    pipeline.close()
    await store.close()


async def test_soundtrack_needs_photos_and_then_blends_them(core):
    app, faces = core
    faces.release.set()
    with pytest.raises(NothingToDo):
        await app.songs.soundtrack(chat="trip")
    for name in ("coffee.jpg", "rocket.jpg"):
        await app.photos.answer((DEMO / name).read_bytes(), user="ann", chat="trip")
    rec, count = await app.songs.soundtrack(chat="trip", user="bo")
    assert count == 2 and len(rec.songs) == 8 and rec.id is not None


async def test_rating_an_unknown_list_is_a_clear_error(core):
    app, _ = core
    with pytest.raises(UserError, match="list_gone"):
        await app.lists.rate_song(user="ann", recommendation=12345, position=0, score=1)
    assert await app.lists.rate_list(user="ann", recommendation=12345, score=1) == 0


async def test_settings_validation(core):
    app, _ = core
    with pytest.raises(UserError) as err:
        await app.people.set_mode(scope="user", id="ann", mode="loud")
    assert error_text(err.value).startswith("Modes are match")
    with pytest.raises(UserError) as err:
        await app.people.set_mode(scope="user", id="ann", mode="shift", target="bliss")
    assert "don't know the mood 'bliss'" in error_text(err.value)
    with pytest.raises(UserError) as err:
        await app.people.set_mode(scope="user", id="ann", mode="shift", target="x" * 5000)
    assert len(error_text(err.value)) < 200  # a long argument is never echoed back whole
    with pytest.raises(UserError) as err:
        await app.people.set_list_length(scope="user", id="ann", n=11)
    assert "1 to 10" in error_text(err.value)
    s = await app.people.set_mode(scope="user", id="ann", mode="shift", target="Relaxed")
    assert s.target == "calm"
    rec = await app.songs.for_mood(label="sad", user="ann")
    assert rec.mode == "shift" and rec.target == "calm"


async def test_groups_get_clean_lists_unless_the_group_allows_explicit(core):
    app, _ = core
    explicit_ids = {t.id for t in app.catalog.tracks if t.explicit}
    ids = lambda rec: {s.track.id for s in rec.songs}  # noqa: E731
    # angry music is where explicit songs fit best: a private chat gets them by default
    private = await app.songs.for_mood(label="angry", user="ann", chat="dm", n=10)
    assert ids(private) & explicit_ids
    group = await app.songs.for_mood(label="angry", user="ann", chat="g", n=10, group=True)
    assert len(group.songs) == 10 and not ids(group) & explicit_ids
    # one member's own setting does not change what the group is shown; the group's setting does
    await app.people.set_explicit(scope="user", id="ann", allowed=True)
    assert not ids(await app.songs.for_mood(label="angry", user="ann", chat="g", n=10, group=True)) & explicit_ids
    await app.people.set_explicit(scope="chat", id="g", allowed=True)
    assert ids(await app.songs.for_mood(label="angry", user="ann", chat="g", n=10, group=True)) & explicit_ids
    # and a person can turn them off for their private chat
    await app.people.set_explicit(scope="user", id="bo", allowed=False)
    assert not ids(await app.songs.for_mood(label="angry", user="bo", chat="dm2", n=10)) & explicit_ids


@contextlib.asynccontextmanager
async def gated_core(settings, db_path, ranker, **limits):
    """A core whose face stage waits for `faces.release`, with these limits, closed afterwards."""
    store = await SqliteStore(db_path).open()
    faces = GatedFaces()
    s = settings.model_copy(update=limits)
    pipeline = Pipeline(Models(faces=faces, scene=None, color=color_features, scene_reason="off"), s)
    try:
        yield Moodtune(s, store, ranker.catalog, pipeline, recommender=ranker), faces
    finally:
        faces.release.set()
        pipeline.close()
        await store.close()


async def test_a_busy_answer_does_not_cost_the_person_a_photo(settings, fresh_db, bundled_ranker):
    """Ann is told 'busy' while the queue is full; once it frees, she still has all her photos."""
    limits = {"photos_per_minute": 2, "photos_in_flight_per_chat": 1, "analysis_threads": 1, "analysis_queue": 1}
    async with gated_core(settings, fresh_db("gated.sqlite3"), bundled_ranker, **limits) as (app, faces):
        data = (DEMO / "cat.jpg").read_bytes()
        blocking = [asyncio.create_task(app.photos.answer(data, user=f"u{i}", chat=f"c{i}")) for i in range(3)]
        await asyncio.sleep(0.05)
        for _ in range(3):
            with pytest.raises(PipelineBusy):
                await app.photos.answer(data, user="ann", chat="ann")
        faces.release.set()
        await asyncio.gather(*blocking)
        for _ in range(2):  # her two photos a minute are intact
            await app.photos.answer(data, user="ann", chat="ann")
        with pytest.raises(RateLimited):
            await app.photos.answer(data, user="ann", chat="ann")


async def test_one_chat_never_holds_the_whole_queue(settings, fresh_db, bundled_ranker):
    """Even when a chat's own cap is set higher than the queue, one place stays for everyone else."""
    limits = {"photos_per_minute": 100, "photos_in_flight_per_chat": 50, "analysis_threads": 1, "analysis_queue": 2}
    async with gated_core(settings, fresh_db("gated.sqlite3"), bundled_ranker, **limits) as (app, faces):
        data = (DEMO / "cat.jpg").read_bytes()
        flood = [asyncio.create_task(app.photos.answer(data, user=f"u{i}", chat="flood")) for i in range(3)]
        await asyncio.sleep(0.05)
        with pytest.raises(RateLimited):  # 2 turns + 2 waiting places: the chat may hold 3
            await app.photos.answer(data, user="u9", chat="flood")
        other = asyncio.create_task(app.photos.answer(data, user="ann", chat="quiet"))
        await asyncio.sleep(0.05)
        faces.release.set()
        assert (await other).recommendation.songs and len(await asyncio.gather(*flood)) == 3


def _counting_fetch(data: bytes, log: list, name: str):
    async def fetch() -> bytes:
        log.append(name)
        return data
    return fetch


async def test_a_burst_is_queued_and_nothing_is_downloaded_before_its_turn(settings, fresh_db, bundled_ranker):
    """Twelve photos at once on one analysis thread: every one is answered, none refused; only the
    photos holding a turn (the thread's and one more) are downloaded while the reading is held up;
    and turns go round the chats — a quiet chat's photo does not wait behind a group's whole burst."""
    limits = {"photos_per_minute": 100, "photos_in_flight_per_chat": 12, "analysis_threads": 1, "analysis_queue": 50}
    async with gated_core(settings, fresh_db("burst.sqlite3"), bundled_ranker, **limits) as (app, faces):
        data = (DEMO / "cat.jpg").read_bytes()
        fetched: list[str] = []

        async def send(user: str, chat: str):
            async with app.photos.admit(user=user, chat=chat) as admitted:
                return await admitted.photo(_counting_fetch(data, fetched, chat))

        burst = [asyncio.create_task(send(f"g{i}", "group")) for i in range(11)]
        await asyncio.sleep(0.05)
        quiet = asyncio.create_task(send("ann", "quiet"))
        await asyncio.sleep(0.1)
        assert len(fetched) == 2  # two turns: one photo read, one downloaded and waiting for the thread
        assert app._pipeline.queue.waiting == 10
        faces.release.set()
        answers = await asyncio.gather(*burst, quiet)
        assert len(answers) == 12 and all(a.recommendation.songs for a in answers)
        assert fetched.index("quiet") == 2  # the next turn after the two taken went to the other chat


async def test_busy_only_when_the_wait_would_be_too_long(settings, fresh_db, bundled_ranker):
    """With photos taking ~1 s each on two turns, a 2.5 s bound admits five waiting photos and refuses
    the sixth with the wait in words; the refusal costs the person nothing. On a fresh start (no photo
    timed yet) the same burst is queued whole: a guessed wait turns nobody away."""
    limits = {"photos_per_minute": 100, "photos_in_flight_per_chat": 20, "analysis_threads": 1, "analysis_queue": 50,
              "max_queue_wait": 2.5}
    async with gated_core(settings, fresh_db("wait.sqlite3"), bundled_ranker, **limits) as (app, faces):
        queue = app._pipeline.queue
        data = (DEMO / "cat.jpg").read_bytes()
        fresh = [asyncio.create_task(app.photos.answer(data, user=f"f{i}", chat=f"f{i}")) for i in range(9)]
        await asyncio.sleep(0.05)
        assert queue.measured == 0 and queue.waiting == 7 and not any(t.done() for t in fresh)  # all queued
        faces.release.set()
        await asyncio.gather(*fresh)
        faces.release.clear()
        queue.seconds_per_photo = 1.0  # as if the last photos had taken 1 s each
        admitted = [asyncio.create_task(app.photos.answer(data, user=f"u{i}", chat=f"c{i}")) for i in range(7)]
        await asyncio.sleep(0.05)
        with pytest.raises(PipelineBusy) as err:  # 5 waiting: a sixth would wait (5 + 1) / 2 × 1 s = 3 s
            await app.photos.answer(data, user="ann", chat="late")
        assert "would wait about 3 s" in error_text(err.value)
        faces.release.set()
        assert len(await asyncio.gather(*admitted)) == 7
        await app.photos.answer(data, user="ann", chat="late")
