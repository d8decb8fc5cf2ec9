"""Render every pane on a database to PNG files, offscreen (`supportdesk screenshots DIR`)."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QApplication, QTableView, QWidget

from app.services import demo_service
from app.services.people_service import AuthService
from app.services.registry import Services
from app.services.storage import open_database
from app.ui.application import create_application


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _select_first_row(pane: QWidget) -> None:
    """Show a record's detail, as a person would after opening the pane."""
    for view in pane.findChildren(QTableView):
        model = view.model()
        if view.isVisible() and model is not None and model.rowCount() > 0:
            if not view.selectionModel().hasSelection():
                view.selectRow(0)
            return


def render_screenshots(url: str, directory: Path, size: tuple[int, int]) -> list[Path]:
    from app.ui.main_window import MainWindow

    create_application([])
    directory.mkdir(parents=True, exist_ok=True)
    db, _ = open_database(url)
    try:
        principal = AuthService(db).principal_for(demo_service.DEMO_ADMIN)
        window = MainWindow(Services(db, principal))
        window.resize(*size)
        window.show()
        files = []
        for number, pane in enumerate(window.panes, start=1):
            window.show_pane(type(pane))
            window.settle()
            _select_first_row(pane)
            window.settle()
            QApplication.processEvents()
            path = directory / f"{number}-{_slug(pane.title)}.png"
            if not window.grab().save(str(path), "PNG"):
                raise OSError(f"could not write {path}")
            files.append(path)
        window.close()
        window.deleteLater()
        QApplication.processEvents()
        return files
    finally:
        db.dispose()
