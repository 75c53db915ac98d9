"""Same results from two source trees: metadata, cleaned texts, change records, tokens and DTM, as hashes.

Usage::

    git -C . worktree add /tmp/base main
    .venv/bin/python benchmarks/ab_identity.py --base /tmp/base      # exit status 1 if anything differs

Each tree runs in its own process (first on ``sys.path``, its own fresh token
cache) over the bundled corpora (seeds, provinces2026) and the 50 MB corpus
of ``benchmarks/wall.py`` (lazy): for each, the metadata of every document
(and, loaded eagerly, its cleaned text and change records), then the tokens
and the document-term matrix with cleaning on and off, ``n_jobs`` 1 and -1,
``cache`` off, cold and warm. Prints the hashes side by side.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import warnings
from pathlib import Path

from _common import child_cmd, child_env, import_textmine, run_timed, serve_child

ROOT = Path(__file__).resolve().parents[1]

#: (n_jobs, cache) runs of every corpus: the second cache=True run reads the bundle the first wrote.
RUNS = ((1, False), (-1, False), (-1, True), (-1, True))


def _hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=repr).encode()).hexdigest()[:16]


def child(tree: str, big: str) -> dict[str, str]:
    """Every hash, computed with ``tree``'s textmine."""
    warnings.simplefilter("ignore")
    tm = import_textmine(tree)
    out = {}
    for name, path in (("seeds", None), ("provinces2026", "provinces2026"), ("50mb", big)):
        for lazy in (True, False):
            c = tm.load_corpus(path, lazy=lazy)
            texts = [] if lazy else [(d.text, repr(d.cleaning.changes if d.cleaning else None)) for d in c]
            out[f"{name} load lazy={lazy}"] = _hash([(d.doc_id, d.meta) for d in c], c.missing, texts,
                                                    c.meta_frame().to_csv())
        for clean in (True, False):
            for n_jobs, cache in RUNS:
                toks = tm.tokens(tm.load_corpus(path, lazy=path == big, clean=clean), n_jobs=n_jobs, cache=cache)
                d = toks.dtm()
                m = d.matrix.tocsr()
                key = f"{name} clean={clean} n_jobs={n_jobs} cache={cache}"
                out[key] = out.get(key, "") + _hash(list(toks)) + "/" + _hash(
                    list(d.vocabulary), m.indptr.tolist(), m.indices.tolist(), m.data.tolist()) + " "
    return out


def main(argv: list[str] | None = None) -> int:
    if serve_child({"hashes": child}, argv):
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the old tree")
    parser.add_argument("--new", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from wall import BUNDLED_PROVINCES, build_provinces

    big = str(build_provinces(50, 0, BUNDLED_PROVINCES))
    results = {}
    for name, tree in (("old", args.base), ("new", args.new)):
        with tempfile.TemporaryDirectory(prefix="textmine-identity-") as cache:  # a fresh token cache per tree
            cmd = child_cmd(Path(__file__).resolve(), "hashes", {"tree": str(tree.resolve()), "big": big})
            env = child_env({"TEXTMINE_CACHE_DIR": cache}, bytecode=True)
            results[name] = run_timed(cmd, env, tempfile.gettempdir(), f"{name} tree").result
    differ = [k for k in results["old"] if results["old"][k] != results["new"].get(k)]
    for key, value in results["new"].items():
        print(f"{'DIFFERS' if key in differ else 'same   '} {key}: {value.strip()}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
