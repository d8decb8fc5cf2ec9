"""Fast checks of packaging/: the PyInstaller spec, the Linux desktop files, the installers.

The frozen build itself is too slow for the test suite (about a minute);
`bash packaging/linux/build-linux.sh` builds it and runs the smoke test inside the bundle.
"""

from __future__ import annotations

import ast
import configparser
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from app import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "supportdesk.spec"
APP_ID = "org.supportdesk.SupportDesk"
DESKTOP = PACKAGING / "linux" / f"{APP_ID}.desktop"
METAINFO = PACKAGING / "linux" / f"{APP_ID}.metainfo.xml"


def _string_constants(tree: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _called_names(tree: ast.AST) -> set[str]:
    return {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


def test_spec_is_python_naming_the_entry_script_and_the_data_folders() -> None:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    strings = _string_constants(tree)
    assert "entry.py" in strings
    assert (PACKAGING / "entry.py").is_file()
    # app/paths.py finds these inside the package: the bundle must put them there.
    assert {"app/resources", "app/migrations", "app/migrations/versions"} <= strings
    assert {"resources", "migrations", "versions", "env.py"} <= strings
    # Keyring backends are found through entry points: the metadata must be copied.
    assert "keyring" in strings
    assert "copy_metadata" in _called_names(tree)


def test_spec_builds_onedir_not_onefile() -> None:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    exes = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "EXE"
    ]
    assert exes, "no EXE in the spec"
    for exe in exes:
        keywords = {k.arg: k.value for k in exe.keywords}
        value = keywords.get("exclude_binaries")
        assert isinstance(value, ast.Constant), "EXE must set exclude_binaries (onedir)"
        assert value.value is True, "EXE must be onedir"
    assert "COLLECT" in _called_names(tree)
    assert "BUNDLE" in _called_names(tree)  # the macOS .app


def test_spec_keeps_the_matplotlib_backends_and_per_os_settings() -> None:
    text = SPEC.read_text(encoding="utf-8")
    strings = _string_constants(ast.parse(text))
    assert {"QtAgg", "svg", "pdf"} <= strings
    assert {"NSHighResolutionCapable", "LSMinimumSystemVersion"} <= strings
    assert APP_ID in strings
    assert (PACKAGING / "windows" / "supportdesk.ico").is_file()
    assert (PACKAGING / "macos" / "supportdesk.icns").is_file()


def test_spec_evaluates_to_existing_data_files() -> None:
    """Run the spec with stand-ins for PyInstaller's build classes: every data source exists."""
    hooks = pytest.importorskip(
        "PyInstaller.utils.hooks", reason="PyInstaller is in the `packaging` dependency group"
    )
    del hooks
    captured: dict[str, Any] = {}

    def analysis(scripts: list[str], **kwargs: Any) -> Any:
        captured.update(kwargs, scripts=scripts)
        return type("A", (), {"pure": [], "scripts": [], "binaries": [], "datas": []})()

    def anything(*args: Any, **kwargs: Any) -> object:
        return object()

    namespace = {
        "SPECPATH": str(PACKAGING),
        "__file__": str(SPEC),
        "Analysis": analysis,
        **dict.fromkeys(("PYZ", "EXE", "COLLECT", "BUNDLE"), anything),
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    assert [Path(s).name for s in captured["scripts"]] == ["entry.py"]
    destinations = {dest for _, dest in captured["datas"]}
    assert {"app/resources", "app/migrations", "app/migrations/versions"} <= destinations
    for source, _ in captured["datas"]:
        assert Path(source).exists(), source
    shipped = {Path(s).name for s, d in captured["datas"] if d == "app/migrations/versions"}
    assert shipped == {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    hidden = set(captured["hiddenimports"])
    assert {"app.cli", "app.data.migrate", "alembic.op", "psycopg_binary.pq"} <= hidden
    assert "sqlalchemy.dialects.postgresql.psycopg" in hidden
    assert any(h.startswith("keyring.backends.") for h in hidden)


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_has_the_required_keys() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "SupportDesk"
    assert entry["Exec"] == "supportdesk"
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


def test_desktop_file_name_is_the_id_the_app_announces() -> None:
    # Wayland matches windows to the menu entry by this name (QGuiApplication.setDesktopFileName).
    application = (ROOT / "app" / "ui" / "application.py").read_text(encoding="utf-8")
    assert f'setDesktopFileName("{DESKTOP.stem}")' in application


def test_linux_icon_is_a_256_pixel_png() -> None:
    data = (PACKAGING / "linux" / f"{APP_ID}.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (256, 256)


def test_metainfo_parses_and_matches_the_desktop_file() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == DESKTOP.stem
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "supportdesk"
    assert root.findtext("metadata_license") == "CC0-1.0"


def test_metainfo_latest_release_is_the_app_version() -> None:
    releases = ET.parse(METAINFO).getroot().findall("releases/release")
    assert releases, "metainfo has no <release>"
    assert releases[0].get("version") == __version__  # newest first, as AppStream wants


def test_windows_installer_packs_the_onedir_output() -> None:
    iss = (PACKAGING / "windows" / "supportdesk.iss").read_text(encoding="utf-8")
    assert r"dist\supportdesk\*" in iss
    assert "PrivilegesRequired=lowest" in iss
    assert '#define AppExe "SupportDesk.exe"' in iss
    assert f'#define AppVersion "{__version__}"' in iss
    spec_strings = _string_constants(ast.parse(SPEC.read_text(encoding="utf-8")))
    assert {"SupportDesk", "supportdesk-cli"} <= spec_strings  # the exe names the .iss uses


def test_bundle_check_passes_unfrozen() -> None:
    """The checker that runs inside the frozen app works on the source checkout too."""
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "bundle_check.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout
