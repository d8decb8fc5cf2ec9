"""`supportdesk ticket …` and `supportdesk bench …`, called in-process (one real process for
the kill test).

The commands act as a person named by --user / SUPPORTDESK_USER, signed in with the password in
SUPPORTDESK_PASSWORD.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.data.database import Database, sqlite_url
from app.data.models.people import Contact, Team
from app.domain.enums import Role
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.ticket_service import TicketFilter

ADMIN_PASSWORD = "correct horse battery"
TECH_PASSWORD = "another long password"


@pytest.fixture
def desk(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file with an admin, a technician, a team and a requester; the
    ticket commands act as the admin through the environment."""
    path = tmp_path / "desk.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = sqlite_url(path)
    db = Database(url)
    db.attach_device()
    admin = AuthService(db).create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    services = Services(db, admin)
    services.people.create_person(
        username="tina",
        full_name="Tina Tech",
        email="tina@desk.example",
        password=TECH_PASSWORD,
        roles=frozenset({Role.TECHNICIAN}),
    )
    with db.session() as s:
        s.add_all([Team(name="Servers"), Contact(full_name="Rita", email="rita@example.org")])
    db.dispose()
    monkeypatch.setenv("SUPPORTDESK_DATABASE_URL", url)
    monkeypatch.setenv("SUPPORTDESK_USER", "admin")
    monkeypatch.setenv("SUPPORTDESK_PASSWORD", ADMIN_PASSWORD)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> None:
    assert err.startswith("supportdesk")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def count_tickets(url: str) -> int:
    db = Database(url)
    try:
        admin = AuthService(db).principal_for("admin")
        return Services(db, admin).tickets.count(TicketFilter())
    finally:
        db.dispose()


