#!/usr/bin/env bash
# Build dist/veil_<version>_<arch>.deb from the bundle `make dist` made.
#
#   packaging/linux/build-deb.sh [BUNDLE]      (default: dist/veil)
#
# The bundle goes to /opt/veil with /usr/bin/veil pointing at it; the desktop
# entry, the hicolor icons, a manual page and /etc/veil/config.toml (a conffile:
# dpkg keeps an admin's edits on upgrade and asks before replacing them) go
# where Debian looks for them. Built with dpkg-deb alone: there is no source
# package, so debhelper has nothing to work from.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/packaging/linux"
BUNDLE=$(realpath "${1:-$ROOT/dist/veil}")
ICONS="$ROOT/build/icons/hicolor"
OUT="$ROOT/dist"

die() { echo "build-deb: $*" >&2; exit 2; }
[ -x "$BUNDLE/veil" ] || die "no bundle at $BUNDLE (make dist builds it)"
[ -d "$ICONS" ] || die "no icons in $ICONS (make dist renders them)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian's dpkg package)"

VERSION=$("$BUNDLE/veil" --version | awk '{print $2}')
[ -n "$VERSION" ] || die "the bundle does not say its version"
ARCH=$(dpkg --print-architecture)
DEB="$OUT/veil_${VERSION}_${ARCH}.deb"

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
PKG="$STAGE/veil"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin"

cp -a "$BUNDLE" "$PKG/opt/veil"
ln -s /opt/veil/veil "$PKG/usr/bin/veil"
install -D -m 644 "$HERE/veil.desktop" "$PKG/usr/share/applications/veil.desktop"
for icon in "$ICONS"/*/apps/veil.png; do
    size=$(basename "$(dirname "$(dirname "$icon")")")
    install -D -m 644 "$icon" "$PKG/usr/share/icons/hicolor/$size/apps/veil.png"
done
install -D -m 644 "$ROOT/resources/icons/veil.svg" "$PKG/usr/share/icons/hicolor/scalable/apps/veil.svg"
install -D -m 644 "$ROOT/packaging/config.toml" "$PKG/etc/veil/config.toml"
install -D -m 644 "$HERE/copyright" "$PKG/usr/share/doc/veil/copyright"
install -D -m 644 "$HERE/lintian-overrides" "$PKG/usr/share/lintian/overrides/veil"
mkdir -p "$PKG/usr/share/man/man1"
gzip -9n < "$HERE/veil.1" > "$PKG/usr/share/man/man1/veil.1.gz"
DATE=$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")
printf 'veil (%s) unstable; urgency=medium\n\n  * Release %s; see the project'"'"'s history.\n\n -- Veil developers <veil@example.org>  %s\n' \
    "$VERSION" "$VERSION" "$DATE" | gzip -9n > "$PKG/usr/share/doc/veil/changelog.gz"

# Wheels ship their libraries executable and some files group-writable; Debian
# wants 0755 directories, 0644 files, and the execute bit only on programs.
find "$PKG" -type d -exec chmod 0755 {} +
find "$PKG" -type f -exec chmod 0644 {} +
chmod 0755 "$PKG/opt/veil/veil"

# The oldest glibc the bundle can run on is the newest symbol version any of
# its binaries asks for: the build machine's, at most.
GLIBC=$(find "$PKG/opt/veil" -type f \( -name '*.so*' -o -name veil \) -print0 \
    | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
[ -n "$GLIBC" ] || die "could not read the bundle's glibc requirement (objdump, from binutils)"

# What Qt loads from the system rather than from the bundle (the spec leaves
# the display stack to the workstation): X11 and the xcb set for the xcb
# platform plugin, xkbcommon for the keyboard, fontconfig and FreeType for
# fonts, GL and EGL for the xcb GL integrations, D-Bus and GLib for the
# desktop portal and input methods. test-deb.sh checks that every library the
# bundle needs from outside belongs to one of these.
DEPENDS=(
    "libc6 (>= $GLIBC)"
    libgl1 libegl1 libfontconfig1 libfreetype6 libxkbcommon0 libxkbcommon-x11-0
    libdbus-1-3 libglib2.0-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4
    libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0
    libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 zlib1g
    # The C++ runtime, left out of the bundle by the spec (GCC 12's is the
    # oldest that Qt's and the locally built extensions' symbols resolve in).
    "libstdc++6 (>= 12)" libgcc-s1
)
depends=$(printf '%s, ' "${DEPENDS[@]}")

cat > "$PKG/DEBIAN/control" <<EOF
Package: veil
Version: $VERSION
Architecture: $ARCH
Maintainer: Veil developers <veil@example.org>
Installed-Size: $(du -sk --apparent-size "$PKG" | cut -f1)
Depends: ${depends%, }
Section: graphics
Priority: optional
Homepage: https://veil.example.org/
Description: review queue for graphic material behind blurred previews
 Veil is a desktop application in which moderators triage graphic material
 (war footage, photographs of the dead and wounded, posts their publishers
 marked as adult) behind blurred, greyscale previews, and record decisions
 and warning labels in a database that supervisors audit.
 .
 This package is a self-contained build in /opt/veil; /etc/veil/config.toml
 holds the workstation's settings for all its users.
EOF
echo /etc/veil/config.toml > "$PKG/DEBIAN/conffiles"

mkdir -p "$OUT"
# xz at its default level (threaded by dpkg-deb itself): the size IT copies
# around matters more than the minute it takes. No --threads-max: dpkg before
# 1.21.9 (Ubuntu 22.04, where releases are built) does not know it.
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >/dev/null
echo "build-deb: $DEB ($(du -h "$DEB" | cut -f1), installs $(du -sh --apparent-size "$PKG/opt/veil" | cut -f1) in /opt/veil; needs glibc >= $GLIBC)"
