"""Render the application icon (resources/icons/app.svg) to the per-OS icon files.

Run from the repository root: ``uv run python packaging/make_icons.py``. Writes

- ``build/icons/supportdesk-<N>.png`` for N in 16…512 (scratch, build/ is git-ignored),
- ``packaging/linux/org.supportdesk.SupportDesk.png`` (256 px, committed: the .desktop icon),
- ``packaging/windows/supportdesk.ico`` (committed) when Pillow is installed,
- ``packaging/macos/supportdesk.icns`` when Pillow is installed (Pillow writes ICNS on every
  OS; ``iconutil`` on a Mac gives the same result from the PNGs).

The SVG strokes/fills use ``currentColor``; the app tints its window icon with the light-scheme
accent, so the files here use the same colour (`ACCENT` below, kept equal to app/ui/theme.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Offscreen: this runs on build machines and CI with no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "app.svg"
HERE = ROOT / "packaging"
ACCENT = "#2563eb"  # app/ui/theme.py ACCENT (light); the window icon uses it too
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
APP_ID = "org.supportdesk.SupportDesk"


def render(size: int) -> QImage:
    """The icon at `size` x `size` pixels, transparent outside the rounded square."""
    data = SVG.read_text(encoding="utf-8").replace("currentColor", ACCENT)
    renderer = QSvgRenderer(QByteArray(data.encode("utf-8")))
    if not renderer.isValid():
        raise SystemExit(f"cannot render {SVG}")
    image = QImage(QSize(size, size), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    scratch = ROOT / "build" / "icons"
    scratch.mkdir(parents=True, exist_ok=True)
    pngs: dict[int, Path] = {}
    for size in SIZES:
        path = scratch / f"supportdesk-{size}.png"
        if not render(size).save(str(path)):
            raise SystemExit(f"could not write {path}")
        pngs[size] = path
    linux = HERE / "linux" / f"{APP_ID}.png"
    render(256).save(str(linux))  # format from the suffix
    print(f"wrote {linux} and {len(pngs)} PNGs in {scratch}")

    try:
        from PIL import Image
    except ImportError:
        print(
            "Pillow is not installed: no .ico/.icns written. Install Pillow "
            "(`uv run --with pillow python packaging/make_icons.py`) or, on a Mac, build the "
            ".icns from the PNGs with iconutil (see packaging/README.md).",
            file=sys.stderr,
        )
        return 0
    big = Image.open(pngs[512])
    ico = HERE / "windows" / "supportdesk.ico"
    big.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES])
    icns = HERE / "macos" / "supportdesk.icns"
    big.save(icns, format="ICNS")
    print(f"wrote {ico} and {icns}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
