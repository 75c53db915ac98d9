"""How large is the explorer page and its index, and how long does it take to write? (issue #16)

Writes the explorer (no figures) for the bundled corpus and for the 31 provincial reports of
2026 (``load_corpus("provinces2026")`` when the corpus module knows it, else the CSV files in
``--provinces``, column ``full_text``, built with ``Corpus.from_dataframe``), and reports the
size of ``index.html`` and ``explorer_data.js``, the characters of cleaned text, the slogan
marks, and the time to write them.

::

    python benchmarks/explorer_size.py [--provinces DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import textmine as tm
from textmine.explorer import EXPLORER_DATA, EXPLORER_PAGE, write_explorer


def provinces(folder: Path) -> tm.Corpus:
    try:
        return tm.load_corpus("provinces2026")
    except Exception:  # not bundled (yet): read the CSV files
        import pandas as pd

        files = sorted(folder.glob("*.csv"))
        if not files:
            raise SystemExit(f"{folder}: no CSV files (pass --provinces DIR)")
        frame = pd.concat([pd.read_csv(f, encoding="utf-8-sig") for f in files], ignore_index=True)
        frame = frame.assign(doc_id=[f.stem for f in files], place=frame["province"], level="省级",
                             doctype="report")[["doc_id", "place", "province", "level", "year", "doctype",
                                                "full_text"]]
        return tm.Corpus.from_dataframe(frame, text="full_text")


def measure(name: str, corpus: tm.Corpus) -> str:
    out = Path(tempfile.mkdtemp(prefix="textmine-explorer-"))
    n_chars = sum(len(d.text) for d in corpus)  # cleaning happens while loading, not timed here
    start = time.perf_counter()
    write_explorer(corpus, out)
    seconds = time.perf_counter() - start
    page, data = (out / EXPLORER_PAGE).stat().st_size, (out / EXPLORER_DATA).stat().st_size
    return (f"| {name} | {len(corpus)} | {n_chars:,} | {page / 1024:,.0f} KB | {data / 1e6:,.2f} MB | "
            f"{seconds:.2f} s |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--provinces", type=Path, default=Path("/work/shared/corpora/provinces2026"))
    args = p.parse_args(argv)
    rows = ["| corpus | documents | characters (cleaned) | index.html | explorer_data.js | write time |",
            "|---|---|---|---|---|---|",
            measure("bundled seeds", tm.load_corpus()),
            measure("31 provincial reports, 2026", provinces(args.provinces))]
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
