"""Layer rules: import-linter's contracts (pyproject.toml) hold, plus the modules they miss."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"

CONTRACTS = [
    "Layers: ui -> services -> data -> domain",
    "The core imports no Qt",
    "SQLAlchemy and Alembic stay in the data layer",
    "Only app.secrets imports keyring",
    "The UI and the CLI reach data only through services",
]


def _lint_imports() -> Path:
    # The console script of import-linter, installed beside this interpreter by uv.
    script = Path(sys.executable).with_name("lint-imports")
    if sys.platform == "win32":  # pragma: no cover
        script = script.with_suffix(".exe")
    return script


def test_import_linter_contracts_are_kept() -> None:
    script = _lint_imports()
    assert script.exists(), f"import-linter is not installed: {script}"
    result = subprocess.run(
        [str(script), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    # Every contract was read and checked (an empty config would also "pass").
    for name in CONTRACTS:
        assert f"{name} KEPT" in report, report
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in report


def _imports(path: Path) -> set[str]:
    """Top-level packages a module imports, at any depth of the file (lazy imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules() -> list[Path]:
    return sorted(APP.rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "allowed"),
    [
        ("sqlalchemy", ("app/data/",)),
        ("alembic", ("app/data/",)),
        ("keyring", ("app/secrets.py",)),
        ("PySide6", ("app/ui/",)),
        ("matplotlib", ("app/ui/",)),
    ],
)
def test_third_party_imports_stay_in_their_layer(package: str, allowed: tuple[str, ...]) -> None:
    # Also covers app/__init__, app/errors, app/paths and app/secrets, which no contract names.
    offenders = [
        str(path.relative_to(ROOT))
        for path in _modules()
        if package in _imports(path)
        and not str(path.relative_to(ROOT).as_posix()).startswith(allowed)
    ]
    assert offenders == []


def test_domain_is_plain_python() -> None:
    allowed = {"app", "__future__", "uuid_utils"} | set(sys.stdlib_module_names)
    for path in sorted((APP / "domain").rglob("*.py")):
        assert _imports(path) <= allowed, path
