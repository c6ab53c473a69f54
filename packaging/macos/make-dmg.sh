#!/usr/bin/env bash
# Make Veil's macOS disk image, dist/Veil-<version>.dmg, from dist/Veil.app (built by packaging/build.py).
#
#   python packaging/build.py && bash packaging/macos/make-dmg.sh
#
# The image holds Veil.app and a link to /Applications, so installing is a drag from one to the other.
#
# Signing here is ad hoc: enough for the app to start on the Mac that built it, and on Apple silicon (which
# runs no unsigned code at all), but Gatekeeper will still refuse a downloaded copy. Real distribution needs
# a Developer ID certificate, the hardened runtime and Apple's notarisation, done by the releaser:
#   codesign --force --deep --options runtime --timestamp --sign "Developer ID Application: …" dist/Veil.app
#   (then this script without its ad-hoc step, then sign the .dmg the same way)
#   xcrun notarytool submit dist/Veil-<version>.dmg --keychain-profile … --wait
#   xcrun stapler staple dist/Veil-<version>.dmg
#
# The image does not install the system configuration: IT places it at
# /Library/Application Support/Veil/config.toml (root-owned, not writable by users; packaging/config.toml is
# the template), with whatever they deploy Macs with.
set -euo pipefail

cd "$(dirname "$0")/../.."
app=dist/Veil.app

if [[ ! -d $app ]]; then
    echo "make-dmg: $app is missing; build it first with: python packaging/build.py" >&2
    exit 1
fi
for tool in hdiutil codesign ditto; do
    if ! command -v "$tool" >/dev/null; then
        echo "make-dmg: $tool not found; disk images are made on macOS" >&2
        exit 1
    fi
done

# The version the bundle was built from (the same place veil.spec reads it), not a tag, so the
# image's name always agrees with the app inside it.
version=$("${PYTHON:-python3}" -c 'import desktop; print(desktop.__version__)')
dmg=dist/Veil-$version.dmg

# PyInstaller already signs ad hoc; signing again seals the bundle exactly as it is now, and verifying
# stops here rather than on the user's Mac if anything inside was changed after the build.
codesign --force --deep --sign - "$app"
codesign --verify --deep --strict "$app"

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
# ditto keeps the bundle's symbolic links, extended attributes and signature intact.
ditto "$app" "$staging/Veil.app"
ln -s /Applications "$staging/Applications"

# UDZO: compressed and read-only, what a downloadable image should be. -ov replaces an older image.
hdiutil create -volname Veil -srcfolder "$staging" -ov -format UDZO "$dmg"
echo "make-dmg: $dmg"
