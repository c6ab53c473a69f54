#!/usr/bin/env bash
# Build the Debian package, check it with lintian, install it with dpkg, use it
# as a moderator would, and remove it again: what a workstation gets from IT.
#
#   sudo packaging/linux/test-deb.sh [--no-build]
#
# Needs root (dpkg -i) on a Debian or Ubuntu machine where Veil is not
# installed: a CI machine, a container, a throwaway VM. Installs lintian and
# the package's dependencies with apt-get. --no-build takes dist/*.deb as it
# is. The window's screenshot is left in dist/test-deb-window.png.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STARTED=$SECONDS
say() { echo "test-deb: $*"; }
die() { echo "test-deb: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root to install the package (sudo $0)"
if [ "$(dpkg-query -W -f '${Status}' veil 2>/dev/null || true)" = "install ok installed" ]; then
    die "veil is installed on this machine already; this test installs and removes it (dpkg -P veil first)"
fi
export DEBIAN_FRONTEND=noninteractive

apt_install() {
    # A fresh machine may have no package lists yet: fetch them once, on need.
    apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
}

# == build ====================================================================
if [ "${1:-}" != "--no-build" ]; then
    say "building the bundle and the package"
    make -C "$ROOT" --no-print-directory dist | grep '^build:' || die "make dist failed"
    "$ROOT/packaging/linux/build-deb.sh"
fi
DEB=$(ls -t "$ROOT"/dist/veil_*.deb 2>/dev/null | head -1 || true)
[ -n "$DEB" ] || die "no package in dist/ (run without --no-build)"
VERSION=$(dpkg-deb -f "$DEB" Version)
BUILT=$SECONDS

# == lintian ==================================================================
command -v lintian >/dev/null || { say "installing lintian"; apt_install lintian; }
say "lintian $(lintian --version | awk '{print $2}') on $(basename "$DEB")"
# As an ordinary user, as lintian asks; the overrides travel in the package.
chmod o+r "$DEB"
if id nobody >/dev/null 2>&1; then LINT=(runuser -u nobody -- lintian); else LINT=(lintian); fi
"${LINT[@]}" --fail-on error,warning --display-level '>=warning' "$DEB" || die "lintian found errors or warnings"

# == install ==================================================================
DEPENDS=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/(.*)//; s/ //g' | grep -v '^$')
say "installing the package's dependencies: $(echo "$DEPENDS" | wc -l) packages"
# shellcheck disable=SC2086  # one package name per word
apt_install $DEPENDS
say "dpkg -i $(basename "$DEB")"
# From here on a failure must not leave the package behind: the next run
# (and the machine's owner) would find it installed.
WORK=$(mktemp -d)
cleanup() {
    rm -rf "$WORK"
    if [ "$(dpkg-query -W -f '${Status}' veil 2>/dev/null || true)" != "not-installed" ]; then
        dpkg -P veil >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
dpkg -i "$DEB" >/dev/null

[ -x /usr/bin/veil ] && [ -x /opt/veil/veil ] || die "the launcher or the program is missing"
[ -f /etc/veil/config.toml ] || die "/etc/veil/config.toml was not installed"
grep -qx /etc/veil/config.toml /var/lib/dpkg/info/veil.conffiles || die "/etc/veil/config.toml is not a conffile"
[ -f /usr/share/applications/veil.desktop ] || die "no desktop entry"
for size in 16x16 32x32 48x48 64x64 128x128 256x256 512x512 scalable; do
    ls /usr/share/icons/hicolor/$size/apps/veil.* >/dev/null 2>&1 || die "no $size icon"
done
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/veil.desktop || die "the desktop entry is not valid"
fi

# Every library the bundle takes from the system belongs to a package the
# control file names: a missing dependency shows here, on this machine,
# rather than as Qt's "could not load the xcb plugin" on a workstation.
say "checking the bundle's system libraries against Depends"
declare -A bundled=()
while IFS= read -r -d '' file; do bundled[$(basename "$file")]=1; done \
    < <(find /opt/veil -name '*.so*' -print0)
needed=$(find /opt/veil -type f \( -name '*.so*' -o -name veil \) -print0 \
    | xargs -0 readelf -d 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
owner_of() {
    # dpkg knows a file by the path its package gave, which merged /usr can
    # hide behind a link: ask for the name as found, then as resolved.
    local candidate
    for candidate in "$1" "$(realpath "$1")" "/usr$1" "$(realpath "$(dirname "$1")")/$(basename "$1")"; do
        if dpkg -S "$candidate" >/dev/null 2>&1; then
            dpkg -S "$candidate" | awk -F: 'NR == 1 {print $1}'  # awk reads to the end: no SIGPIPE
            return
        fi
    done
}
# A library's package may be a renamed one that provides the name Depends
# uses (Ubuntu 24.04's libglib2.0-0t64 provides libglib2.0-0).
named_in_depends() {
    local owner=$1 provided
    grep -qx "$owner" <<< "$DEPENDS" && return 0
    provided=$(dpkg-query -W -f '${Provides}' "$owner" 2>/dev/null | tr ',' '\n' | sed 's/(.*)//; s/ //g')
    for name in $provided; do grep -qx "$name" <<< "$DEPENDS" && return 0; done
    return 1
}
ldconfig -p > "$WORK/ld.cache"  # read once; awk leaving a pipe early would kill ldconfig with SIGPIPE
missing=()
for library in $needed; do
    [ -n "${bundled[$library]:-}" ] && continue
    path=$(awk -v lib="$library" '$1 == lib && /x86-64|aarch64|64bit/ {print $NF; exit}' "$WORK/ld.cache")
    [ -n "$path" ] || { missing+=("$library (not on this system)"); continue; }
    owner=$(owner_of "$path")
    { [ -n "$owner" ] && named_in_depends "$owner"; } || missing+=("$library from ${owner:-no package}")
done
[ ${#missing[@]} -eq 0 ] || die "libraries the bundle needs but Depends does not name: ${missing[*]}"
notfound=$(find /opt/veil -type f -name '*.so*' -print0 | xargs -0 -n 50 ldd 2>/dev/null | grep 'not found' | sort -u || true)
[ -z "$notfound" ] || die "unresolved libraries after installing: $notfound"

# == use it as a moderator would ==============================================
chmod 0777 "$WORK"
before=$(find /opt/veil | sort | md5sum)
as_user() {
    # An ordinary account, its own home and settings, offscreen Qt: a
    # moderator's session as far as the program can tell.
    runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME="$WORK" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
        VEIL_USER=it-check "$@"
}
DB="sqlite:///$WORK/veil.sqlite3"

[ "$(as_user veil --version)" = "veil $VERSION" ] || die "veil --version does not say veil $VERSION"
say "veil --version: $(as_user veil --version)"
as_user touch /opt/veil/_internal/x 2>/dev/null && die "a user can write into /opt/veil"

ingested=$(as_user veil --db "$DB" ingest --quiet /opt/veil/_internal/resources/demo/demo-feed.jsonl 2>&1) \
    || die "veil ingest failed: $ingested"
say "veil ingest (demo feed): $ingested"
[[ $ingested == "12 items added"* ]] || die "the demo feed did not give 12 items"
status=$(as_user veil --db "$DB" db status 2>&1) || die "veil db status failed: $status"
# The newest schema the bundle knows, whatever its number: "schema 0006, this Veil knows 0006".
[[ $status =~ schema\ ([0-9]+),\ this\ Veil\ knows\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] \
    || die "the new database is not at the bundled schema: $status"

shot=$(as_user veil --db "$DB" gui --screenshot "$WORK/window.png" --size 1280x800 2>&1) \
    || die "veil gui --screenshot failed: $shot"
[ -s "$WORK/window.png" ] || die "veil gui --screenshot wrote no picture"
cp "$WORK/window.png" "$ROOT/dist/test-deb-window.png"
# The review window, drawn: its size and many colours.
"$ROOT/.venv/bin/python" - "$WORK/window.png" <<'EOF' || die "the screenshot is not the review window"
import sys
from PIL import Image

with Image.open(sys.argv[1]) as shot:
    assert shot.size == (1280, 800), shot.size
    colours = shot.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200, "a blank or nearly blank window"
EOF
say "veil gui --screenshot: the review window, kept in dist/test-deb-window.png"

# The same on a real X server (Xvfb), through Qt's xcb plugin and the system's
# X libraries: what the package's Depends must provide. The window must tell
# the X server its name and icon, which task bars and docks show.
command -v xvfb-run >/dev/null && command -v xprop >/dev/null \
    || { say "installing Xvfb and xprop for the X11 check"; apt_install xvfb xauth x11-utils; }
cat > "$WORK/x11-check.sh" <<'EOF'
#!/bin/bash
# Runs inside xvfb-run: start the window, wait until it has opened the
# database (its title then says who and where), read what a task bar would.
veil --db "$1" gui 2> "$2/x11.log" &
pid=$!
for _ in $(seq 150); do
    window=$(xwininfo -root -tree | awk '/\("veil" "Veil"\)/ {print $1; exit}')
    [ -n "$window" ] && xprop -id "$window" _NET_WM_NAME | grep -q ' — .* — ' && break
    sleep 0.1
done
[ -n "$window" ] && xprop -id "$window" WM_CLASS _NET_WM_NAME _NET_WM_ICON | head -4
kill "$pid"
wait "$pid" 2>/dev/null
exit 0
EOF
chmod 0755 "$WORK/x11-check.sh"
x11=$(as_user env -u QT_QPA_PLATFORM xvfb-run -a -s "-screen 0 1400x900x24" "$WORK/x11-check.sh" "$DB" "$WORK" 2>&1)
[[ $x11 == *'WM_CLASS(STRING) = "veil", "Veil"'* ]] || die "no Veil window on X11: $x11 $(cat "$WORK/x11.log")"
[[ $x11 == *"_NET_WM_ICON(CARDINAL) ="* ]] || die "the X11 window has no icon: $x11"
[[ $x11 == *'_NET_WM_NAME(UTF8_STRING) = "it-check (admin) — SQLite file '*' — Veil"'* ]] \
    || die "the X11 window's title is not who, where and Veil: $x11"
say "veil gui on X11 (Xvfb, the xcb plugin): a window named and with its icon, as task bars show it"

[ "$(find /opt/veil | sort | md5sum)" = "$before" ] || die "running Veil wrote into /opt/veil"

# == remove ===================================================================
say "dpkg -r veil"
dpkg -r veil >/dev/null
left=$(find /opt/veil /usr/bin/veil /usr/share/applications/veil.desktop /usr/share/doc/veil \
    /usr/share/man/man1/veil.1.gz /usr/share/lintian/overrides/veil 2>/dev/null || true)
left+=$(find /usr/share/icons/hicolor -name 'veil.*' 2>/dev/null || true)
[ -z "$left" ] || die "dpkg -r left files behind: $left"
# Debian keeps an admin's configuration until purge; nothing else.
[ "$(find /etc/veil -type f)" = /etc/veil/config.toml ] || die "after dpkg -r, /etc/veil holds more than config.toml"
[ -f "$WORK/veil.sqlite3" ] || die "the user's database went with the package"
say "dpkg -P veil"
dpkg -P veil >/dev/null
[ ! -e /etc/veil ] || die "dpkg -P left /etc/veil"

say "passed: Veil $VERSION built in $((BUILT - STARTED)) s, checked, installed, used and removed in $((SECONDS - BUILT)) s"
