"""Make the shipped long-tail package list (pipelines/swe/static/packages.txt): pure-Python projects
from a PyPI name list (name, version, month, download rank), pinned to a version whose sdist exists
and whose wheel is `py3-none-any`, sdist under 2 MB. Half popular (a download rank), half obscure
(no rank, released since 2024). Run by hand when the list should be refreshed:

    python scripts/longtail_list.py NAMES.tsv > pipelines/swe/static/packages.txt
"""

from __future__ import annotations

import csv
import random
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

POPULAR, OBSCURE = 320, 300
MAX_SDIST = 2_000_000


def pick(client: httpx.Client, name: str, version: str) -> str | None:
    norm = re.sub(r"[-_.]+", "-", name).lower()
    try:
        r = client.get(f"https://pypi.org/simple/{norm}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    except httpx.HTTPError:
        return None
    if r.status_code != 200:
        return None
    stem = {f"{n}-{version}".lower() for n in (name, norm, norm.replace("-", "_"))}
    files = [f for f in r.json().get("files", []) if any(f["filename"].lower().startswith(s + x)
                                                          for s in stem for x in (".tar.gz", "-py"))]
    sdist = [f for f in files if f["filename"].endswith(".tar.gz") and not f.get("yanked")]
    pure = any(f["filename"].endswith(("-py3-none-any.whl", "-py2.py3-none-any.whl")) for f in files)
    if not sdist or not pure or (sdist[0].get("size") or 0) > MAX_SDIST:
        return None
    return f"pypi:{name}=={version}"


def main(path: str) -> None:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    rng = random.Random(20261206)
    popular = [r for r in rows if r["rank_among_15000_most_downloaded"]]
    obscure = [r for r in rows if not r["rank_among_15000_most_downloaded"] and r["month"] >= "2024-01"
               and r["summary"] and not r["version"].startswith("0.0")]
    out: list[str] = []
    with httpx.Client(timeout=30, follow_redirects=True) as client, ThreadPoolExecutor(8) as pool:
        for group, want in ((popular, POPULAR), (obscure, OBSCURE)):
            sample = rng.sample(group, min(len(group), want * 4))
            got = [x for x in pool.map(lambda r: pick(client, r["name"], r["version"]), sample) if x][:want]
            out += got
    print("# Long-tail pure-Python sdists for static SWE tasks: pinned, seeded-sampled from PyPI (popular and")
    print("# obscure); made by scripts/longtail_list.py. One source per line; `#` starts a comment.")
    print("\n".join(sorted(set(out), key=str.lower)))


if __name__ == "__main__":
    main(sys.argv[1])
