"""A throw-away PostgreSQL server from Debian's binaries, in a temporary folder on 127.0.0.1 —
for the tests (tests/conftest.py) and the scaling benchmark (scripts/benchmark_scaling.py).

Run as root (CI containers), the server runs as Debian's `postgres` user, since initdb refuses
root. It is stopped and its folder removed on exit, whatever happened.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, Optional
from urllib.parse import urlsplit


class PostgresUnavailable(Exception):
    """Why no server could be started (the tests skip with it)."""


def postgres_bin() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@contextlib.contextmanager
def temporary_postgres(max_connections: int = 200) -> Iterator[str]:
    bindir = postgres_bin()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL is not installed (Debian: apt-get install postgresql; `make test` does it when it can)")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable("running as root and there is no 'postgres' user to run PostgreSQL as") from None
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="moodtune-pg-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data = root / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = False
    try:
        try:
            subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "moodtune", "--auth=trust", "-E", "UTF8",
                            "--locale=C"], check=True, capture_output=True)
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "-o",
                            f"-h 127.0.0.1 -p {port} -k {root} -c max_connections={max_connections}", "start"],
                           check=True, capture_output=True)
            started = True
        except subprocess.CalledProcessError as exc:
            raise PostgresUnavailable(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')[-300:]}") from None
        url = f"postgresql://moodtune@127.0.0.1:{port}"
        _CONTROL[url] = [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60"], \
            ["-l", str(root / "server.log"), "-o", f"-h 127.0.0.1 -p {port} -k {root} -c max_connections={max_connections}"]
        yield url
    finally:
        _CONTROL.pop(f"postgresql://moodtune@127.0.0.1:{port}", None)
        if started:
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


_CONTROL: dict[str, tuple[list[str], list[str]]] = {}  # a running server's pg_ctl command and its start options


def stop_server(server: str) -> None:
    """Stop a server `temporary_postgres` started (fast: connections are cut, as in a crash or restart)."""
    ctl, _ = _CONTROL[server]
    subprocess.run([*ctl, "-m", "fast", "stop"], check=True, capture_output=True)


def start_server(server: str) -> None:
    """Start it again on the same port and data."""
    ctl, options = _CONTROL[server]
    subprocess.run([*ctl, *options, "start"], check=True, capture_output=True)


def create_database(server: str, name: str) -> str:
    """A new empty database on `server`; returns its URL."""
    parts = urlsplit(server)
    subprocess.run([str(postgres_bin() / "createdb"), "-h", parts.hostname, "-p", str(parts.port), "-U", "moodtune", name],
                   check=True, capture_output=True)
    return f"{server}/{name}"
