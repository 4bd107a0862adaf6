#!/usr/bin/env python3
"""Builds the list of ordinary lowercase English words that brand matching consults
(src/checks/mentions/data/ordinary_words.txt) from Debian's `wamerican` package, which is
SCOWL (Spell Checker Oriented Word Lists, by Kevin Atkinson) at size 50 with American
spelling. This script is the one way the list is rebuilt. Run from the repository root:

    apt-get install -y wamerican      # provides /usr/share/dict/american-english
    python3 tools/build_word_list.py

Kept: entries written in lowercase ASCII letters only, at least 2 letters long (names and
other capitalised entries, abbreviations, possessives and words with accents are left out:
aivis asks "is this brand name, lowercased, a word people write in lowercase?"). The output
is sorted by byte order (aivis looks words up with a binary search), one word a line, after a
`#` header naming the source, its version and licence. The package's copyright file, which
holds the licence texts the SCOWL licence asks to accompany every copy, is copied beside it
as SCOWL-LICENSE.txt. The output is deterministic and checked in; the package is needed only
to rebuild it, never to build or test aivis.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "checks" / "mentions" / "data"
SOURCE = Path("/usr/share/dict/american-english")
COPYRIGHT = Path("/usr/share/doc/wamerican/copyright")
WORD = re.compile(r"^[a-z]{2,}$")


def package_version() -> str:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "wamerican"],
            check=True, capture_output=True, text=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        sys.exit("wamerican is not installed (apt-get install -y wamerican)")


def main() -> None:
    if not SOURCE.exists() or not COPYRIGHT.exists():
        sys.exit(f"{SOURCE} or {COPYRIGHT} missing (apt-get install -y wamerican)")
    version = package_version()
    words = sorted({line.strip() for line in SOURCE.read_text(encoding="utf-8").splitlines()
                    if WORD.match(line.strip())})
    header = [
        "# Ordinary lowercase English words: a brand name that is one of them (lowercased) is",
        "# matched with care (see src/checks/mentions/words.rs).",
        "# Source: SCOWL (Spell Checker Oriented Word Lists), size 50, American spelling, as",
        f"# packaged by Debian: wamerican {version}, /usr/share/dict/american-english.",
        "# Kept: lowercase ASCII letters only, at least 2 letters; sorted by byte order.",
        "# Licence: SCOWL's permissive licence (Copyright 2000-2011 by Kevin Atkinson and the",
        "# authors of its sources); the full terms, which must accompany every copy, are in",
        "# SCOWL-LICENSE.txt beside this file.",
        "# Rebuilt only by tools/build_word_list.py.",
        f"# {len(words)} words.",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ordinary_words.txt").write_text("\n".join(header + words) + "\n", encoding="utf-8")
    licence = COPYRIGHT.read_text(encoding="utf-8")
    (OUT / "SCOWL-LICENSE.txt").write_text(
        "The word list ordinary_words.txt is derived from SCOWL as packaged by Debian\n"
        f"(wamerican {version}). This is that package's copyright file, verbatim:\n\n" + licence,
        encoding="utf-8",
    )
    print(f"wrote {len(words)} words to {OUT / 'ordinary_words.txt'}")


if __name__ == "__main__":
    main()
