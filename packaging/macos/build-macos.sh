#!/usr/bin/env bash
# Build SupportDesk.app and a DMG on macOS — UNTESTED (no Mac was available; written against
# the PyInstaller 6 and hdiutil documentation). Run from anywhere on a Mac with uv installed.
#
# Output: dist/SupportDesk.app and dist/SupportDesk-<version>-macos-<arch>.dmg
# Unsigned: Gatekeeper blocks it until the user right-clicks > Open. For distribution, sign and
# notarise (see packaging/README.md), e.g. with SUPPORTDESK_CODESIGN_ID set below.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VERSION="$(uv run --no-sync python -c 'import app; print(app.__version__)')"
ARCH="$(uname -m)"
DMG="dist/SupportDesk-${VERSION}-macos-${ARCH}.dmg"

uv run --group packaging pyinstaller packaging/supportdesk.spec --noconfirm

APP=dist/SupportDesk.app
BIN="$APP/Contents/MacOS/SupportDesk"
# The same smoke test as on Linux, inside the bundle.
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export QT_QPA_PLATFORM=offscreen SUPPORTDESK_HOME="$home"
"$BIN" --version
"$BIN" --database-url "sqlite:///$home/smoke.db" db upgrade
SUPPORTDESK_BUNDLE_CHECK=1 "$BIN"

if [[ -n "${SUPPORTDESK_CODESIGN_ID:-}" ]]; then
  # Hardened runtime is required for notarisation.
  codesign --force --deep --options runtime --timestamp \
    --sign "$SUPPORTDESK_CODESIGN_ID" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
fi

# A DMG with the app and a link to /Applications (drag to install).
stage="$(mktemp -d)"
cp -R "$APP" "$stage/"
ln -s /Applications "$stage/Applications"
rm -f "$DMG"
hdiutil create -volname "SupportDesk $VERSION" -srcfolder "$stage" -ov -format UDZO "$DMG"
rm -rf "$stage"
echo "built $DMG"
