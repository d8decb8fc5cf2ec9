#!/usr/bin/env bash
# Build the Linux onedir with PyInstaller, check it, and pack it as a tar.gz.
#
#   bash packaging/linux/build-linux.sh          (from anywhere; works in the repo root)
#
# Output: dist/supportdesk/ (the app folder) and dist/supportdesk-<version>-linux-<arch>.tar.gz
# holding that folder, the .desktop/metainfo/icon files and install.sh (per-user install).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
APP_ID=org.supportdesk.SupportDesk
VERSION="$(uv run --no-sync python -c 'import app; print(app.__version__)')"
ARCH="$(uname -m)"
NAME="supportdesk-${VERSION}-linux-${ARCH}"

start=$(date +%s)
uv run --group packaging pyinstaller packaging/supportdesk.spec --noconfirm
echo "PyInstaller took $(( $(date +%s) - start )) s"

# Smoke test inside the bundle, offscreen, on a throw-away home: versions, Alembic files found,
# a fresh database upgraded to head, keyring/psycopg/matplotlib/Qt pieces present.
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export QT_QPA_PLATFORM=offscreen SUPPORTDESK_HOME="$home"
dist/supportdesk/supportdesk --version
dist/supportdesk/supportdesk --database-url "sqlite:///$home/smoke.db" db upgrade
dist/supportdesk/supportdesk --database-url "sqlite:///$home/smoke.db" db check
SUPPORTDESK_BUNDLE_CHECK=1 dist/supportdesk/supportdesk

# AppImage would need appimagetool (a download from outside the package registries); the
# tar.gz is the artefact built here. See packaging/README.md for the AppImage steps.
stage="build/$NAME"
rm -rf "$stage"
mkdir -p "$stage"
cp -a dist/supportdesk "$stage/supportdesk"
cp packaging/linux/$APP_ID.desktop packaging/linux/$APP_ID.metainfo.xml \
   packaging/linux/$APP_ID.png packaging/linux/install.sh "$stage/"
chmod +x "$stage/install.sh"
tar -C build -czf "dist/$NAME.tar.gz" "$NAME"
rm -rf "$stage"
echo "dist/supportdesk: $(du -sh dist/supportdesk | cut -f1)"
echo "dist/$NAME.tar.gz: $(du -sh "dist/$NAME.tar.gz" | cut -f1)"
