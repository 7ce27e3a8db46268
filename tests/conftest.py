"""Shared fixtures. Tests never touch the network or the user's caches."""

from __future__ import annotations

import io
import os
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "bot" / "demo"
# The project's shared data folder (read-only, beside the checkout; CI has it too). Tests that need
# real songs or faces read it at test time and skip with a reason where it is absent.
SHARED = Path(os.environ.get("MOODTUNE_SHARED", ROOT.parent / "shared"))


def shared_data(name: str, marker: str, what: str) -> Path:
    """SHARED/data/<name> if it holds <marker>, else a skip that says what is missing and where."""
    folder = SHARED / "data" / name
    if not (folder / marker).exists():
        pytest.skip(f"needs the shared {what} at {folder} (set MOODTUNE_SHARED)")
    return folder


@pytest.fixture(scope="session")
def music_data() -> Path:
    """The labelled music datasets (shared/data/music)."""
    return shared_data("music", "mood_mapper", "music datasets")


@pytest.fixture(scope="session")
def catalog_db(tmp_path_factory) -> Path:
    """A SQLite database with the bundled catalog (105k tracks) loaded, built once per session:
    loading it into every fresh test database cost seconds a test. Tests copy it (`fresh_db`)."""
    import asyncio

    from core.service.catalog import ensure_bundled
    from core.store import SqliteStore

    path = tmp_path_factory.mktemp("catalog") / "catalog.sqlite3"

    async def build():
        async with SqliteStore(path) as store:
            await ensure_bundled(store)

    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def bundled_ranker():
    """The ranking over the bundled catalog, built once per session (what a `fresh_db` holds)."""
    from core.music.catalog import Catalog
    from core.music.recommender import Recommender

    return Recommender(Catalog.bundled())


@pytest.fixture(scope="session")
def catalog(bundled_ranker):
    """The bundled catalog (the one `bundled_ranker` ranks)."""
    return bundled_ranker.catalog


@pytest.fixture(scope="session")
def recommender(bundled_ranker):
    return bundled_ranker


@pytest.fixture
def fresh_db(catalog_db, tmp_path):
    """`fresh_db(name)`: a new database file in this test's folder, the bundled catalog already in it."""
    import shutil

    def make(name: str = "db.sqlite3") -> Path:
        dest = tmp_path / name
        shutil.copyfile(catalog_db, dest)
        return dest

    return make


@pytest.fixture(autouse=True, scope="session")
def _offline_env(tmp_path_factory, catalog_db):
    """No downloads, caches and DeepFace's home in a temporary folder, for this process and children;
    the default database (MOODTUNE_DB) starts as a copy of the catalog database."""
    import shutil

    home = tmp_path_factory.mktemp("home")
    shutil.copyfile(catalog_db, home / "moodtune.sqlite3")
    env = {
        "MOODTUNE_ALLOW_DOWNLOADS": "false",
        "MOODTUNE_CACHE_DIR": str(home / "cache"),
        "MOODTUNE_DB": str(home / "moodtune.sqlite3"),
        "DEEPFACE_HOME": str(home / "deepface"),
        "HF_HUB_OFFLINE": "1",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def image_bytes(img, fmt: str, **save) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **save)
    return buf.getvalue()


# One faces-dev photo per expression whose label is unambiguous (chosen by looking at them).
FACE_PHOTOS = {"happy": "Howard_Dean_0006.jpg", "surprise": "Bo_Ryan_0001.jpg", "sad": "Erin_Runnion_0004.jpg",
               "angry": "Wilfredo_Moreno_0001.jpg", "neutral": "Charles_Rogers_0001.jpg"}


@pytest.fixture(scope="session")
def faces_dev() -> Path:
    """The labelled face photos (shared/data/faces-dev)."""
    return shared_data("faces-dev", "labels.csv", "face photos")


@pytest.fixture(scope="session")
def face_files(faces_dev) -> dict[str, Path]:
    """label -> path of one real face photo with that unambiguous expression."""
    return {label: faces_dev / "images" / name for label, name in FACE_PHOTOS.items()}


@pytest.fixture(scope="session")
def settings():
    from core.settings import Settings

    return Settings(allow_downloads=False, clip_enabled=False)


@pytest.fixture(scope="session")
def face_analyzer(settings):
    from models.faces import build_face_analyzer

    return build_face_analyzer(settings.model_copy(update={"deepface_emotion": False}))[0]


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def pipeline(settings):
    """The real pipeline (bundled face models, no scene model), shared by the adapter tests."""
    from core.reading.pipeline import Pipeline, load_models

    p = Pipeline(load_models(settings.model_copy(update={"deepface_emotion": False})), settings)
    p.warm()
    yield p
    p.close()


class GatedFaces:
    """A face model that holds every analysis until `release` is set, to fill queues on purpose."""

    def __init__(self):
        self.release = threading.Event()

    def analyze(self, rgb):
        from models.faces import FacesRead

        self.release.wait(10)
        return FacesRead([], 0)


# --- a throw-away PostgreSQL server (Debian's binaries), on 127.0.0.1, for the store and scaling tests ---

@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server in a temporary folder, stopped at the end; yields its base URL
    (postgresql://moodtune@127.0.0.1:PORT). Skips with the reason when it cannot start."""
    from tests.pgserver import PostgresUnavailable, temporary_postgres

    try:
        server = temporary_postgres()
        url = server.__enter__()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(postgres_server):
    """A fresh, empty database on the test server for one test."""
    from tests.pgserver import create_database

    return create_database(postgres_server, f"t{next(_databases)}_{os.getpid()}")


def make_clip(fmt: str = "mp4", frames: int = 30, size=(320, 240), fps: int = 10) -> bytes:
    """A real clip (PyAV/FFmpeg): the first half dark blue, the second bright yellow."""
    import av
    import numpy as np

    codec = {"mp4": "libx264", "gif": "gif", "webm": "libvpx-vp9"}[fmt]
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "rgb8" if fmt == "gif" else "yuv420p"
        for i in range(frames):
            arr = np.zeros((size[1], size[0], 3), np.uint8)
            arr[:] = (20, 30, 90) if i < frames // 2 else (250, 220, 40)
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


PERSON_ROWS = (  # every table that holds rows about a person: /forget must leave none
    ("ratings", "user"), ("recommendations", "user"), ("photo_readings", "user"), ("corrections", "user"),
    ("muted_artists", "user"), ("spotify_links", "user"), ("sign_ins", "user"),
)


async def user_row_count(store, user: str) -> int:
    """Rows that mention `user` anywhere, counted in SQL on either backend (0 after /forget)."""
    pg = hasattr(store, "pool")
    col = (lambda c: f'"{c}"') if pg else (lambda c: c)
    queries = [f"SELECT COUNT(*) FROM {table} WHERE {col(column)} = {'$1' if pg else '?'}" for table, column in PERSON_ROWS]
    queries.append(f"SELECT COUNT(*) FROM settings WHERE scope = 'user' AND id = {'$1' if pg else '?'}")
    total = 0
    for sql in queries:
        if pg:
            total += int(await store.pool.fetchval(sql, user))
        else:
            (n,) = await (await store.db.execute(sql, (user,))).fetchone()
            total += int(n)
    return total
