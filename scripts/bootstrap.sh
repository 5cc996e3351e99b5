#!/usr/bin/env bash
# Installs everything Upgate needs on Debian 12, idempotently and quietly when all is present:
# Debian packages (Emscripten, CMake, nlohmann-json, doctest, clang for fuzzing and its format and tidy tools,
# Chromium for the browser tests, ImageMagick for test images),
# the Crypto++ and libjpeg-turbo sources from Debian's source packages into third_party/ (ignored by git), and the
# npm dependencies (npm ci).
# Nothing is fetched from anywhere but Debian's archive and the npm registry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/debian-source.sh
. "$root/scripts/lib/debian-source.sh"
cd "$root"

# Pinned: the Crypto++ source the core is built and tested against.
CRYPTOPP_SRC_VERSION="8.7.0+git220824-1"
# Pinned: the libjpeg-turbo source the previews (wasm/previews) are built and tested against.
LIBJPEG_TURBO_SRC_VERSION="1:2.1.5-2"
APT_PACKAGES=(emscripten binaryen wabt nlohmann-json3-dev doctest-dev cmake make g++ clang-14 lld-14
  libclang-rt-14-dev clang-format clang-tidy debian-archive-keyring dpkg-dev xz-utils chromium)
APT_PACKAGES+=(libimage-exiftool-perl)  # exiftool, the metadata parsers' differential oracle (tests/unit/metadata)
APT_PACKAGES+=(imagemagick)  # camera-sized test JPEGs for the previews' unit tests (tests/unit/previews)

log() { printf '[bootstrap] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_apt_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Crypto++ from Debian's source package (scripts/lib/debian-source.sh).
fetch_cryptopp_source() {
  local dest="$root/third_party/cryptopp"
  [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$CRYPTOPP_SRC_VERSION" ] && return 0
  log "fetching Crypto++ source package libcrypto++ $CRYPTOPP_SRC_VERSION from Debian"
  local work="$root/third_party/.apt-src" orig
  rm -rf "$dest"
  orig=$(download_debian_source "libcrypto++" "$CRYPTOPP_SRC_VERSION" "$work")
  mkdir -p "$dest"
  tar -xf "$orig" -C "$dest" --strip-components=0
  # The upstream tarball may or may not have a top folder: normalise to sources directly in $dest.
  if [ ! -f "$dest/sha.cpp" ]; then
    local inner; inner=$(dirname "$(find "$dest" -name sha.cpp | head -n1)")
    shopt -s dotglob; mv "$inner"/* "$dest"/; shopt -u dotglob
  fi
  echo "$CRYPTOPP_SRC_VERSION" > "$dest/.version"
  rm -rf "$work"
}

# libjpeg-turbo from Debian's source package, the same way: only the upstream tarball (Debian's patches concern its
# SIMD, build stamp, RPATH and manual pages, none of which this build uses). CMakeLists.txt compiles the library
# from it and writes its three configuration headers from the tarball's templates.
fetch_libjpeg_turbo_source() {
  local dest="$root/third_party/libjpeg-turbo"
  [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$LIBJPEG_TURBO_SRC_VERSION" ] && return 0
  log "fetching libjpeg-turbo source package $LIBJPEG_TURBO_SRC_VERSION from Debian"
  local work="$root/third_party/.apt-src-libjpeg-turbo" orig
  rm -rf "$dest"
  orig=$(download_debian_source "libjpeg-turbo" "$LIBJPEG_TURBO_SRC_VERSION" "$work")
  mkdir -p "$dest"
  tar -xf "$orig" -C "$dest" --strip-components=1
  test -f "$dest/jpeglib.h"
  echo "$LIBJPEG_TURBO_SRC_VERSION" > "$dest/.version"
  rm -rf "$work"
}

install_npm_packages() {
  # npm rewrites node_modules/.package-lock.json on every install: newer than the lock file means up to date.
  [ node_modules/.package-lock.json -nt package-lock.json ] && return 0
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
}

install_apt_packages
fetch_cryptopp_source
bash scripts/fetch-test-images.sh  # ExifTool's test images, for the same test
fetch_libjpeg_turbo_source
install_npm_packages
