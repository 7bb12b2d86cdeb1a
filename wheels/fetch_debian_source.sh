#!/usr/bin/env bash
# Fetch a source package's upstream tarball from the Debian archive this
# system's apt uses, unpack it, and print the directory it unpacked to.
#
#   bash wheels/fetch_debian_source.sh PACKAGE DEST [PYTHON]
#
# A private apt configuration under DEST/apt (its own sources list with a
# single deb-src line, lists and cache) does the download, so the system's apt
# setup stays untouched. apt checks the source package against the signed
# archive index. The tarball is unpacked into DEST/src; a second call finds
# it there and downloads nothing. DEST must lie outside what git tracks.
set -euo pipefail

package=${1:?usage: fetch_debian_source.sh PACKAGE DEST [PYTHON]}
dest=${2:?usage: fetch_debian_source.sh PACKAGE DEST [PYTHON]}
python=${3:-python3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

unpacked_dir() {
    # The one top-level directory of DEST/src, written last of all by a run
    # that completed.
    [ -f "$dest/src/.complete" ] || return 1
    find "$dest/src" -mindepth 1 -maxdepth 1 -type d -print -quit
}

if dir=$(unpacked_dir) && [ -n "$dir" ]; then
    echo "$dir"
    exit 0
fi

command -v apt-get >/dev/null || { echo "fetch_debian_source.sh: apt-get is needed to fetch $package's source" >&2; exit 1; }

read -r mirror suite keyring < <("$python" "$here/debian_mirror.py")
apt_dir=$dest/apt
rm -rf "$apt_dir" "$dest/download" "$dest/src"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d" \
    "$apt_dir/preferences.d" "$dest/download" "$dest/src"

signed_by=
[ "$keyring" != "-" ] && signed_by="[signed-by=$keyring] "
echo "deb-src ${signed_by}$mirror $suite main" >"$apt_dir/sources.list"

apt_options=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
    -o "Dir::Etc::PreferencesParts=$apt_dir/preferences.d"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
    # The private directories belong to the caller; apt's unprivileged
    # download user could not write into them.
    -o "APT::Sandbox::User=$(id -un)"
)

echo "fetching $package source from $mirror ($suite)" >&2
apt-get "${apt_options[@]}" -qq update >&2
(cd "$dest/download" && apt-get "${apt_options[@]}" -qq source --download-only "$package" >&2)

# The upstream tarball only (not the .debian.tar.* with Debian's patches);
# some packages ship extra component tarballs (orig-NAME.tar.*), which are
# not wanted either.
orig=$(find "$dest/download" -maxdepth 1 -name "${package}_*.orig.tar.*" ! -name '*.asc' -print -quit)
[ -n "$orig" ] || { echo "fetch_debian_source.sh: no $package orig tarball was downloaded" >&2; exit 1; }
# Python's tarfile reads every compression Debian uses (.gz, .bz2, .xz) even
# where the matching command-line tool is not installed.
"$python" - "$orig" "$dest/src" <<'PY'
import sys
import tarfile

with tarfile.open(sys.argv[1]) as archive:
    if hasattr(tarfile, "data_filter"):
        archive.extractall(sys.argv[2], filter="data")
    else:
        archive.extractall(sys.argv[2])
PY
touch "$dest/src/.complete"

dir=$(unpacked_dir) && [ -n "$dir" ] || { echo "fetch_debian_source.sh: $orig unpacked to no directory" >&2; exit 1; }
echo "$package source: $(basename "$orig") -> $dir" >&2
echo "$dir"
