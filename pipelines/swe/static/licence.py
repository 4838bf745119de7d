"""A repository's licence, read from what its source distribution says about itself: PEP 639's
`License-Expression`, the trove classifiers, the free-text `License` field of PKG-INFO or
pyproject.toml, a LICENSE file's first lines; for a Debian source package, debian/copyright (DEP-5).
Rows record it; a licence that is unknown or does not allow redistribution keeps the repository out."""

from __future__ import annotations

import email.parser
import re
import tomllib
from pathlib import Path

# Licences whose terms let the code (and data quoting it) be redistributed, by normalised id.
REDISTRIBUTABLE = {
    "MIT", "MIT-0", "BSD-2-Clause", "BSD-3-Clause", "BSD", "0BSD", "Apache-2.0", "ISC", "PSF-2.0", "Python-2.0",
    "MPL-2.0", "LGPL-2.1", "LGPL-3.0", "LGPL", "GPL-2.0", "GPL-3.0", "GPL", "AGPL-3.0", "Unlicense", "CC0-1.0",
    "Zlib", "HPND", "EPL-2.0", "Artistic-2.0", "WTFPL", "BSL-1.0", "Expat", "public-domain",
}
_CLASSIFIER = {
    "MIT License": "MIT", "MIT No Attribution License (MIT-0)": "MIT-0", "BSD License": "BSD",
    "Apache Software License": "Apache-2.0", "ISC License (ISCL)": "ISC", "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0", "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.1",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0", "GNU Lesser General Public License v3 or later (LGPLv3+)":
    "LGPL-3.0", "GNU Library or Lesser General Public License (LGPL)": "LGPL", "GNU General Public License v2 (GPLv2)":
    "GPL-2.0", "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0", "GNU General Public License v3 (GPLv3)":
    "GPL-3.0", "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0", "GNU General Public License (GPL)": "GPL",
    "GNU Affero General Public License v3": "AGPL-3.0", "The Unlicense (Unlicense)": "Unlicense",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0", "zlib/libpng License": "Zlib",
    "Historical Permission Notice and Disclaimer (HPND)": "HPND", "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0", "Public Domain": "public-domain",
}
# Free-text names and first lines of LICENSE files, most specific first.
_TEXT = [
    (r"\bMIT\b|Permission is hereby granted, free of charge", "MIT"),
    (r"Apache(?: License)?,? (?:Version |v)?2\.0|\bApache-2\.0\b|Apache Software License", "Apache-2.0"),
    (r"\bBSD[- ]?3|3-clause BSD|Redistribution and use in source and binary forms", "BSD-3-Clause"),
    (r"\bBSD[- ]?2|2-clause BSD|Simplified BSD", "BSD-2-Clause"),
    (r"\bBSD\b", "BSD"), (r"\bISC\b", "ISC"), (r"Mozilla Public License,? (?:Version )?2\.0|\bMPL[- ]?2", "MPL-2.0"),
    (r"\bLGPL[- v]*3|Lesser General Public License.*(?:version 3|v3)", "LGPL-3.0"),
    (r"\bLGPL|Lesser General Public License", "LGPL"), (r"\bAGPL", "AGPL-3.0"),
    (r"\bGPL[- v]*3|GNU GENERAL PUBLIC LICENSE\s+Version 3", "GPL-3.0"),
    (r"\bGPL[- v]*2|GNU GENERAL PUBLIC LICENSE\s+Version 2", "GPL-2.0"), (r"\bGPL\b", "GPL"),
    (r"\bPSF\b|Python Software Foundation", "PSF-2.0"), (r"Unlicense|This is free and unencumbered", "Unlicense"),
    (r"\bCC0\b", "CC0-1.0"), (r"\bzlib\b", "Zlib"), (r"Public Domain", "public-domain"),
]


def _from_text(text: str) -> str | None:
    for pattern, lic in _TEXT:
        if re.search(pattern, text, re.I):
            return lic
    return None


def _spdx(expr: str) -> str:
    """The first licence of an SPDX expression (`MIT OR Apache-2.0` → MIT), `-only`/`-or-later` dropped."""
    first = re.split(r"\s+(?:OR|AND|WITH)\s+|[()]", expr.strip())
    lic = next((x for x in first if x.strip()), expr).strip()
    return re.sub(r"-(only|or-later)$|\+$", "", lic)


def _pkg_info(tree: Path) -> email.message.Message | None:
    for p in (tree / "PKG-INFO", *sorted(tree.glob("*.egg-info/PKG-INFO")), *sorted(tree.glob("src/*.egg-info/PKG-INFO"))):
        if p.is_file():
            return email.parser.Parser().parsestr(p.read_text(encoding="utf-8", errors="replace"), headersonly=True)
    return None


def of_python(tree: Path) -> str | None:
    meta = _pkg_info(tree)
    if meta is not None:
        if meta.get("License-Expression"):
            return _spdx(meta["License-Expression"])
        for c in meta.get_all("Classifier") or []:
            if c.startswith("License ::"):
                name = c.split("::")[-1].strip()
                if name in _CLASSIFIER:
                    return _CLASSIFIER[name]
        text = (meta.get("License") or "").strip()
        if text and text.upper() not in ("UNKNOWN", "NONE") and (lic := _from_text(text[:400])):
            return lic
    pyproject = tree / "pyproject.toml"
    if pyproject.is_file():
        try:
            lic = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("license")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            lic = None
        if isinstance(lic, str) and lic.strip():
            return _spdx(lic)
        if isinstance(lic, dict) and isinstance(lic.get("text"), str) and (found := _from_text(lic["text"][:400])):
            return found
    for p in sorted(tree.glob("LICEN[CS]E*")) + sorted(tree.glob("COPYING*")):
        if p.is_file() and (found := _from_text(p.read_text(encoding="utf-8", errors="replace")[:1500])):
            return found
    return None


def of_debian(tree: Path) -> str | None:
    """The licence of the `Files: *` paragraph of a DEP-5 debian/copyright (Debian main is DFSG-free)."""
    p = tree / "debian" / "copyright"
    if not p.is_file():
        return None
    text = p.read_text(encoding="utf-8", errors="replace")
    m = re.search(r"^Files:\s*\*\s*$.*?^License:\s*(\S[^\n]*)", text, re.M | re.S)
    return _spdx(m.group(1)) if m else None


def of_tree(tree: Path, source: str) -> str | None:
    return of_debian(tree) if source.startswith("debian:") else of_python(tree)


def redistributable(lic: str | None) -> bool:
    if not lic:
        return False
    base = re.sub(r"-(only|or-later)$|\+$", "", lic)
    return base in REDISTRIBUTABLE or base.upper() in {x.upper() for x in REDISTRIBUTABLE}
