"""Chinese text in figures on a fresh machine: the bundled Noto Sans CJK font.

The font comes with the install (PyPI package ``noto-cjk-sans-otc``): nothing is
downloaded at run time and no system font is needed. :func:`register_cjk_font`
adds the font collection to matplotlib and puts its Simplified Chinese face
(``Noto Sans CJK SC``) first in ``font.sans-serif``; :mod:`textmine.plots` calls
it on import.

>>> family = register_cjk_font()
>>> family
'Noto Sans CJK SC'
>>> missing_glyphs("新质生产力 per 10,000 字")
[]
"""

from __future__ import annotations

__all__ = ["font_path", "register_cjk_font", "face_index", "missing_glyphs", "CJK_FAMILY"]

from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

#: Family name of the Simplified Chinese face inside the bundled collection.
CJK_FAMILY = "Noto Sans CJK SC"

#: rcParams every textmine figure is drawn with (fonts only; layout is per figure).
CJK_RC: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": [CJK_FAMILY, "DejaVu Sans"],
    "axes.unicode_minus": False,  # U+2212 is in the font, but "-" keeps CSV and figure text identical
}


def font_path() -> Path:
    """Path of the bundled Noto Sans CJK collection (``NotoSansCJK-Regular.ttc``).

    >>> font_path().name
    'NotoSansCJK-Regular.ttc'
    """
    import noto_cjk_sans_otc

    return Path(noto_cjk_sans_otc.FONT_PATH)


def register_cjk_font(*, set_rc: bool = True) -> str:
    """Add the bundled CJK font to matplotlib (once) and return the SC family name.

    With ``set_rc`` (default) the global rcParams are updated with :data:`CJK_RC`
    so that any figure, not only textmine's, renders Chinese.

    >>> register_cjk_font(set_rc=False)
    'Noto Sans CJK SC'
    """
    _add_font_once(str(font_path()))
    if set_rc:
        matplotlib.rcParams.update(CJK_RC)
    return CJK_FAMILY


@lru_cache(maxsize=None)
def _add_font_once(path: str) -> None:
    names = {entry.name for entry in font_manager.fontManager.ttflist if entry.fname == path}
    if CJK_FAMILY not in names:
        font_manager.fontManager.addfont(path)
    if CJK_FAMILY not in {e.name for e in font_manager.fontManager.ttflist if e.fname == path}:
        raise RuntimeError(f"{path}: matplotlib did not load a {CJK_FAMILY!r} face (needs matplotlib >= 3.11)")


def face_index() -> int:
    """Index of the Simplified Chinese face inside the font collection.

    >>> face_index() >= 0
    True
    """
    register_cjk_font(set_rc=False)
    path = str(font_path())
    for entry in font_manager.fontManager.ttflist:
        if entry.fname == path and entry.name == CJK_FAMILY:
            return int(getattr(entry, "index", 0))
    raise RuntimeError(f"{path}: no {CJK_FAMILY!r} face registered")  # pragma: no cover


@lru_cache(maxsize=1)
def covered_codepoints() -> frozenset[int]:
    """Unicode code points the SC face has a glyph for (read with fontTools)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font_path()), fontNumber=face_index(), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` (whitespace aside) the CJK font cannot draw, in order of appearance.

    >>> missing_glyphs("营商环境 ก")
    ['ก']
    """
    covered = covered_codepoints()
    out: list[str] = []
    for ch in text:
        if not ch.isspace() and ord(ch) not in covered and ch not in out:
            out.append(ch)
    return out
