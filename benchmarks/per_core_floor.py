"""How fast can tokenizing get on this machine? The floor under ``benchmarks/wall.py``'s cold ratios.

In one process, at the same moment (rounds alternate), on a sample of the provincial corpus of
``wall.py`` (built if missing): CPU seconds of

- the **jieba loop** (``wall.py``'s baseline: the same dictionary, ``HMM=False``, one ``lcut`` per
  text, textmine's filters),
- **rjieba's cut** of the same texts (textmine's engine), and
- **mapping** its tokens to ids (what textmine's workers do with them: ``np.fromiter`` over a dict),

then the same cut-and-map work split over two processes started beforehand, against one, timed
by the wall clock: what two busy cores give on this machine. The floor is the jieba loop's time
over cut and map on those cores, before any start-up, file reading or cleaning.

::

    python benchmarks/per_core_floor.py            # a 4 MB sample, 3 rounds
    python benchmarks/per_core_floor.py --mb 8
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def sample(mb: float) -> list[str]:
    """The first files of wall.py's 10 MB provincial corpus, up to ``mb`` MB."""
    from wall import build_provinces

    folder = build_provinces(10, 0, ROOT / "seeds" / "provinces2026")
    texts, size = [], 0
    for path in sorted(folder.glob("*.txt")):
        if size >= mb * 1e6:
            break
        texts.append(path.read_text(encoding="utf-8"))
        size += len(texts[-1].encode("utf-8"))
    return texts


def cut_and_map(texts: list[str]) -> tuple[float, float]:
    """CPU seconds of rjieba's cut and of mapping its tokens to ids, over ``texts``."""
    import numpy as np

    from textmine.tokenize.stream import _Codes
    from textmine.tokenize.tokenizer import Tokenizer

    cut = Tokenizer()._engine_cut()
    cut("热身", False)  # the engine is built before the timing
    codes, cuts, maps = _Codes(), 0.0, 0.0
    for text in texts:
        t0 = time.process_time()
        raw = cut(text, False)
        t1 = time.process_time()
        ids = np.fromiter(map(codes.__getitem__, raw), dtype=np.int32, count=len(raw))
        for i in np.flatnonzero(ids == -2).tolist():
            codes[raw[i]] = len(codes)
        cuts, maps = cuts + t1 - t0, maps + time.process_time() - t1
    return cuts, maps


def jieba_loop(texts: list[str]) -> float:
    """CPU seconds of wall.py's baseline loop over ``texts`` (its dictionary built beforehand)."""
    from run import jieba_with_policy_terms

    dt, keep = jieba_with_policy_terms()
    t0 = time.process_time()
    for text in texts:
        [w for w in dt.lcut(text, HMM=False) if keep(w)]
    return time.process_time() - t0


def _worker(texts: list[str], ready, go, out) -> None:
    cut_and_map(texts[:1])  # engine built, code warm
    ready.set()
    go.wait()
    t0 = time.perf_counter()
    cut_and_map(texts)
    out.put(time.perf_counter() - t0)


def wall_of(parts: list[list[str]]) -> float:
    """Wall seconds for ``len(parts)`` started processes to cut and map their part at once."""
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    readies = [ctx.Event() for _ in parts]
    procs = [ctx.Process(target=_worker, args=(p, r, go, out)) for p, r in zip(parts, readies)]
    for p in procs:
        p.start()
    for r in readies:
        r.wait()
    t0 = time.perf_counter()
    go.set()
    times = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return max(times) if times else time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=4.0, help="sample size in MB (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args()
    texts = sample(args.mb)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    halves = [texts[0::2], texts[1::2]]
    rows: dict[str, list[float]] = {"jieba": [], "cut": [], "map": [], "one": [], "two": []}
    for _ in range(args.repeat):
        rows["jieba"].append(jieba_loop(texts))
        cuts, maps = cut_and_map(texts)
        rows["cut"].append(cuts)
        rows["map"].append(maps)
        rows["one"].append(wall_of([texts]))
        rows["two"].append(wall_of(halves))
    med = {k: sorted(v)[len(v) // 2] for k, v in rows.items()}
    per_core = med["jieba"] / (med["cut"] + med["map"])
    scaling = med["one"] / med["two"]
    print(f"{len(texts)} texts, {mb:.1f} MB, medians of {args.repeat} rounds")
    print(f"CPU seconds: jieba loop {med['jieba']:.2f}, rjieba cut {med['cut']:.2f}, id mapping {med['map']:.2f}")
    print(f"wall seconds, cut and map: one process {med['one']:.2f}, two processes {med['two']:.2f} "
          f"(two busy cores give {scaling:.2f}x one)")
    print(f"floor: {per_core:.1f}x the jieba loop per core, {per_core * scaling:.1f}x on this machine's two cores, "
          f"{2 * per_core:.1f}x on two perfect ones (no start-up, reading or cleaning)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
