"""Bundled SVG icons, tinted to the palette so they work in light and dark schemes."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from app.paths import icon_path


def _text_colour() -> str:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app.palette().color(QPalette.ColorRole.WindowText).name()
    return "#333333"


@cache
def _render(name: str, colour: str, size: int) -> QPixmap:
    path = icon_path(name)
    data = path.read_text(encoding="utf-8") if path.exists() else ""
    data = data.replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(data.encode("utf-8")))
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(Qt.GlobalColor.transparent)
    if renderer.isValid():
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
    return pixmap


def icon(name: str, colour: str | QColor | None = None) -> QIcon:
    """An icon from resources/icons/<name>.svg; `currentColor` strokes take `colour`."""
    tint = colour.name() if isinstance(colour, QColor) else (colour or _text_colour())
    result = QIcon()
    for size in (16, 24, 32, 48):
        result.addPixmap(_render(name, tint, size))
    return result


def clear_cache() -> None:
    """Forget rendered icons (the colour scheme changed)."""
    _render.cache_clear()
