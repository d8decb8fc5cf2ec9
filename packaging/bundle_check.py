"""Checks that a frozen SupportDesk carries what PyInstaller hooks tend to lose.

Run inside the bundle: ``SUPPORTDESK_BUNDLE_CHECK=1 dist/supportdesk/supportdesk`` (see
entry.py). Also runs unfrozen (``uv run python packaging/bundle_check.py``), which checks the
checker. Prints one line per check and exits 1 if any failed.
"""

from __future__ import annotations

import io
import os
import sys
import traceback
from collections.abc import Callable

NATIVE_KEYRING = {
    "linux": "keyring.backends.SecretService",
    "win32": "keyring.backends.Windows",
    "darwin": "keyring.backends.macOS",
}


def check_migrations() -> str:
    from app.data.migrate import head_revision, known_revisions
    from app.paths import migrations_dir

    folder = migrations_dir()
    # Alembic loads env.py and versions/*.py as files: they must be source, not only in the PYZ.
    assert (folder / "env.py").is_file(), f"no env.py in {folder}"
    versions = sorted(p.name for p in (folder / "versions").glob("*.py"))
    assert versions, f"no versions/*.py in {folder}"
    revisions = len(known_revisions())
    return f"{folder} ({len(versions)} files, {revisions} revisions, head {head_revision()})"


def check_resources() -> str:
    from app.paths import icon_path, resources_dir

    assert icon_path("app").is_file(), f"no app.svg in {resources_dir()}"
    assert (resources_dir() / "style.qss").is_file(), "no style.qss"
    return str(resources_dir())


def check_keyring() -> str:
    from importlib import metadata

    import keyring
    from keyring.backend import KeyringBackend, get_all_keyring

    # Without keyring's dist-info the entry points vanish and only the fail backend remains.
    names = {ep.name for ep in metadata.entry_points(group="keyring.backends")}
    assert {"SecretService", "Windows", "macOS"} <= names, f"entry points: {sorted(names)}"
    get_all_keyring()  # loads the plugins, registering every backend class
    modules = {cls.__module__ for cls in KeyringBackend._classes}
    native = NATIVE_KEYRING.get(sys.platform)
    assert native is None or native in modules, f"{native} not loaded: {sorted(modules)}"
    in_use = type(keyring.get_keyring())
    return f"backends {sorted(names)}; in use here: {in_use.__module__}.{in_use.__name__}"


def check_postgres_driver() -> str:
    import psycopg
    from sqlalchemy import create_engine

    # The wheel-shipped libpq ("binary"); "python" would need a system libpq on the user's PC.
    assert psycopg.pq.__impl__ == "binary", f"psycopg implementation {psycopg.pq.__impl__}"
    engine = create_engine("postgresql+psycopg://user@127.0.0.1:1/none")  # no connection made
    assert engine.dialect.driver == "psycopg"
    return f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}, libpq {psycopg.pq.version()})"


def check_sqlite() -> str:
    import sqlite3

    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x)")  # migration 0002 needs FTS5
    finally:
        con.close()
    return f"SQLite {sqlite3.sqlite_version} with FTS5"


def check_matplotlib() -> str:
    import matplotlib
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg  # noqa: F401
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().plot([1, 2, 3])
    for fmt in ("svg", "pdf", "png"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
        assert buf.tell() > 0, fmt
    return f"matplotlib {matplotlib.__version__}: QtAgg, svg, pdf, png"


def check_qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import __version__ as pyside_version
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import QApplication

    from app.paths import icon_path

    QApplication.instance() or QApplication([sys.argv[0]])
    assert QSvgRenderer(str(icon_path("app"))).isValid(), "QSvgRenderer cannot read app.svg"
    return f"PySide6 {pyside_version}, platform {QApplication.platformName()}"


def check_small_libraries() -> str:
    import zoneinfo
    from importlib.resources import files

    import argon2
    import platformdirs
    import uuid_utils

    hasher = argon2.PasswordHasher()
    assert hasher.verify(hasher.hash("check"), "check")
    assert uuid_utils.uuid7().version == 7
    # Windows has no system tz database: zoneinfo then reads the tzdata package.
    assert files("tzdata.zoneinfo").joinpath("Europe", "London").is_file(), "tzdata files"
    zoneinfo.ZoneInfo("Europe/London")
    return f"argon2, uuid_utils, tzdata, zoneinfo, platformdirs {platformdirs.__version__}"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("migrations", check_migrations),
    ("resources", check_resources),
    ("keyring", check_keyring),
    ("postgresql driver", check_postgres_driver),
    ("sqlite", check_sqlite),
    ("matplotlib", check_matplotlib),
    ("qt", check_qt),
    ("libraries", check_small_libraries),
]


def main() -> int:
    failed = 0
    frozen = "frozen" if getattr(sys, "frozen", False) else "not frozen"
    print(f"SupportDesk bundle check ({frozen}, {sys.platform})")
    for name, check in CHECKS:
        try:
            print(f"ok    {name}: {check()}")
        except Exception as exc:
            failed += 1
            print(f"FAIL  {name}: {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
    print("all checks passed" if not failed else f"{failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    raise SystemExit(main())
