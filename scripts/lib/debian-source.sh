# Sourced by scripts/bootstrap.sh and scripts/fetch-test-images.sh: Debian source packages, fetched through a
# private apt configuration so the system's sources stay untouched.

# download_debian_source <package> <version> <work dir>: downloads the source package (bookworm) into
# <work dir>/dl and prints the path of its upstream tarball (*.orig.tar.*). The caller unpacks what it needs and
# removes <work dir>.
download_debian_source() {
  local package=$1 version=$2 work=$3
  rm -rf "$work"
  mkdir -p "$work/lists/partial" "$work/dl"
  cat >"$work/src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  local opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work" -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache")
  # apt's own output goes to stderr: stdout carries only the tarball's path.
  apt-get "${opts[@]}" update -qq >&2
  (cd "$work/dl" && apt-get "${opts[@]}" source --download-only -qq "$package=$version" >&2)
  ls "$work"/dl/"${package}"_*.orig.tar.* | head -n1
}
