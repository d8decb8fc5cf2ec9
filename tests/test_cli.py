"""The `supportdesk db …` commands, called in-process, plus one run of the real entry point."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.cli import main
from app.data import migrate
from app.data.database import Database, sqlite_url


@pytest.fixture
def url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "desk.db")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_db_check_reports_agreement(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "db", "check")
    assert code == 0
    assert out.strip() == "Models and migrations agree."
    assert err == ""


def test_db_current_on_a_fresh_file(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, _ = run(capsys, "--database-url", url, "db", "current")
    assert code == 0
    assert out.strip() == f"(empty database) (app expects {migrate.head_revision()})"


def test_db_current_does_not_create_a_missing_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "dbs"
    folder.mkdir()
    code, out, _ = run(capsys, "--database-url", sqlite_url(folder / "missing.db"), "db", "current")
    assert code == 0
    assert out.startswith("(empty database)")
    assert list(folder.iterdir()) == []


def test_db_backup_of_a_missing_file_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "dbs"
    folder.mkdir()
    url = sqlite_url(folder / "missing.db")
    code, out, err = run(capsys, "--database-url", url, "db", "backup", "--to", str(folder / "b"))
    assert code == 1
    assert out == ""
    assert err.startswith("supportdesk: There is no database file at")
    assert err.count("\n") == 1
    assert list(folder.iterdir()) == []


def test_db_upgrade_twice(capsys: pytest.CaptureFixture[str], url: str) -> None:
    head = migrate.head_revision()
    code, out, _ = run(capsys, "--database-url", url, "db", "upgrade")
    assert code == 0
    assert out.strip() == f"Upgraded (empty) → {head}."
    code, out, _ = run(capsys, "--database-url", url, "db", "upgrade")
    assert code == 0
    assert out.strip() == f"Already at {head}."
    code, out, _ = run(capsys, "--database-url", url, "db", "current")
    assert out.strip() == f"{head} (up to date)"


def test_db_upgrade_of_an_old_database_reports_the_backup(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    from alembic import command

    db = Database(url)
    command.upgrade(migrate.alembic_config(db), "0001")
    db.dispose()
    code, out, _ = run(capsys, "--database-url", url, "db", "upgrade")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == f"Upgraded 0001 → {migrate.head_revision()}."
    assert lines[1].startswith("Backup: ")
    assert Path(lines[1].removeprefix("Backup: ")).is_file()


def test_db_backup_writes_a_readable_copy(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path
) -> None:
    assert run(capsys, "--database-url", url, "db", "upgrade")[0] == 0
    target_dir = tmp_path / "copies"
    code, out, _ = run(capsys, "--database-url", url, "db", "backup", "--to", str(target_dir))
    assert code == 0
    copy = Path(out.strip())
    assert copy.parent == target_dir
    assert copy.is_file()
    con = sqlite3.connect(copy)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (
            migrate.head_revision(),
        )
        assert con.execute("SELECT count(*) FROM device").fetchone() == (1,)
    finally:
        con.close()


def test_db_backup_defaults_to_the_backups_folder(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    from app.paths import backup_dir

    run(capsys, "--database-url", url, "db", "upgrade")
    code, out, _ = run(capsys, "--database-url", url, "db", "backup")
    assert code == 0
    assert Path(out.strip()).parent == backup_dir()


def test_unreachable_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Unreachable on purpose: the user learns what is wrong without a traceback.
    code, out, err = run(
        capsys, "--database-url", "postgresql://postgres@127.0.0.1:1/x", "db", "backup"
    )
    assert code == 1
    assert out == ""
    assert err.startswith("supportdesk: Cannot reach")
    assert err.count("\n") == 1


@pytest.mark.postgres
def test_db_backup_refuses_postgresql(capsys: pytest.CaptureFixture[str], pg_db: Database) -> None:
    url = pg_db.url.render_as_string(hide_password=False)
    code, out, err = run(capsys, "--database-url", url, "db", "backup")
    assert code == 1
    assert out == ""
    assert err.startswith("supportdesk: Only a SQLite database can be backed up")
    assert err.count("\n") == 1


def test_environment_variable_names_the_database(
    capsys: pytest.CaptureFixture[str], url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTDESK_DATABASE_URL", url)
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert out.startswith("Upgraded")
    assert Path(url.removeprefix("sqlite:///")).is_file()


@pytest.mark.parametrize("action", ["current", "upgrade", "backup", "check"])
@pytest.mark.parametrize("bad", ["not a url", "mysql://x/y"])
def test_malformed_url_is_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str], action: str, bad: str
) -> None:
    code, out, err = run(capsys, "--database-url", bad, "db", action)
    assert code != 0
    assert out == ""
    assert err.startswith("supportdesk: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_newer_schema_is_refused(capsys: pytest.CaptureFixture[str], url: str) -> None:
    run(capsys, "--database-url", url, "db", "upgrade")
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    for action in ("upgrade", "current"):
        code, _, err = run(capsys, "--database-url", url, "db", action)
        assert code == 1
        assert err.startswith("supportdesk: This database")
        assert "newer SupportDesk" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"supportdesk {__version__}"


def test_db_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["db"])
    assert info.value.code == 2
    assert "ACTION" in capsys.readouterr().err


def test_console_script_entry_point() -> None:
    # The script uv installed from [project.scripts], next to this interpreter.
    script = Path(sys.executable).with_name("supportdesk")
    if sys.platform == "win32":  # pragma: no cover
        script = script.with_suffix(".exe")
    assert script.exists(), f"console script missing: {script}"
    result = subprocess.run(
        [str(script), "db", "check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Models and migrations agree."
    bad = subprocess.run(
        [str(script), "--database-url", "not a url", "db", "current"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("supportdesk: ")
    assert bad.stderr.count("\n") == 1


def test_database_url_is_accepted_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "after.db"
    assert main(["db", "upgrade", "--database-url", f"sqlite:///{target.as_posix()}"]) == 0
    assert target.exists()
    assert "Upgraded" in capsys.readouterr().out
