"""Shared fixtures. Tests never touch the network or the user's caches."""

from __future__ import annotations

import io
import os
import sys
import threading
from pathlib import Path
from typing import Optional

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


@pytest.fixture(autouse=True, scope="session")
def _offline_env(tmp_path_factory):
    """No downloads, caches and DeepFace's home in a temporary folder, for this process and children."""
    home = tmp_path_factory.mktemp("home")
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
    from core.pipeline import Pipeline, load_models

    p = Pipeline(load_models(settings.model_copy(update={"deepface_emotion": False})), settings)
    p.warm()
    yield p
    p.close()


class GatedFaces:
    """A face model that holds every analysis until `release` is set, to fill queues on purpose."""

    def __init__(self):
        self.release = threading.Event()

    def analyze(self, rgb):
        self.release.wait(10)
        return []


# --- a throw-away PostgreSQL server (Debian's binaries), on 127.0.0.1, for the store and scaling tests ---

def _postgres_bin() -> Optional[Path]:
    import glob
    import shutil

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A PostgreSQL server in a temporary folder, stopped at the end; yields its base URL
    (postgresql://moodtune@127.0.0.1:PORT). Skips with the reason when it cannot start."""
    import pwd
    import shutil
    import socket
    import subprocess
    import tempfile

    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql; `make test` does it when it can)")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as Debian's postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="moodtune-pg-"))
    data = root / "data"
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = root / "server.log"
    try:
        subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "moodtune", "--auth=trust", "-E", "UTF8",
                        "--locale=C"], check=True, capture_output=True)
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                        f"-h 127.0.0.1 -p {port} -k {root} -c max_connections=200", "start"], check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')[-300:]}")
    try:
        yield f"postgresql://moodtune@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(postgres_server):
    """A fresh, empty database on the test server for one test."""
    import subprocess
    from urllib.parse import urlsplit

    name = f"t{next(_databases)}_{os.getpid()}"
    server = urlsplit(postgres_server)
    subprocess.run([str(_postgres_bin() / "createdb"), "-h", server.hostname, "-p", str(server.port), "-U", "moodtune", name],
                   check=True, capture_output=True)
    return f"{postgres_server}/{name}"
