"""CSV import and export of tickets, on SQLite and PostgreSQL.

Every import test counts the tickets before and after: a file with any bad row adds nothing.
"""

from __future__ import annotations

import csv
import inspect
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.data.database import Database
from app.data.models.people import Contact, Team
from app.data.repos import tickets as tickets_repo
from app.domain.enums import Channel, Priority, Role, TicketStatus
from app.domain.permissions import PermissionDeniedError
from app.errors import NotFoundError, ValidationError
from app.services import ticket_io_service
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.ticket_io_service import RowProblem, parse_when, suggest_mapping
from app.services.ticket_service import TicketDraft, TicketFilter

PASSWORD = "a long enough password"

HEADER = (
    "Ticket number,Title,Description,Status,Priority,Channel,Category,Requester email,"
    "Assigned to,Team,Opened at,Tags"
)


def _write(tmp_path: Path, text: str | bytes, name: str = "tickets.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _people(services: Services) -> dict[str, uuid.UUID]:
    """A technician, a trainer, a team and a requester to refer to from CSV rows."""
    tech_id, _ = services.people.create_person(
        username="tina",
        full_name="Tina Tech",
        email="tina@desk.example",
        password=PASSWORD,
        roles=frozenset({Role.TECHNICIAN}),
    )
    trainer_id, _ = services.people.create_person(
        username="trev",
        full_name="Trev Trainer",
        email="trev@desk.example",
        password=PASSWORD,
        roles=frozenset({Role.TRAINER}),
    )
    with services.db.session() as s:
        team = Team(name="Field Service")
        contact = Contact(full_name="Rita Requester", email="Rita@Example.org")
        s.add_all([team, contact])
        s.flush()
        return {"tech": tech_id, "trainer": trainer_id, "team": team.id, "contact": contact.id}


def _count(services: Services) -> int:
    return services.tickets.count(TicketFilter())


def _all_numbers(services: Services) -> set[str]:
    return {r.number for r in services.tickets.list_page(TicketFilter(), limit=1000)}


# --- reading the file ----------------------------------------------------------------------


def test_preview_sniffs_semicolons_and_excel_bom(services: Services, tmp_path: Path) -> None:
    text = HEADER.replace(",", ";") + "\nH-1;Café printer;;;High;Phone;;;;;;\n"
    path = _write(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    preview = services.ticket_io.read_csv(path)
    assert preview.encoding == "utf-8-sig"
    assert preview.delimiter == ";"
    assert preview.headers[0] == "Ticket number"  # no BOM left on the first name
    assert preview.row_count == 1
    assert preview.sample_rows[0][1] == "Café printer"
    assert preview.problems == []
    assert preview.suggested_mapping == {
        "Ticket number": "number",
        "Title": "subject",
        "Description": "description",
        "Status": "status",
        "Priority": "priority",
        "Channel": "channel",
        "Category": "category",
        "Requester email": "requester_email",
        "Assigned to": "assignee",
        "Team": "team",
        "Opened at": "opened_at",
        "Tags": "tags",
    }


def test_preview_of_plain_utf8_with_commas_in_quotes(services: Services, tmp_path: Path) -> None:
    path = _write(tmp_path, 'subject,description\n"Wi-Fi, 3rd floor","slow; drops"\n')
    preview = services.ticket_io.read_csv(path)
    assert (preview.encoding, preview.delimiter) == ("utf-8", ",")
    assert preview.sample_rows == [["Wi-Fi, 3rd floor", "slow; drops"]]


def test_preview_reports_bad_encoding_with_the_line(services: Services, tmp_path: Path) -> None:
    data = b"subject\nfine row\ncaf\xe9 in Latin-1\nanother fine row\n"
    preview = services.ticket_io.read_csv(_write(tmp_path, data))
    assert [p.line for p in preview.problems] == [3]
    assert "not UTF-8" in preview.problems[0].reason
    assert preview.row_count == 3


def test_suggested_mapping_takes_the_first_column_per_field() -> None:
    assert suggest_mapping(["Subject", "Title", "E-mail", "unknown"]) == {
        "Subject": "subject",
        "E-mail": "requester_email",
    }


def test_dates_are_iso_or_local_day_and_time() -> None:
    assert parse_when("2024-03-31T14:05:00Z") == datetime(2024, 3, 31, 14, 5, tzinfo=UTC)
    assert parse_when("2024-03-31T16:05+02:00") == datetime(2024, 3, 31, 14, 5, tzinfo=UTC)
    local = datetime(2024, 3, 31, 14, 5).astimezone()
    assert parse_when("2024-03-31 14:05") == local.astimezone(UTC)
    with pytest.raises(ValueError, match="isoformat"):
        parse_when("31/03/2024")


# --- importing -----------------------------------------------------------------------------


def test_import_creates_every_ticket_with_its_fields(
    any_services: Services, tmp_path: Path
) -> None:
    ids = _people(any_services)
    path = _write(
        tmp_path,
        HEADER + "\n"
        ",Printer jams,Paper jam daily,new,High,phone,Printing,rita@example.org,"
        'tina,field service,2024-03-01T09:30:00Z,"paper, Floor-2"\n'
        ",Disk full on FS01,,,urgent,Monitoring alert,,,,,,\n"
        ",VPN drops,,,,,,,Tina Tech,,,\n",
    )
    before = _count(any_services)
    report = any_services.ticket_io.import_csv(
        path, suggest_mapping(HEADER.split(",")), dry_run=False
    )
    assert report.problems == []
    assert report.ok_rows == 3
    assert len(report.created) == 3
    assert _count(any_services) == before + 3

    tickets = any_services.tickets
    old = tickets.get(any_services.ticket_io.ticket_id(report.created[0]))
    assert old.subject == "Printer jams"
    assert old.description == "Paper jam daily"
    assert old.status is TicketStatus.NEW
    assert old.priority is Priority.HIGH
    assert old.channel is Channel.PHONE
    assert old.category == "Printing"
    assert old.requester_id == ids["contact"]
    assert old.assignee_id == ids["tech"]
    assert old.team_id == ids["team"]
    assert old.opened_at == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert set(old.tags) == {"paper", "floor-2"}

    alert = tickets.get(any_services.ticket_io.ticket_id(report.created[1]))
    assert (alert.priority, alert.channel) == (Priority.URGENT, Channel.MONITORING)
    assert alert.number.startswith(any_services.db.device_prefix + "-")
    vpn = tickets.get(any_services.ticket_io.ticket_id(report.created[2]))
    assert vpn.assignee_id == ids["tech"]  # found by full name too
    assert vpn.status is TicketStatus.NEW


def test_dry_run_checks_everything_and_writes_nothing(services: Services, tmp_path: Path) -> None:
    path = _write(tmp_path, "Subject,Priority\nOne,low\nTwo,high\n")
    before = _count(services)
    report = services.ticket_io.import_csv(
        path, {"Subject": "subject", "Priority": "priority"}, True
    )
    assert (report.ok_rows, report.problems, report.created) == (2, [], [])
    assert report.dry_run
    assert _count(services) == before


def test_every_bad_row_is_listed_and_nothing_is_imported(
    any_services: Services, tmp_path: Path
) -> None:
    _people(any_services)
    existing, _ = any_services.tickets.create("Already here")
    taken = any_services.tickets.get(existing).number
    rows = [
        "A-1,Good row,,,,,,,,,,",  # line 2
        "A-2,   ,,,,,,,,,,",  # 3: empty subject
        "A-3,Bad priority,,,critical,,,,,,,",  # 4
        "A-4,Bad status,,done,,,,,,,,",  # 5
        "A-5,Bad channel,,,,fax,,,,,,",  # 6
        "A-6,Bad assignee,,,,,,,nobody,,,",  # 7
        "A-7,Bad team,,,,,,,,Nowhere,,",  # 8
        "A-8,Bad date,,,,,,,,,31/02/2024,",  # 9
        "A-1,Same number as line 2,,,,,,,,,,",  # 10
        f"{taken},Number in the database,,,,,,,,,,",  # 11
        "A-11,Unknown requester,,,,,,ghost@example.org,,,,",  # 12
        "A-12,Trainer cannot take tickets,,,,,,,trev,,,",  # 13
        "A-13,Too many cells,,,,,,,,,,,extra",  # 14
        "A-14,Future,,,,,,,,,2999-01-01,",  # 15
        "A-15,Another good row,,,,,,,,,,",  # 16
    ]
    path = _write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    before = _count(any_services)
    numbers_before = _all_numbers(any_services)
    report = any_services.ticket_io.import_csv(path, suggest_mapping(HEADER.split(",")))
    by_line = {p.line: p.reason for p in report.problems}
    assert sorted(by_line) == list(range(3, 16)), report.problems
    assert "subject is empty" in by_line[3]
    assert "unknown priority 'critical'" in by_line[4]
    assert "unknown status 'done'" in by_line[5]
    assert "unknown channel 'fax'" in by_line[6]
    assert "'nobody'" in by_line[7]
    assert "no team is named 'Nowhere'" in by_line[8]
    assert "'31/02/2024' is not a date" in by_line[9]
    assert "also on line 2" in by_line[10]
    assert f"ticket {taken} already exists" in by_line[11]
    assert "ghost@example.org" in by_line[12]
    assert "'trev'" in by_line[13]
    assert "13 cells but the header has 12" in by_line[14]
    assert "in the future" in by_line[15]
    assert report.ok_rows == 2
    assert report.created == []
    assert _count(any_services) == before
    assert _all_numbers(any_services) == numbers_before


def test_malformed_encoding_is_a_row_problem_not_a_crash(
    any_services: Services, tmp_path: Path
) -> None:
    data = (
        b"Subject,Description\n"
        b"Fine,first\n"
        b"Caf\xe9 machine,Windows-1252 text\n"
        b'"Multi\nline",fine\n'
        b"Bad \xff\xfe bytes,again\n"
    )
    before = _count(any_services)
    report = any_services.ticket_io.import_csv(
        _write(tmp_path, data), {"Subject": "subject", "Description": "description"}
    )
    assert [p.line for p in report.problems] == [3, 6]
    assert all("not UTF-8" in p.reason for p in report.problems)
    assert report.ok_rows == 2  # lines 2 and 4–5 (a quoted line break) are fine
    assert report.created == []
    assert _count(any_services) == before


def test_utf16_with_bom_imports(services: Services, tmp_path: Path) -> None:
    path = _write(tmp_path, "Subject\tPriority\r\nÜberhitzung\tHigh\r\n".encode("utf-16"))
    report = services.ticket_io.import_csv(path, {"Subject": "subject", "Priority": "priority"})
    assert report.problems == []
    detail = services.tickets.get(services.ticket_io.ticket_id(report.created[0]))
    assert (detail.subject, detail.priority) == ("Überhitzung", Priority.HIGH)


def test_missing_subject_column_is_one_clear_problem(
    any_services: Services, tmp_path: Path
) -> None:
    path = _write(tmp_path, "Priority,Channel\nhigh,phone\nlow,email\n")
    before = _count(any_services)
    report = any_services.ticket_io.import_csv(path, {"Priority": "priority"})
    assert len(report.problems) == 1
    assert report.problems[0].line == 1
    assert "No column holds the subject" in report.problems[0].reason
    assert "Priority, Channel" in report.problems[0].reason
    assert _count(any_services) == before


def test_mapping_mistakes_are_reported(services: Services, tmp_path: Path) -> None:
    path = _write(tmp_path, "Headline,Title\nOne,Two\n")
    report = services.ticket_io.import_csv(
        path, {"Headline": "subject", "Title": "subject", "Nope": "category", "X": "colour"}
    )
    reasons = " | ".join(p.reason for p in report.problems)
    assert "Two columns are mapped to subject" in reasons
    assert "no column named 'Nope'" in reasons
    assert "'colour' is not a ticket field" in reasons
    assert report.created == []
    # The right mapping imports the same file.
    ok = services.ticket_io.import_csv(path, {"Headline": "subject", "Title": "description"})
    assert len(ok.created) == 1
    assert services.tickets.get(services.ticket_io.ticket_id(ok.created[0])).description == "Two"


def test_empty_and_header_only_files(services: Services, tmp_path: Path) -> None:
    empty = services.ticket_io.import_csv(_write(tmp_path, "", "empty.csv"), {})
    assert empty.problems == [RowProblem(0, "The file is empty.")]
    header_only = services.ticket_io.import_csv(
        _write(tmp_path, "Subject\n\n", "h.csv"), {"Subject": "subject"}
    )
    assert [p.reason for p in header_only.problems] == [
        "The file has a header line but no tickets."
    ]


def test_missing_file_is_a_clear_error(services: Services, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="There is no file at"):
        services.ticket_io.read_csv(tmp_path / "nope.csv")


def test_technician_may_only_import_tickets_for_themselves(
    db: Database, services: Services, tmp_path: Path
) -> None:
    ids = _people(services)
    services.people.create_person(
        username="otto",
        full_name="Otto Other",
        email="otto@desk.example",
        password=PASSWORD,
        roles=frozenset({Role.TECHNICIAN}),
    )
    tina = Services(db, AuthService(db).sign_in("tina", PASSWORD))
    path = _write(tmp_path, "Subject,Assignee\nMine,tina\nTheirs,otto\n")
    report = tina.ticket_io.import_csv(path, {"Subject": "subject", "Assignee": "assignee"})
    assert [p.line for p in report.problems] == [3]
    assert "only to yourself" in report.problems[0].reason
    assert tina.ticket_io.user_id("tina") == ids["tech"]

    trainer = Services(db, AuthService(db).sign_in("trev", PASSWORD))
    with pytest.raises(PermissionDeniedError):
        trainer.ticket_io.import_csv(path, {"Subject": "subject"})


def test_a_failure_while_writing_rolls_back_every_row(
    any_services: Services, tmp_path: Path
) -> None:
    """All or nothing even when the database refuses the third ticket mid-way."""
    db = any_services.db
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON tickets "
                "WHEN NEW.subject = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN IF NEW.subject = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON tickets "
                "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
            )
    path = _write(tmp_path, "Subject\none\ntwo\nboom\nfour\n")
    before = _count(any_services)
    assert any_services.ticket_io.import_csv(path, {"Subject": "subject"}, True).problems == []
    with pytest.raises(Exception, match="refused"):
        any_services.ticket_io.import_csv(path, {"Subject": "subject"})
    assert _count(any_services) == before
    assert any_services.tickets.list_page(TicketFilter(text="one")) == []


def test_historical_number_and_status_are_kept(any_services: Services, tmp_path: Path) -> None:
    path = _write(tmp_path, "Number,Subject,Status\nold-7,Printer jams,resolved\n,New one,\n")
    report = any_services.ticket_io.import_csv(
        path, {"Number": "number", "Subject": "subject", "Status": "status"}
    )
    assert report.problems == []
    assert report.created[0] == "OLD-7"  # kept (in the upper case numbers are found in)
    detail = any_services.tickets.get(any_services.ticket_io.ticket_id("old-7"))
    assert (detail.subject, detail.status) == ("Printer jams", TicketStatus.RESOLVED)
    assert report.created[1].startswith(any_services.db.device_prefix + "-")


# --- exporting -----------------------------------------------------------------------------


def _read_export(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_export_writes_the_view_with_titles_and_safe_cells(
    any_services: Services, tmp_path: Path
) -> None:
    tickets = any_services.tickets
    a, _ = tickets.create('=HYPERLINK("http://evil")', priority=Priority.HIGH)
    b, _ = tickets.create("Café keyboard", category="Hardware")
    c, _ = tickets.create("Resolved one")
    tickets.change_status(c, TicketStatus.RESOLVED)
    path = tmp_path / "view.csv"
    count = any_services.ticket_io.export_csv(
        TicketFilter(active_only=True), path, ["number", "subject", "priority", "category"]
    )
    assert count == 2
    rows = _read_export(path)
    assert rows[0] == ["Number", "Subject", "Priority", "Category"]
    by_number = {r[0]: r for r in rows[1:]}
    assert set(by_number) == {tickets.get(a).number, tickets.get(b).number}
    assert by_number[tickets.get(a).number][1] == '\'=HYPERLINK("http://evil")'
    assert by_number[tickets.get(b).number][1:] == ["Café keyboard", "Normal", "Hardware"]


def test_export_pages_through_every_ticket(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ticket_io_service, "EXPORT_PAGE", 2)
    numbers = {services.tickets.get(services.tickets.create(f"T{i}")[0]).number for i in range(5)}
    path = tmp_path / "all.csv"
    written: list[int] = []
    result = services.ticket_io.export_csv(TicketFilter(), path, None, progress=written.append)
    assert result == 5
    assert isinstance(result, int)
    assert (result.rows, result.capped, result.note) == (5, False, "")
    assert f"{result} tickets" == "5 tickets"  # callers that only count keep working
    assert written == [2, 4, 5]  # fetched and written a batch at a time
    rows = _read_export(path)
    assert rows[0][:2] == ["Number", "Subject"]
    assert [r[0] for r in rows[1:]] == sorted(
        numbers, key=lambda n: int(n.split("-")[1])
    )  # oldest first
    assert not list(tmp_path.glob(".*.part"))


def test_export_refuses_unknown_columns_and_missing_folders(
    services: Services, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="Cannot export the column 'colour'"):
        services.ticket_io.export_csv(TicketFilter(), tmp_path / "x.csv", ["number", "colour"])
    with pytest.raises(ValidationError, match="does not exist"):
        services.ticket_io.export_csv(TicketFilter(), tmp_path / "no" / "x.csv", None)
    assert not (tmp_path / "x.csv").exists()


def test_export_then_import_round_trip(services: Services, tmp_path: Path) -> None:
    _people(services)
    first, _ = services.tickets.create(
        "Round trip", priority=Priority.URGENT, channel=Channel.WALK_IN, category="Desk"
    )
    services.tickets.assign(first, services.ticket_io.user_id("tina"), None)
    path = tmp_path / "out.csv"
    services.ticket_io.export_csv(TicketFilter(), path, None)
    preview = services.ticket_io.read_csv(path)
    assert preview.suggested_mapping["Number"] == "number"
    # Same database: every number is taken, so the file is refused as it is…
    refused = services.ticket_io.import_csv(path, preview.suggested_mapping)
    assert [p.line for p in refused.problems] == [2]
    assert "already exists" in refused.problems[0].reason
    # …and imports as new tickets once the number column is left out.
    mapping = {**preview.suggested_mapping, "Number": ""}
    report = services.ticket_io.import_csv(path, mapping)
    assert report.problems == []
    copy = services.tickets.get(services.ticket_io.ticket_id(report.created[0]))
    original = services.tickets.get(first)
    assert (copy.subject, copy.priority, copy.channel, copy.category, copy.assignee_id) == (
        original.subject,
        original.priority,
        original.channel,
        original.category,
        original.assignee_id,
    )
    assert abs((copy.opened_at - original.opened_at).total_seconds()) < 60


def test_lookups_for_the_command_line(services: Services) -> None:
    ids = _people(services)
    io = services.ticket_io
    assert io.user_id("TINA") == ids["tech"]
    assert io.team_id("field service") == ids["team"]
    assert io.requester_id("rita@example.org") == ids["contact"]
    with pytest.raises(ValidationError, match="No technician"):
        io.user_id("trev")
    with pytest.raises(ValidationError, match="No team"):
        io.team_id("Moon base")
    with pytest.raises(ValidationError, match="No requester"):
        io.requester_id("nobody@example.org")
    with pytest.raises(NotFoundError, match="no ticket numbered 'ZZZ-9'"):
        io.ticket_id("ZZZ-9")


# --- export: one snapshot, streamed ----------------------------------------------------------


def test_export_is_one_snapshot_while_tickets_change(
    any_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Others edit tickets (moving them to the top of the "updated" order) and add one while
    the export runs: every ticket is written exactly once, as it stood when it began."""
    total, batch = 1500, 150
    created = any_services.tickets.create_many(
        [TicketDraft(subject=f"Snapshot {i}") for i in range(total)]
    )
    numbers = [number for _, number in created]
    # A colleague's desktop (or the sync thread): its own services, its own sessions.
    other = Services(any_services.db, AuthService(any_services.db).principal_for("admin"))
    in_order = [
        r.id
        for r in any_services.ticket_io.iter_rows(
            TicketFilter(), sort_key="updated", descending=True
        )
    ]
    moved = in_order[-300:]  # not yet exported after the first batch
    monkeypatch.setattr(ticket_io_service, "EXPORT_PAGE", batch)
    progress: list[int] = []

    def meanwhile(written: int) -> None:
        progress.append(written)
        if written == batch:
            result = other.tickets.bulk_update(moved, priority=Priority.HIGH)
            assert len(result.changed) == len(moved)
            other.tickets.create("Added during the export")
        elif written == 3 * batch:
            other.tickets.bulk_update(in_order[-600:-300], status=TicketStatus.PENDING)

    path = tmp_path / "snapshot.csv"
    result = any_services.ticket_io.export_csv(
        TicketFilter(),
        path,
        ["number", "priority", "status"],
        sort_key="updated",
        descending=True,
        progress=meanwhile,
    )
    assert result == total
    assert progress == list(range(batch, total + 1, batch))
    rows = _read_export(path)[1:]
    exported = [r[0] for r in rows]
    assert len(exported) == len(set(exported)) == total  # none twice
    assert set(exported) == set(numbers)  # none skipped, none added
    assert {(r[1], r[2]) for r in rows} == {("Normal", "New")}  # as it stood at the start
    # The edits were saved meanwhile all the same.
    assert other.tickets.count(TicketFilter(priorities=frozenset({Priority.HIGH}))) == 300
    assert other.tickets.count(TicketFilter()) == total + 1


def test_export_rows_are_streamed_not_listed(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ticket_io_service, "EXPORT_PAGE", 3)
    services.tickets.create_many([TicketDraft(subject=f"Row {i}") for i in range(7)])
    io = services.ticket_io
    rows = io.iter_rows(TicketFilter(), sort_key="opened_at")
    assert inspect.isgenerator(rows)  # nothing read until asked for
    batches = io._batches(TicketFilter(), "opened_at", False, ticket_io_service._ExportState())
    assert inspect.isgenerator(batches)
    assert [len(b) for b in batches] == [3, 3, 1]  # memory holds one batch
    assert [r.subject for r in rows] == [f"Row {i}" for i in range(7)]
    with pytest.raises(ValidationError, match="cannot be sorted by 'colour'"):
        list(io.iter_rows(TicketFilter(), sort_key="colour"))


def test_export_says_when_the_search_cap_leaves_tickets_out(
    any_services: Services, tmp_path: Path
) -> None:
    limit = tickets_repo.SEARCH_LIMIT
    any_services.tickets.create_many(
        [TicketDraft(subject=f"Printer jam {i}") for i in range(limit + 5)]
        + [TicketDraft(subject="Scanner offline"), TicketDraft(subject="Scanner slow")]
    )
    io = any_services.ticket_io
    capped = io.export_csv(TicketFilter(text="printer"), tmp_path / "printer.csv", None)
    assert capped.capped
    assert int(capped) == limit == len(_read_export(tmp_path / "printer.csv")) - 1
    assert f"more than the {limit:,} tickets" in capped.note
    assert io.export_is_capped(TicketFilter(text="printer"))

    whole = io.export_csv(TicketFilter(text="scanner"), tmp_path / "scanner.csv", None)
    assert (int(whole), whole.capped, whole.note) == (2, False, "")
    assert not io.export_is_capped(TicketFilter(text="scanner"))
    assert not io.export_is_capped(TicketFilter())
    nothing = io.export_csv(TicketFilter(text="zebra"), tmp_path / "none.csv", None)
    assert (int(nothing), nothing.capped) == (0, False)
    assert len(_read_export(tmp_path / "none.csv")) == 1  # the title row only


# --- requesters by exact email ---------------------------------------------------------------


def test_requester_found_among_many_similar_emails(any_services: Services, tmp_path: Path) -> None:
    """60 requesters whose emails contain the wanted one and sort before it by name."""
    with any_services.db.session() as s:
        s.add_all(
            Contact(full_name=f"Aaron {i:02}", email=f"{i:02}a@example.org") for i in range(60)
        )
        wanted = Contact(full_name="Zed Zulu", email="A@Example.org")
        gone = Contact(full_name="Abel Gone", email="b@example.org")
        s.add_all([wanted, gone])
        s.flush()
        wanted_id = wanted.id
        gone.deleted_at = datetime.now(UTC)
    io = any_services.ticket_io
    assert io.requester_id(" a@EXAMPLE.org ") == wanted_id
    assert io.requester_id("07a@example.org") != wanted_id
    with pytest.raises(ValidationError, match=r"No requester has the email 'b@example\.org'"):
        io.requester_id("b@example.org")
    with pytest.raises(ValidationError, match="No requester"):
        io.requester_id("example.org")  # a part of an email is not an email
    path = _write(tmp_path, "Subject,Email\nPaper,a@example.org\nToner,59a@example.org\n")
    report = io.import_csv(path, {"Subject": "subject", "Email": "requester_email"})
    assert report.problems == []
    first = any_services.tickets.get(io.ticket_id(report.created[0]))
    second = any_services.tickets.get(io.ticket_id(report.created[1]))
    assert (first.requester_id, first.requester_name) == (wanted_id, "Zed Zulu")
    assert second.requester_name == "Aaron 59"


# --- changing a ticket from the command line ---------------------------------------------------


def _new(services: Services, subject: str) -> tuple[uuid.UUID, str]:
    ticket_id, _ = services.tickets.create(subject)
    return ticket_id, services.tickets.get(ticket_id).number


def _events(services: Services, number: str) -> list[str]:
    detail = services.tickets.get(services.ticket_io.ticket_id(number))
    return [str(e.kind) for e in detail.events]


def test_update_checks_everything_before_saving(services: Services) -> None:
    ids = _people(services)
    tickets, io = services.tickets, services.ticket_io
    ticket_id, number = _new(services, "Mail bounces")
    tickets.change_status(ticket_id, TicketStatus.RESOLVED)
    before = _events(services, number)
    with pytest.raises(ValidationError) as refused:
        io.update(number, reply="Any news?", status=TicketStatus.PENDING, priority=Priority.HIGH)
    message = str(refused.value)
    assert "cannot go from resolved to waiting" in message.lower()
    assert message.endswith(f"Nothing was changed on {number}.")
    assert "\n" not in message
    assert _events(services, number) == before  # no reply, no priority
    assert tickets.get(ticket_id).priority is Priority.NORMAL

    with pytest.raises(ValidationError, match="'trev'"):  # a trainer takes no tickets
        io.update(number, assignee="trev", note="for Trev")
    assert _events(services, number) == before

    tickets.change_status(ticket_id, TicketStatus.CLOSED)
    closed = _events(services, number)
    with pytest.raises(ValidationError, match="A closed ticket cannot change"):
        io.update(number, note="late note")
    assert _events(services, number) == closed

    # Allowed: reopen with a reply, everything saved in order.
    other_id, other = _new(services, "Printer")
    tickets.change_status(other_id, TicketStatus.RESOLVED)
    done = io.update(
        other, assignee="tina", priority=Priority.HIGH, reply="Reopening", status=TicketStatus.OPEN
    )
    assert done.done == ["assignee", "priority", "reply", "status"]
    detail = tickets.get(other_id)
    assert (detail.status, detail.priority, detail.assignee_id) == (
        TicketStatus.OPEN,
        Priority.HIGH,
        ids["tech"],
    )
    # A public reply opens a new ticket: "--status open" then has nothing left to do, and
    # "--status new" is refused before the reply is sent.
    _, fresh = _new(services, "New one")
    assert io.update(fresh, reply="Hello", status=TicketStatus.OPEN).done == ["reply"]
    new2_id, fresh2 = _new(services, "New two")
    with pytest.raises(ValidationError, match="from open to new"):
        io.update(fresh2, reply="Hello", status=TicketStatus.NEW)
    assert tickets.get(new2_id).first_responded_at is None
    with pytest.raises(ValidationError, match="empty"):
        io.update(fresh2, note="   ", priority=Priority.LOW)
    assert tickets.get(new2_id).priority is Priority.NORMAL


def test_update_names_what_was_saved_when_a_later_step_fails(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone changes the ticket between the checks and the last step."""
    ticket_id, number = _new(services, "Race")

    def changed_meanwhile(self: object, ticket_id: uuid.UUID, status: TicketStatus) -> None:
        raise ValidationError("A closed ticket cannot change; open a new ticket instead.")

    monkeypatch.setattr(ticket_io_service.TicketService, "change_status", changed_meanwhile)
    with pytest.raises(ValidationError) as failed:
        services.ticket_io.update(
            number, priority=Priority.HIGH, note="checking", status=TicketStatus.RESOLVED
        )
    assert str(failed.value) == (
        "A closed ticket cannot change; open a new ticket instead. "
        f"Already saved on {number}: priority, note; not saved: status."
    )
    assert services.tickets.get(ticket_id).priority is Priority.HIGH
