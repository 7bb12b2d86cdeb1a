#!/usr/bin/env bash
# Fetch zlib's source from the Debian archive this system's apt uses and
# print the directory that holds zlib.h and the *.c files.
#
#   bash wheels/fetch_zlib.sh DEST [PYTHON]
#
# A private apt configuration under DEST/apt (its own sources list with a
# single deb-src line, lists and cache) does the download, so the system's apt
# setup stays untouched. apt checks the source package against the signed
# archive index. Nothing of it is committed: DEST is git-ignored.
set -euo pipefail

dest=${1:?usage: fetch_zlib.sh DEST [PYTHON]}
python=${2:-python3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

find_source_dir() {
    local header
    header=$(find "$dest/src" -maxdepth 3 -name zlib.h -print -quit 2>/dev/null || true)
    [ -n "$header" ] && [ -f "$(dirname "$header")/inflate.c" ] && dirname "$header"
}

configure_zconf() {
    # What zlib's ./configure does to zconf.h on a Unix system: unistd.h and
    # stdarg.h exist. Without it gzlib.c and friends call lseek, read and
    # close undeclared, which clang rejects.
    "$python" - "$1/zconf.h" <<'PY'
import re
import sys

path = sys.argv[1]
with open(path, encoding="utf-8") as handle:
    text = handle.read()
configured = re.sub(
    r"^#ifdef (HAVE_UNISTD_H|HAVE_STDARG_H)\b.*$",
    lambda match: f"#if 1    /* {match.group(1)}: set for Unix as ./configure would */",
    text,
    flags=re.MULTILINE,
)
if configured != text:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(configured)
PY
}

if dir=$(find_source_dir); then
    configure_zconf "$dir"
    echo "$dir"
    exit 0
fi

command -v apt-get >/dev/null || { echo "fetch_zlib.sh: apt-get is needed to fetch zlib's source" >&2; exit 1; }

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

echo "fetching zlib source from $mirror ($suite)" >&2
apt-get "${apt_options[@]}" -qq update >&2
(cd "$dest/download" && apt-get "${apt_options[@]}" -qq source --download-only zlib >&2)

orig=$(find "$dest/download" -maxdepth 1 -name 'zlib_*.orig.tar.*' -print -quit)
[ -n "$orig" ] || { echo "fetch_zlib.sh: no zlib orig tarball was downloaded" >&2; exit 1; }
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

dir=$(find_source_dir) || { echo "fetch_zlib.sh: $orig holds no zlib.h" >&2; exit 1; }
configure_zconf "$dir"
echo "zlib source: $(basename "$orig") -> $dir" >&2
echo "$dir"
