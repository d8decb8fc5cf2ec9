"""The clock across restarts, jumps and drift; the `supportdesk sync` commands."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from app.cli import main
from app.data.database import Database
from app.data.models import Contact
from app.domain.hlc import MAX_DRIFT_MS, HybridLogicalClock, Timestamp
from app.services.sync_service import SyncService
from app.sync.engine import SyncEngine
from tests.sync.conftest import Desktop, connect

pytestmark = pytest.mark.postgres


def _stamp_of_new_contact(db: Database) -> str:
    with db.session() as s:
        c = Contact(full_name="x")
        s.add(c)
    return c.hlc


def test_clock_never_goes_backwards_across_restarts_and_jumps(make_desktop: Desktop) -> None:
    a = make_desktop("a")
    first = _stamp_of_new_contact(a)
    a.dispose()
    again = Database(a.url)
    again.attach_device()
    assert again.clock is not None
    assert again.clock.last.encode() == first  # persisted with the change
    # The computer's clock jumps back an hour after the restart.
    again.clock = HybridLogicalClock(again.device_id, again.clock.last, wall=lambda: 0)
    second = _stamp_of_new_contact(again)
    assert second > first
    again.dispose()


def test_pulled_stamps_advance_the_clock(make_desktop: Desktop, server: Database) -> None:
    a, b = make_desktop("a"), make_desktop("b")
    ea, eb = connect(a, server), connect(b, server)
    ahead = int(time.time() * 1000) + 60_000  # a's clock runs a minute fast (within drift)
    a.clock = HybridLogicalClock(a.device_id, a.clock.last if a.clock else None, wall=lambda: ahead)
    theirs = _stamp_of_new_contact(a)
    ea.push(ea.check_schema())
    # The pull reads only below the oldest running transaction on the whole server, so a
    # transaction of a parallel test may hold the change back for a moment: pull until it comes.
    deadline = time.monotonic() + 30
    while eb.pull() == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _stamp_of_new_contact(b) > theirs  # a later edit on b orders after what it saw


def test_a_clock_far_off_the_servers_is_clamped_and_flagged(
    make_desktop: Desktop, server: Database
) -> None:
    a = make_desktop("a")
    connect(a, server)
    skewed = lambda: int(time.time() * 1000) + 3 * 3600_000  # noqa: E731  three hours fast
    a.clock = HybridLogicalClock(a.device_id, a.clock.last if a.clock else None, wall=skewed)
    report = SyncEngine(a, server, wall=skewed).sync_once()
    assert report.clock_flagged
    assert report.clock_skew_ms > MAX_DRIFT_MS
    stamp = Timestamp.decode(_stamp_of_new_contact(a))
    assert abs(stamp.wall_ms - time.time() * 1000) < MAX_DRIFT_MS  # follows the server
    assert SyncService(a).status().clock_flagged


def test_cli_connect_once_and_status(
    make_desktop: Desktop,
    server: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: object,
) -> None:
    keyring_store = isolated_environment
    a = make_desktop("a")
    url = a.url.render_as_string(hide_password=False)
    monkeypatch.delenv("SUPPORTDESK_SYNC_PASSWORD", raising=False)
    # The test server trusts local connections; the password only has to travel correctly.
    server_url = server.url.set(password="s3cret").render_as_string(hide_password=False)
    assert main(["--database-url", url, "sync", "--once"]) == 1
    assert "not connected" in capsys.readouterr().err
    assert main(["--database-url", url, "sync", "connect", server_url]) == 0
    with a.session() as s:
        s.add(Contact(full_name=f"c-{uuid.uuid4().hex[:4]}"))
    assert main(["--database-url", url, "sync", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status["connected"] is True
    assert status["pending_edits"] == 1
    assert status["server_revision"] == status["local_revision"]
    assert main(["--database-url", url, "sync", "--once"]) == 0
    assert main(["--database-url", url, "sync", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status["pending_edits"] == 0
    assert status["last_sync"]
    assert "s3cret" not in status["server_url"]  # the password lives in the keyring only
    assert "s3cret" in keyring_store.store.values()  # type: ignore[attr-defined]
