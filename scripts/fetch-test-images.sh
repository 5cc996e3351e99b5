#!/usr/bin/env bash
# Real camera files for the metadata parsers' differential test (tests/unit/metadata/differential_test.cpp):
# ExifTool's own test images, folder t/images/ of Debian's source package libimage-exiftool-perl (CanonRaw.cr3,
# CanonRaw.cr2, Nikon.nef, Sony.arw, DNG.dng, QuickTime.heic, ExifTool.tif, dozens of camera JPEGs), unpacked into
# third_party/exiftool-images/ (ignored by git, never committed). The oracle, `exiftool` itself, is the binary
# package of the same version, installed by scripts/bootstrap.sh.
# Fetched as scripts/lib/debian-source.sh fetches every source package; idempotent and quiet when the pinned
# version is already there. Called by scripts/bootstrap.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Pinned: the same version as the exiftool the test compares against (Debian 12's).
EXIFTOOL_SRC_VERSION="12.57+dfsg-1"
dest="$root/third_party/exiftool-images"

log() { printf '[bootstrap] %s\n' "$*"; }

[ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$EXIFTOOL_SRC_VERSION" ] && exit 0
log "fetching ExifTool's test images from Debian's source package libimage-exiftool-perl $EXIFTOOL_SRC_VERSION"
work="$root/third_party/.apt-src-exiftool"
rm -rf "$dest"
# shellcheck source=lib/debian-source.sh
. "$root/scripts/lib/debian-source.sh"
orig=$(download_debian_source "libimage-exiftool-perl" "$EXIFTOOL_SRC_VERSION" "$work")
mkdir -p "$work/unpacked"
tar -xf "$orig" -C "$work/unpacked"
images=$(find "$work/unpacked" -type d -path '*/t/images' | head -n1)
[ -n "$images" ] || { log "no t/images/ in $orig"; exit 1; }
mkdir -p "$dest"
cp -a "$images"/. "$dest"/
echo "$EXIFTOOL_SRC_VERSION" > "$dest/.version"
rm -rf "$work"
