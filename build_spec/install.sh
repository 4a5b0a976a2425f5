#!/bin/sh
# Add covidxray to the applications menu and to PATH, from wherever this folder now lies.
#   ./install.sh                 for the current user (~/.local)
#   sudo ./install.sh --system   for everyone (/usr/local/bin, /usr/local/share)
#   ./install.sh --uninstall [--system]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
bin="$HOME/.local/bin" share="${XDG_DATA_HOME:-$HOME/.local/share}" remove=0 system=0
for arg in "$@"; do
  case "$arg" in
    --system) bin=/usr/local/bin share=/usr/local/share system=1 ;;  # /usr/share is the package manager's
    --uninstall) remove=1 ;;
    -h|--help) echo "usage: $0 [--system] [--uninstall]"; exit 0 ;;
    *) echo "usage: $0 [--system] [--uninstall]" >&2; exit 2 ;;
  esac
done
apps="$share/applications" icons="$share/icons/hicolor/256x256/apps"

# A command of that name that this folder did not put there (a pip or pipx install's launcher or
# link, another program) is never replaced or removed; a link into another copy of this built folder
# (it holds install.sh and covidxray.desktop beside the programs) is ours to move, and so is one left
# pointing at nothing when such a copy was moved or deleted (upgraded by replacing the folder).
ours() {  # $1: a path in $bin
  [ -L "$1" ] || return 1
  target="$(readlink "$1")"
  case "$target" in /*/covidxray | /*/covidxray-cli) ;; *) return 1 ;; esac  # this installer links absolutely
  [ -e "$1" ] || return 0  # the link followed, not its text read from where this script runs
  folder="$(dirname "$target")"
  [ -f "$folder/install.sh" ] && [ -f "$folder/covidxray.desktop" ]
}

# The menu entry is ours to remove when it starts this folder's program, or one that is gone.
stale_entry() {  # ours name the program by its absolute path; a bare "covidxray" is another installer's
  ran="$(sed -n 's/^TryExec=//p' "$apps/covidxray.desktop" 2>/dev/null | head -n 1)"
  case "$ran" in /*/covidxray) ;; *) return 1 ;; esac
  [ "$ran" = "$here/covidxray" ] || [ ! -e "$ran" ]
}

refresh() {
  if command -v update-desktop-database >/dev/null; then update-desktop-database "$apps" 2>/dev/null || true; fi
  if command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q "$share/icons/hicolor" 2>/dev/null || true
  fi
}

if [ "$remove" = 1 ]; then
  removed=""
  for name in covidxray covidxray-cli; do
    target="$(readlink "$bin/$name" 2>/dev/null || true)"
    if [ "$target" = "$here/$name" ] || { [ ! -e "$bin/$name" ] && ours "$bin/$name"; }; then
      rm -f "$bin/$name"
      removed="$removed $bin/$name"
    elif [ -e "$bin/$name" ] || [ -L "$bin/$name" ]; then
      echo "left $bin/$name as it is: it is not a link to this folder" >&2
    fi
  done
  if stale_entry; then
    rm -f "$apps/covidxray.desktop" "$icons/covidxray.png"
    removed="$removed $apps/covidxray.desktop"
  fi
  refresh
  if [ -z "$removed" ]; then
    echo "nothing of this folder's was in the menu or PATH to remove (this folder is left as it is)"
  else
    echo "removed:$removed (this folder is left as it is)"
  fi
  if [ "$system" = 1 ]; then
    echo "each user's results store (patient IDs, dates, thumbnails) stays in their ~/.local/share/covidxray"
  else
    echo "your results store (patient IDs, dates, thumbnails) stays in $share/covidxray:" \
      "delete that folder to remove it"
  fi
  exit 0
fi

# The menu entry quotes this path; these characters would need escapes there that menus read unevenly.
case "$here" in
  *[\"\`\$\\]*)
    echo "this folder's path holds \" \` \$ or \\, which a menu entry cannot carry safely: $here" >&2
    echo "move the folder (for example to ~/Applications/covidxray) and run install.sh again" >&2
    exit 2 ;;
esac
# For every user, the programs must be root's alone: a folder its first user could write to would let
# that user change what everyone, administrators included, runs.
if [ "$system" = 1 ]; then
  # -H: /opt/covidxray may be a link to /opt/covidxray-0.2.0: the folder it names is judged, not the link.
  loose="$(find -H "$here" "$(dirname "$here")" -maxdepth 0 \( ! -user 0 -o -perm -g+w -o -perm -o+w \) -print)"
  [ -n "$loose" ] || loose="$(find -H "$here" \( ! -user 0 -o -perm -g+w -o -perm -o+w \) ! -type l -print | head -n 1)"
  if [ -n "$loose" ]; then
    echo "not installed for every user: $(printf '%s' "$loose" | head -n 1) is not root's alone" \
      "(owned by another user, or writable by others)." >&2
    echo "Give the folder to root first:  sudo chown -R root:root \"$here\" && sudo chmod -R go-w \"$here\"" >&2
    exit 2
  fi
fi
for name in covidxray covidxray-cli; do
  if { [ -e "$bin/$name" ] || [ -L "$bin/$name" ]; } && ! ours "$bin/$name"; then
    echo "$bin/$name exists and is not a link this installer made; it was left as it is." >&2
    echo "Move it away (or uninstall what it belongs to) and run install.sh again." >&2
    exit 2
  fi
done
mkdir -p "$bin" "$apps" "$icons"
ln -sf "$here/covidxray" "$bin/covidxray"
ln -sf "$here/covidxray-cli" "$bin/covidxray-cli"
# printf, not sed: a path with & or | in it is written as it is. A % is doubled, as Exec wants.
exec_path=$(printf '%s' "$here/covidxray" | sed 's/%/%%/g')
while IFS= read -r line; do
  case "$line" in
    Exec=*) printf 'Exec="%s" %%F\n' "$exec_path" ;;
    TryExec=*) printf 'TryExec=%s\n' "$here/covidxray" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$here/covidxray.desktop" > "$apps/covidxray.desktop.new"
mv "$apps/covidxray.desktop.new" "$apps/covidxray.desktop"
cp "$here/covidxray.png" "$icons/covidxray.png"
refresh
echo "covidxray installed: menu entry in $apps, commands covidxray and covidxray-cli in $bin"
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "$bin is not on your PATH yet: log out and in again, or add it in your shell's profile" ;;
esac
