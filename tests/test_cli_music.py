"""The music commands as a person runs them: recommend, rate, forget, catalog, analyze with songs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess

import pytest

from tests.conftest import DEMO, ROOT

SONG_KEYS = {"id", "title", "artist", "year", "spotify_url", "youtube_url", "reason", "features"}


@pytest.fixture
def db(fresh_db):
    return fresh_db("cli.sqlite3")


def bot(python, db, *args):
    env = {**os.environ, "MOODTUNE_DB": str(db)}
    return subprocess.run([python, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def test_recommend_by_emotion_json(python, db):
    proc = bot(python, db, "recommend", "--emotion", "happy", "--n", "7", "--user", "ann", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert isinstance(out["recommendation_id"], int) and len(out["songs"]) == 7
    for song in out["songs"]:
        assert SONG_KEYS <= set(song)
        assert song["spotify_url"] == f"https://open.spotify.com/track/{song['id']}"
        assert "matches happy" in song["reason"]
    assert len({s["artist"] for s in out["songs"]}) == 7


def test_recommend_by_words_says_how_it_read_them(python, db):
    proc = bot(python, db, "recommend", "--text", "rainy sunday morning", "--n", "5", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["words"]["label"] == "calm" and out["words"]["words"] == ["rainy", "sunday", "morning"]
    assert out["words"]["source"] == "words" and len(out["songs"]) == 5 and SONG_KEYS <= set(out["songs"][0])


def test_recommend_by_va_shift(python, db):
    proc = bot(python, db, "recommend", "--va", "-0.7", "-0.4", "--mode", "shift", "--target", "happy", "--n", "6", "--json")
    out = json.loads(proc.stdout)
    # 1.7 apart: 12 steps of at most 0.15 to arrive, so 13 songs although 6 were asked for
    assert out["mode"] == "shift" and out["target"] == "happy" and len(out["songs"]) == 13
    valences = [s["features"]["valence"] for s in out["songs"]]
    assert sum(valences[-2:]) > sum(valences[:2])


@pytest.mark.parametrize(
    "args, message",
    [
        (["recommend", "--emotion", "hangry"], "Unknown emotion 'hangry'. Known emotions: angry"),
        (["recommend", "--va", "3", "0"], "--va takes valence and arousal between -1 and 1"),
        (["recommend", "--emotion", "calm", "--mode", "shift", "--target", "bliss"], "Unknown emotion 'bliss'"),
        (["rate", "--user", "ann", "--track", "0000000000000000000000", "--score", "1"], "No track with id 0000000000000000000000"),
        (["recommend", "--text", "qwerty asdf"], "couldn't find a mood in “qwerty asdf”"),
    ],
)
def test_bad_requests_get_one_clear_line(python, db, args, message):
    proc = bot(python, db, *args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_too_many_songs_is_refused_by_the_parser(python, db):
    proc = bot(python, db, "recommend", "--emotion", "calm", "--n", "50")
    assert proc.returncode == 2 and "between 1 and 10" in proc.stderr


def test_rating_changes_the_next_list_and_forget_removes_everything(python, db):
    first = json.loads(bot(python, db, "recommend", "--emotion", "calm", "--user", "ann", "--json").stdout)
    disliked = first["songs"][0]["id"]
    proc = bot(python, db, "rate", "--user", "ann", "--track", disliked, "--score", "-1", "--recommendation", str(first["recommendation_id"]))
    assert proc.returncode == 0 and "👎 saved" in proc.stdout
    second = json.loads(bot(python, db, "recommend", "--emotion", "calm", "--user", "ann", "--json").stdout)
    assert disliked not in {s["id"] for s in second["songs"]}
    proc = bot(python, db, "forget", "--user", "ann")
    assert "Forgot ann: 1 ratings, 2 lists" in proc.stdout
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM ratings WHERE user='ann'").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM recommendations WHERE user='ann'").fetchone()[0] == 0


def test_rating_a_track_that_was_not_on_that_list_is_refused(python, db):
    first = json.loads(bot(python, db, "recommend", "--emotion", "sad", "--user", "ann", "--json").stdout)
    other = json.loads(bot(python, db, "recommend", "--emotion", "happy", "--user", "bo", "--json").stdout)["songs"][0]["id"]
    proc = bot(python, db, "rate", "--user", "ann", "--track", other, "--score", "1", "--recommendation", str(first["recommendation_id"]))
    assert proc.returncode == 2 and "does not hold track" in proc.stderr


def test_catalog_import_and_stats(python, db, tmp_path):
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text("id,name,artists,valence,energy,tempo\n4uLU6hMCjMI75M1A2tKUQC,Mine,Me,0.9,0.9,128\nbad,Row,Me,0.5,0.5,100\n")
    proc = bot(python, db, "catalog", "import", str(csv_path), "--replace")
    assert proc.returncode == 0, proc.stderr
    assert "Imported 1 tracks" in proc.stdout and "1 rows skipped: bad id 1" in proc.stdout and "now holds 1 tracks" in proc.stdout
    stats = json.loads(bot(python, db, "catalog", "stats", "--json").stdout)
    assert stats["tracks"] == 1
    proc = bot(python, db, "catalog", "import", str(tmp_path / "nope.csv"))
    assert proc.returncode == 2 and "Can't read" in proc.stderr
    bad = tmp_path / "cols.csv"
    bad.write_text("title,artist\nx,y\n")
    proc = bot(python, db, "catalog", "import", str(bad))
    assert proc.returncode == 2 and "lacks the columns id, valence, energy" in proc.stderr


def test_analyze_json_includes_songs_for_the_photo(python, db):
    proc = bot(python, db, "analyze", str(DEMO / "astronaut.jpg"), str(ROOT / "pyproject.toml"), "--json", "--user", "ann")
    assert proc.returncode == 0, proc.stderr
    photo, bad = (json.loads(line) for line in proc.stdout.splitlines())
    assert photo["label"] == "happy" and isinstance(photo["recommendation_id"], int)
    assert len(photo["songs"]) == 5 and SONG_KEYS <= set(photo["songs"][0])
    assert bad["songs"] == [] and bad["recommendation_id"] is None and bad["error"]


def test_json_asks_deezer_only_with_previews(python, db):
    """No network call unless --previews; with it, each song says where its preview is (or null)."""
    import asyncio
    import threading

    from tests.fakes.deezer_api import FakeDeezer

    loop = asyncio.new_event_loop()
    deezer = loop.run_until_complete(FakeDeezer().start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        env_base = {"DEEZER_API_BASE_URL": deezer.base}
        plain = subprocess.run([python, "-m", "bot", "recommend", "--emotion", "calm", "--json"], cwd=ROOT, capture_output=True,
                               text=True, env={**os.environ, "MOODTUNE_DB": str(db), **env_base}, timeout=300)
        assert "preview_url" not in plain.stdout and deezer.requests == []
        first = json.loads(plain.stdout)["songs"][0]
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result()
        deezer.add(first["artist"].split(",")[0], first["title"])
        asked = subprocess.run([python, "-m", "bot", "recommend", "--emotion", "calm", "--json", "--previews"], cwd=ROOT,
                               capture_output=True, text=True, env={**os.environ, "MOODTUNE_DB": str(db), **env_base}, timeout=300)
        songs = json.loads(asked.stdout)["songs"]
        with_url = [s for s in songs if s["preview_url"]]
        assert all("preview_url" in s for s in songs) and len(deezer.requests) == len(songs)
        assert songs[0]["id"] == first["id"] and [s["id"] for s in with_url] == [first["id"]]
    finally:
        asyncio.run_coroutine_threadsafe(deezer.stop(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