def test_add_show_list_as_json(capsys: pytest.CaptureFixture[str], desk: str) -> None:
    code, out, err = run(
        capsys,
        "ticket",
        "add",
        "--subject",
        "Disk full on FS01",
        "--description",
        "/var at 99%",
        "--priority",
        "High",
        "--channel",
        "monitoring-alert",
        "--category",
        "Servers",
        "--requester-email",
        "rita@example.org",
        "--assignee",
        "tina",
        "--team",
        "Servers",
        "--tag",
        "disk",
        "--tag",
        "fs01",
        "--json",
    )
    assert (code, err) == (0, "")
    added = json.loads(out)
    assert added["subject"] == "Disk full on FS01"
    assert added["status"] == "new"
    assert added["priority"] == "high"
    assert added["channel"] == "monitoring_alert"
    assert added["category"] == "Servers"
    assert added["assignee"] == "Tina Tech"
    assert added["team"] == "Servers"
    assert added["requester"] == "Rita"
    assert sorted(added["tags"]) == ["disk", "fs01"]
    assert added["opened_at"].endswith("+00:00")
    assert added["resolution_due_at"] > added["opened_at"]
    assert added["first_response_due_at"] > added["opened_at"]

    code, out, _ = run(capsys, "ticket", "show", added["number"], "--json")
    assert code == 0
    assert json.loads(out) == added

    run(capsys, "ticket", "add", "--subject", "Second")
    code, out, _ = run(capsys, "ticket", "list", "--assignee", "tina", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [t["number"] for t in listed] == [added["number"]]
    assert listed[0]["assignee"] == "Tina Tech"
    code, out, _ = run(capsys, "ticket", "list", "--status", "new", "--limit", "1", "--json")
    assert len(json.loads(out)) == 1


def test_add_and_show_as_text(capsys: pytest.CaptureFixture[str], desk: str) -> None:
    code, out, _ = run(capsys, "ticket", "add", "--subject", "Printer offline")
    assert code == 0
    assert out.startswith("Created ")
    number = out.split()[1].rstrip(":")
    code, out, _ = run(capsys, "ticket", "show", number)
    assert code == 0
    assert f"Number:         {number}" in out
    assert "Subject:        Printer offline" in out
    code, out, _ = run(capsys, "ticket", "list")
    assert number in out
    assert "Printer offline" in out


def test_update_changes_and_is_idempotent(capsys: pytest.CaptureFixture[str], desk: str) -> None:
    _, out, _ = run(capsys, "ticket", "add", "--subject", "VPN drops", "--json")
    number = json.loads(out)["number"]
    code, out, err = run(
        capsys,
        "ticket",
        "update",
        number,
        "--assignee",
        "tina",
        "--priority",
        "urgent",
        "--reply",
        "Looking into it",
        "--status",
        "pending",
        "--json",
    )
    assert (code, err) == (0, "")
    changed = json.loads(out)
    assert changed["assignee"] == "Tina Tech"
    assert changed["priority"] == "urgent"
    assert changed["status"] == "pending"
    assert changed["first_responded_at"] is not None

    code, out, _ = run(
        capsys, "ticket", "update", number, "--assignee", "tina", "--status", "pending"
    )
    assert code == 0
    assert out.strip() == f"Updated {number}: nothing (it already was like that)"

    code, out, _ = run(capsys, "ticket", "update", number, "--unassign", "--note", "handing over")
    assert out.strip() == f"Updated {number}: assignee, note"
    _, out, _ = run(capsys, "ticket", "show", number, "--json")
    assert json.loads(out)["assignee"] is None


def _timeline(url: str, number: str) -> list[str]:
    db = Database(url)
    try:
        services = Services(db, AuthService(db).principal_for("admin"))
        detail = services.tickets.get(services.ticket_io.ticket_id(number))
        return [f"{e.kind}:{e.body}" for e in detail.events]
    finally:
        db.dispose()


def test_a_refused_status_sends_no_reply(capsys: pytest.CaptureFixture[str], desk: str) -> None:
    """A monitoring script retrying "reply + waiting on requester" on a resolved ticket:
    every run is refused before anything is saved, so the requester gets no reply at all."""
    _, out, _ = run(capsys, "ticket", "add", "--subject", "Backup failed", "--json")
    number = json.loads(out)["number"]
    assert run(capsys, "ticket", "update", number, "--status", "resolved")[0] == 0
    before = _timeline(desk, number)
    for _attempt in range(2):
        code, out, err = run(
            capsys, "ticket", "update", number, "--reply", "Still failing?", "--status", "pending"
        )
        assert (code, out) == (1, "")
        one_line_error(err)
        assert "cannot go from resolved to waiting on requester" in err
        assert f"Nothing was changed on {number}" in err
    after = _timeline(desk, number)
    assert after == before
    assert not any(e.startswith("reply:") for e in after)

    # Assignee problems are found first too: no note is left behind.
    code, _, err = run(capsys, "ticket", "update", number, "--note", "x", "--assignee", "ghost")
    assert code == 1
    one_line_error(err)
    assert _timeline(desk, number) == before


def test_a_technician_acts_as_themselves(
    capsys: pytest.CaptureFixture[str], desk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTDESK_PASSWORD", TECH_PASSWORD)
    code, out, _ = run(capsys, "ticket", "add", "--user", "tina", "--subject", "Mine", "--json")
    assert code == 0
    number = json.loads(out)["number"]
    db = Database(desk)
    try:
        services = Services(db, AuthService(db).principal_for("admin"))
        detail = services.tickets.get(services.ticket_io.ticket_id(number))
        assert detail.events[0].author_name == "Tina Tech"
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["ticket", "add"], 2, "--subject"),
        (["ticket", "add", "--subject", "x", "--priority", "asap"], 2, "unknown priority 'asap'"),
        (["ticket", "add", "--subject", "x", "--channel", "fax"], 2, "unknown channel 'fax'"),
        (["ticket", "add", "--subject", "   "], 1, "Enter a subject"),
        (["ticket", "add", "--subject", "x", "--assignee", "ghost"], 1, "'ghost'"),
        (["ticket", "add", "--subject", "x", "--team", "Moon"], 1, "No team is named 'Moon'"),
        (["ticket", "show", "NOPE-1"], 1, "no ticket numbered 'NOPE-1'"),
        (["ticket", "update", "NOPE-1", "--status", "open"], 1, "no ticket numbered 'NOPE-1'"),
        (["ticket", "update", "NOPE-1"], 1, "Nothing to change"),
        (["ticket", "update", "X-1", "--assignee", "a", "--unassign"], 2, "not allowed with"),
        (["ticket", "list", "--limit", "0"], 2, "1 or more"),
        (["ticket", "frobnicate"], 2, "invalid choice"),
        (["ticket", "import", "missing.csv"], 1, "There is no file at"),
        (["ticket", "export", "/no/such/folder/x.csv"], 1, "does not exist"),
        (["ticket", "export", "x.csv", "--columns", "number,colour"], 1, "'colour'"),
        (["bench"], 1, "--tickets"),
    ],
)
def test_bad_arguments_are_one_line(
    capsys: pytest.CaptureFixture[str],
    desk: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    code: int,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    before = count_tickets(desk)
    got, out, err = run(capsys, *argv)
    assert got == code
    assert out == ""
    one_line_error(err)
    assert says in err
    assert count_tickets(desk) == before


def test_who_acts_must_be_known(
    capsys: pytest.CaptureFixture[str], desk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTDESK_PASSWORD", "wrong password")
    code, out, err = run(capsys, "ticket", "list")
    assert (code, out) == (1, "")
    one_line_error(err)
    assert err == "supportdesk: Wrong user name or password.\n"

    code, out, err = run(capsys, "ticket", "add", "--subject", "x", "--user", "nobody")
    assert (code, out) == (1, "")
    assert err == "supportdesk: Wrong user name or password.\n"

    monkeypatch.delenv("SUPPORTDESK_USER")
    code, _, err = run(capsys, "ticket", "list")
    assert code == 1
    one_line_error(err)
    assert "--user USERNAME" in err

    monkeypatch.delenv("SUPPORTDESK_PASSWORD")
    with open(os.devnull) as no_terminal:
        monkeypatch.setattr(sys, "stdin", no_terminal)
        code, _, err = run(capsys, "ticket", "list", "--user", "admin")
    assert code == 1
    one_line_error(err)
    assert "Set SUPPORTDESK_PASSWORD" in err


def test_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str], desk: str) -> None:
    code, out, err = run(
        capsys, "ticket", "list", "--database-url", "postgresql://postgres@127.0.0.1:1/x"
    )
    assert (code, out) == (1, "")
    one_line_error(err)
    assert "Cannot reach" in err


