"""Print the Debian (or Ubuntu) archive this system's apt already uses.

    python3 wheels/debian_mirror.py        ->  URI SUITE KEYRING

URI is the mirror serving the release itself (not its -security, -updates or
-backports suites), SUITE the release's codename and KEYRING the file named
by Signed-By (``-`` when there is none). The wheel scripts point a private
apt configuration at that mirror, to fetch zlib's source package or to
bootstrap a test system, without touching the system's own apt setup.

Both source formats are read: one-line ``/etc/apt/sources.list`` entries and
deb822 ``*.sources`` files.
"""

from __future__ import annotations

import glob
import os
import sys
from typing import Dict, Iterator, List, Optional, Tuple

APT_DIR = "/etc/apt"
FALLBACK_URI = "http://deb.debian.org/debian"
# Suites layered on top of a release; the release itself carries every source package.
OVERLAY_SUFFIXES = ("-security", "-updates", "-backports", "-proposed")

Entry = Tuple[List[str], str, List[str], List[str], Optional[str]]  # types, uri, suites, components, keyring


def os_release() -> Dict[str, str]:
    values: Dict[str, str] = {}
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    key, sep, value = line.strip().partition("=")
                    if sep:
                        values[key] = value.strip().strip('"')
            break
    return values


def one_line_entries(path: str) -> Iterator[Entry]:
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            kind = words.pop(0)
            keyring = None
            if words and words[0].startswith("["):
                # Options such as [arch=amd64 signed-by=/path] (possibly several words).
                options = []
                while words:
                    word = words.pop(0)
                    options.append(word)
                    if word.endswith("]"):
                        break
                for option in " ".join(options).strip("[]").split():
                    key, _, value = option.partition("=")
                    if key == "signed-by":
                        keyring = value
            if len(words) >= 2:
                yield [kind], words[0], [words[1]], words[2:], keyring


def deb822_entries(path: str) -> Iterator[Entry]:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for stanza in text.split("\n\n"):
        fields: Dict[str, str] = {}
        current = None
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1].isspace() and current:
                fields[current] += "\n" + raw.strip()
                continue
            key, sep, value = raw.partition(":")
            if sep:
                current = key.strip().lower()
                fields[current] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        keyring = fields.get("signed-by")
        if keyring and "\n" in keyring:
            keyring = None  # an inline key block, not a file we can name
        for uri in fields.get("uris", "").split():
            yield (
                fields.get("types", "").split(),
                uri,
                fields.get("suites", "").split(),
                fields.get("components", "").split(),
                keyring,
            )


def entries() -> Iterator[Entry]:
    one_line = [os.path.join(APT_DIR, "sources.list")]
    one_line += sorted(glob.glob(os.path.join(APT_DIR, "sources.list.d", "*.list")))
    for path in one_line:
        if os.path.isfile(path):
            yield from one_line_entries(path)
    for path in sorted(glob.glob(os.path.join(APT_DIR, "sources.list.d", "*.sources"))):
        yield from deb822_entries(path)


def find_mirror(codename: str) -> Tuple[str, str, Optional[str]]:
    release_suites = []
    for types, uri, suites, components, keyring in entries():
        if not {"deb", "deb-src"} & set(types) or "main" not in components:
            continue
        for suite in suites:
            if suite == codename:
                return uri.rstrip("/"), suite, keyring
            if not suite.endswith(OVERLAY_SUFFIXES) and "/" not in suite:
                release_suites.append((uri.rstrip("/"), suite, keyring))
    if release_suites:
        return release_suites[0]
    return FALLBACK_URI, codename or "stable", None


def main() -> int:
    codename = os_release().get("VERSION_CODENAME", "")
    uri, suite, keyring = find_mirror(codename)
    if keyring and not os.path.isfile(keyring):
        keyring = None
    print(uri, suite, keyring or "-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
