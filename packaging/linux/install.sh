#!/usr/bin/env bash
# Install SupportDesk for the current user (no root): run from the unpacked tar.gz.
#
#   ./install.sh              install or update
#   ./install.sh --uninstall  remove the program (your data in ~/.local/share/SupportDesk stays)
#
# Puts the app in ~/.local/opt/supportdesk, a `supportdesk` link in ~/.local/bin, and the menu
# entry, icon and AppStream data under ~/.local/share (XDG_DATA_HOME).
set -euo pipefail

APP_ID=org.supportdesk.SupportDesk
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
OPT="$HOME/.local/opt/supportdesk"
BIN="$HOME/.local/bin"

files=(
  "$BIN/supportdesk"
  "$DATA/applications/$APP_ID.desktop"
  "$DATA/metainfo/$APP_ID.metainfo.xml"
  "$DATA/icons/hicolor/256x256/apps/$APP_ID.png"
)

refresh() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
}

if [[ "${1:-}" == "--uninstall" ]]; then
  rm -f "${files[@]}"
  rm -rf "$OPT"
  refresh
  echo "SupportDesk removed. Your databases and backups in $DATA/SupportDesk were kept."
  exit 0
fi

[[ -x "$HERE/supportdesk/supportdesk" ]] || { echo "run this from the unpacked archive" >&2; exit 1; }
mkdir -p "$OPT" "$BIN" "$DATA/applications" "$DATA/metainfo" "$DATA/icons/hicolor/256x256/apps"
rm -rf "$OPT.new"
cp -a "$HERE/supportdesk" "$OPT.new"
rm -rf "$OPT"
mv "$OPT.new" "$OPT"
ln -sfn "$OPT/supportdesk" "$BIN/supportdesk"
# The menu entry runs the installed program by its full path: ~/.local/bin may not be on PATH.
sed "s|^Exec=supportdesk|Exec=$OPT/supportdesk|; s|^TryExec=supportdesk|TryExec=$OPT/supportdesk|" \
  "$HERE/$APP_ID.desktop" > "$DATA/applications/$APP_ID.desktop"
cp "$HERE/$APP_ID.metainfo.xml" "$DATA/metainfo/"
cp "$HERE/$APP_ID.png" "$DATA/icons/hicolor/256x256/apps/"
refresh
echo "SupportDesk installed in $OPT; start it from the menu or with: supportdesk"
case ":$PATH:" in *":$BIN:"*) ;; *) echo "(add $BIN to PATH to use the command)";; esac