def test_import_dry_run_problems_and_success(
    capsys: pytest.CaptureFixture[str], desk: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Headline;Urgency\nFine;high\nCaf\xe9;low\n;normal\nAlso fine;whenever\n")
    before = count_tickets(desk)
    code, out, err = run(capsys, "ticket", "import", str(bad), "--map", "Headline=subject")
    assert code == 1
    assert out.splitlines() == [
        "line 3: this line is not UTF-8 text; save the file as 'CSV UTF-8' and import it again.",
        "line 4: the subject is empty.",
        "line 5: unknown priority 'whenever': use low, normal, high or urgent.",
    ]
    one_line_error(err)
    assert "3 problem(s)" in err
    assert "nothing was imported" in err
    assert count_tickets(desk) == before

    good = tmp_path / "good.csv"
    good.write_text("Headline,Urgency,Ref\nOne,high,R-1\nTwo,low,R-2\n", encoding="utf-8-sig")
    code, out, _ = run(
        capsys, "ticket", "import", str(good), "--map", "Headline=subject", "--dry-run"
    )
    assert code == 0
    assert out.strip() == "Checked 2 row(s): no problems. Nothing was imported (dry run)."
    assert count_tickets(desk) == before

    code, out, _ = run(
        capsys, "ticket", "import", str(good), "--map", "Headline=subject", "--map", "Ref=",
        "--json",
    )  # fmt: skip
    assert code == 0
    report = json.loads(out)
    assert len(report["created"]) == 2
    assert report["problems"] == []
    assert report["mapping"] == {"Headline": "subject", "Urgency": "priority", "Ref": ""}
    assert count_tickets(desk) == before + 2
    _, out, _ = run(capsys, "ticket", "show", report["created"][0], "--json")
    assert json.loads(out)["subject"] == "One"
    assert json.loads(out)["priority"] == "high"


def test_import_with_a_missing_column_is_one_problem(
    capsys: pytest.CaptureFixture[str], desk: str, tmp_path: Path
) -> None:
    path = tmp_path / "no-subject.csv"
    path.write_text("Priority,Notes\nhigh,x\n", encoding="utf-8")
    code, out, _ = run(capsys, "ticket", "import", str(path))
    assert code == 1
    assert len(out.splitlines()) == 1
    assert out.startswith("line 1: No column holds the subject")


def test_export_writes_the_filtered_tickets(
    capsys: pytest.CaptureFixture[str], desk: str, tmp_path: Path
) -> None:
    run(capsys, "ticket", "add", "--subject", "Open one")
    _, out, _ = run(capsys, "ticket", "add", "--subject", "Done one", "--json")
    number = json.loads(out)["number"]
    run(capsys, "ticket", "update", number, "--status", "resolved")
    target = tmp_path / "open.csv"
    code, out, _ = run(
        capsys, "ticket", "export", str(target), "--status", "active", "--columns", "number,subject"
    )
    assert code == 0
    assert out.strip() == f"Exported 1 ticket(s) to {target}"
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Number,Subject"
    assert lines[1].endswith(",Open one")


def test_export_says_when_the_search_left_tickets_out(
    capsys: pytest.CaptureFixture[str], desk: str, tmp_path: Path
) -> None:
    from app.data.repos.tickets import SEARCH_LIMIT
    from app.services.ticket_service import TicketDraft

    db = Database(desk)
    try:
        services = Services(db, AuthService(db).principal_for("admin"))
        services.tickets.create_many(
            [TicketDraft(subject=f"Toner low {i}") for i in range(SEARCH_LIMIT + 3)]
            + [TicketDraft(subject="Paper tray stuck")]
        )
    finally:
        db.dispose()
    target = tmp_path / "toner.csv"
    code, out, err = run(capsys, "ticket", "export", str(target), "--search", "toner")
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert out.startswith(f"Exported {SEARCH_LIMIT} ticket(s) to {target}. The search matched")
    assert "may lack some matching tickets" in out
    assert len(target.read_text(encoding="utf-8-sig").splitlines()) == SEARCH_LIMIT + 1

    code, out, _ = run(capsys, "ticket", "export", str(target), "--search", "paper tray")
    assert (code, out) == (0, f"Exported 1 ticket(s) to {target}\n")
    code, out, _ = run(capsys, "ticket", "list", "--search", "paper", "--json")
    assert [t["subject"] for t in json.loads(out)] == ["Paper tray stuck"]


def test_a_printed_ticket_survives_the_process_being_killed(tmp_path: Path, desk: str) -> None:
    """The real command, killed the moment its output appears: the ticket is in the file."""
    script = Path(sys.executable).with_name("supportdesk")
    if sys.platform == "win32":  # pragma: no cover
        script = script.with_suffix(".exe")
    before = count_tickets(desk)
    proc = subprocess.Popen(
        [str(script), "ticket", "add", "--subject", "Alert: UPS on battery", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        proc.kill()
    finally:
        proc.wait(timeout=60)
    assert line, proc.stderr.read() if proc.stderr else ""
    printed = json.loads(line)
    assert count_tickets(desk) == before + 1
    db = Database(desk)
    try:
        services = Services(db, AuthService(db).principal_for("admin"))
        detail = services.tickets.get(services.ticket_io.ticket_id(printed["number"]))
        assert detail.subject == "Alert: UPS on battery"
    finally:
        db.dispose()


def test_bench_prints_the_result_as_json_and_as_a_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wiring only: a stand-in `run` records its arguments (the benchmark is H5's)."""
    tickets_bench = pytest.importorskip("app.bench.tickets")
    calls: list[tuple[object, ...]] = []

    def fake_run(tickets: int, workdir: Path | None, runs: int = 5) -> dict[str, object]:
        calls.append((tickets, workdir, runs))
        return {"generate_s": 1.25, "first_page_ms": 12.5, "rows": tickets}

    monkeypatch.setattr(tickets_bench, "run", fake_run)
    code, out, _ = run(
        capsys, "bench", "--tickets", "1000", "--json", "--workdir", str(tmp_path), "--runs", "2"
    )
    assert code == 0
    assert json.loads(out) == {"generate_s": 1.25, "first_page_ms": 12.5, "rows": 1000}
    assert calls == [(1000, tmp_path, 2)]
    code, out, _ = run(capsys, "bench", "--tickets", "10")
    assert code == 0
    assert out.splitlines()[1].split() == ["first_page_ms", "12.5"]
    assert calls[-1] == (10, None, 5)


def test_bench_sync_passes_the_server(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_bench = pytest.importorskip("app.bench.sync")
    calls: list[tuple[object, ...]] = []

    def fake_run(pg_url: str, workdir: Path | None) -> dict[str, object]:
        calls.append((pg_url, workdir))
        return {"push_ms": 3.5}

    monkeypatch.setattr(sync_bench, "run", fake_run)
    monkeypatch.setenv("SUPPORTDESK_TEST_PG_URL", "postgresql://u@h:5432/d")
    code, out, _ = run(capsys, "bench", "sync", "--json")
    assert (code, json.loads(out)) == (0, {"push_ms": 3.5})
    code, out, _ = run(capsys, "bench", "sync", "--pg-url", "postgresql://x@y/z")
    assert out.split() == ["push_ms", "3.5"]
    assert calls == [("postgresql://u@h:5432/d", None), ("postgresql://x@y/z", None)]
