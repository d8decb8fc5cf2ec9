"""A desktop process killed for real (SIGKILL) mid-pull and mid-push resumes exactly.

The round runs in a child process that the engine's pause hook stops at a named point (inside
the SQLite transaction of the second pulled page, or after the server applied a batch but
before the desktop acknowledged it); the test kills it there and resumes in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.data.database import Database
from app.data.models import Contact
from app.data.models.sync import ChangeLogEntry
from app.sync.engine import PAUSE_ENV, PAUSE_FILE_ENV
from tests.sync.conftest import Desktop, connect
from tests.sync.helpers import diff, pending, snapshot, wait_log_visible

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(os.name != "posix", reason="SIGKILL")]

ROOT = Path(__file__).resolve().parents[2]


def _contacts(db: Database, n: int, tag: str) -> None:
    for start in range(0, n, 50):  # local transactions of 50: a push never splits one
        with db.session() as s:
            s.add_all(
                Contact(full_name=f"{tag}-{i}", email=f"{tag}{i}@x")
                for i in range(start, min(n, start + 50))
            )


def _count(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(Contact)) or 0)


def _run_and_kill(
    desktop: Database, server: Database, point: str, marker: Path, page: int, batch: int
) -> None:
    path = desktop.sqlite_path
    assert path is not None
    env = {**os.environ, PAUSE_ENV: point, PAUSE_FILE_ENV: str(marker)}
    url = server.url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.child_sync", str(path), url, str(page), str(batch)],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, f"the child ended early ({child.returncode})"
            assert time.monotonic() < deadline, "the child never reached the pause point"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL


def test_killed_mid_pull_resumes_with_no_duplicates_and_nothing_lost(
    make_desktop: Desktop, server: Database, tmp_path: Path
) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    _contacts(a, 300, "pulled")
    ea.sync_once()
    wait_log_visible(server)
    # Killed inside the SQLite transaction of the second page, half of it applied.
    _run_and_kill(b, server, "pull:row-applied@2", tmp_path / "paused", page=50, batch=50)
    assert _count(b) == 50  # page one committed with its cursor; page two rolled back
    report = eb.sync_once()
    assert report.pulled == 250
    assert _count(b) == 300
    mine, theirs = snapshot(b), snapshot(server)
    assert mine == theirs, diff(mine, theirs)


def test_killed_mid_push_resumes_with_no_duplicates_and_nothing_lost(
    make_desktop: Desktop, server: Database, tmp_path: Path
) -> None:
    a = make_desktop("a")
    ea = connect(a, server)
    _contacts(a, 300, "pushed")
    # Killed after the server committed batch two, before this desktop acknowledged it.
    _run_and_kill(a, server, "push:before-ack@2", tmp_path / "paused", page=50, batch=50)
    assert _count(server) == 100
    assert pending(a) == 250  # batch one acknowledged, batch two not yet
    report = ea.sync_once()
    assert report.pushed == 200  # batch two is not applied twice
    with server.read_session() as s:
        logged = s.scalar(
            select(func.count())
            .select_from(ChangeLogEntry)
            .where(ChangeLogEntry.table_name == "contacts")
        )
    assert logged == 300
    assert pending(a) == 0
    wait_log_visible(server)
    ea.sync_once()
    mine, theirs = snapshot(a), snapshot(server)
    assert mine == theirs, diff(mine, theirs)
