"""Where SupportDesk keeps files, and where its bundled resources live.

Works from a source checkout, an installed wheel (resources inside the package) and a
PyInstaller bundle (`sys._MEIPASS`).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "SupportDesk"
ORG_NAME = "SupportDesk"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """Per-user data folder; `SUPPORTDESK_HOME` overrides it (tests, portable installs)."""
    override = os.environ.get("SUPPORTDESK_HOME")
    path = Path(override) / "data" if override else Path(_dirs().user_data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / "supportdesk.db"


def demo_database_path() -> Path:
    return data_dir() / "demo.db"


def _bundled(name: str) -> Path:
    # Installed wheel / frozen app: inside the package. Source checkout: beside app/.
    inside = _PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent / name


def migrations_dir() -> Path:
    return _bundled("migrations")


def resources_dir() -> Path:
    return _bundled("resources")


def icon_path(name: str) -> Path:
    return resources_dir() / "icons" / f"{name}.svg"
