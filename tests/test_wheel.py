"""The installed wheel must carry the Alembic history and the resources inside the package."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH; the wheel is built with `uv build`")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("supportdesk-*.whl")
    return built


def test_wheel_contains_migrations_and_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "app/migrations/env.py" in names
    versions = set((ROOT / "migrations" / "versions").glob("0*.py"))
    for version in versions:
        assert f"app/migrations/versions/{version.name}" in names
    assert "app/resources/icons/app.svg" in names
    assert "app/resources/style.qss" in names


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
    text = archive.read(entry_points).decode()
    assert "supportdesk = app.cli:main" in text


def test_packaged_paths_are_found_inside_the_package(wheel: Path, tmp_path: Path) -> None:
    """Unpacked like site-packages, app.paths must find migrations/resources in the package."""
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = "import app.paths as p; print(p.migrations_dir()); print(p.resources_dir())"
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    migrations, resources = result.stdout.split()
    assert Path(migrations) == tmp_path / "app" / "migrations"
    assert Path(resources) == tmp_path / "app" / "resources"
