#!/usr/bin/env bash
# Fetch zlib's source from the Debian archive this system's apt uses
# (fetch_debian_source.sh) and print the directory that holds zlib.h and the
# *.c files, its zconf.h configured for Unix.
#
#   bash wheels/fetch_zlib.sh DEST [PYTHON]
#
# Nothing of it is committed: DEST is git-ignored.
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

bash "$here/fetch_debian_source.sh" zlib "$dest" "$python" >/dev/null
dir=$(find_source_dir) || { echo "fetch_zlib.sh: the zlib source in $dest/src holds no zlib.h" >&2; exit 1; }
configure_zconf "$dir"
echo "$dir"
