"""Decoding text files: UTF-8, GB18030/GBK and legacy encodings detected by charset-normalizer,
with a check that the decoded text is plausible (no private-use or replacement characters, no
wrong-script gibberish)."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from .errors import CorpusError

__all__ = ["read_text", "check_plausible"]


#: Encodings a detected file may be in (what charset-normalizer may pick for Chinese files).
_LEGACY_ENCODINGS = ("gb18030", "big5", "big5hkscs", "cp950", "cp932", "shift_jis", "euc_jp", "euc_kr",
                     "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be", "hz")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# scripts that a Chinese text decoded with the wrong legacy code page fills with
_WRONG_SCRIPT = re.compile("[\u0370-\u03ff\u0400-\u04ff\u2500-\u257f\uff61-\uff9f]")
_HAN = re.compile("[\u3400-\u9fff]")
# any character one of the checks below looks for: a clean text is scanned once, not four times
_SUSPECT = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff\ufffd\x00-\x08\x0b\x0e-\x1f\x7f"
                      "\u0370-\u03ff\u0400-\u04ff\u2500-\u257f\uff61-\uff9f]")


def read_text(path: str | os.PathLike, encoding: str | None = None) -> str:
    """Read a text file, detecting its encoding; refuse text that decoded to garbage.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are read directly; anything else
    goes to charset-normalizer (Big5, Shift-JIS, UTF-16 without BOM, ...), with GB18030/GBK
    as the fallback for short Chinese files it cannot place. ``encoding`` skips detection.
    The decoded text is checked (:func:`check_plausible`): private-use or replacement
    characters, control characters, or a mix of Cyrillic/Greek/box-drawing/half-width kana
    inside Chinese text (what a Big5 file read as GBK looks like) raise :class:`CorpusError`
    naming the file. Line endings are normalised to ``\\n``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(p, "wb").write("政府工作报告".encode("gbk"))
    >>> read_text(p)
    '政府工作报告'
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise CorpusError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read file ({exc.strerror})") from None
    if not data.strip():
        raise CorpusError(f"{path}: file is empty")
    text, used = _decode(path, data, encoding)
    check_plausible(text, where=f"{path} (read as {used})")
    return _normalise_newlines(text)


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise CorpusError(f"{path}: cannot decode as {encoding} ({exc})") from None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise CorpusError(f"{path}: cannot decode: starts with a {enc} byte-order mark but is not valid {enc} "
                                  f"(bad byte at {exc.start})") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if _mostly_utf8(data):
        raise CorpusError(
            f"{path}: invalid UTF-8 at byte {bad_at} (the rest of the file is UTF-8, so it is "
            "probably corrupted); fix or re-save the file as UTF-8"
        )
    choices = []
    detected = _detect(data)
    if detected is not None:
        choices.append(detected)
    try:
        choices.append((data.decode("gb18030"), "gb18030"))
    except UnicodeDecodeError as exc:
        gb_bad = exc.start
    else:
        gb_bad = None
    if not choices:
        raise CorpusError(
            f"{path}: cannot decode as UTF-8 (first bad byte {bad_at}), as GB18030/GBK "
            f"(first bad byte {gb_bad}) or as any encoding charset-normalizer knows; re-save the file as UTF-8"
        )
    # the decoding whose characters are most like real Chinese (or Japanese) text wins;
    # charset-normalizer's choice first on a tie
    scored = sorted(((-_plausibility(t), i, t, enc) for i, (t, enc) in enumerate(choices)))
    score, _, text, enc = scored[0]
    if -score < 0.6:
        raise CorpusError(f"{path}: decodes to implausible text in every encoding tried "
                          f"({', '.join(e for *_, e in scored)}; best {enc}: {-score:.0%} common characters); "
                          "the file is damaged or in an unexpected encoding: pass encoding= or re-save it as UTF-8")
    return text, enc


def _detect(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) from charset-normalizer among CJK and UTF-16/32 encodings, or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(_LEGACY_ENCODINGS)).best()
    if best is None:
        return None
    return str(best), best.encoding


@lru_cache(maxsize=65536)
def _common(ch: str) -> bool:
    """Whether ``ch`` is a common character of Chinese or Japanese text.

    Common: a level-1 GB2312 hanzi (the 3,755 most used simplified characters), a Big5
    frequent hanzi (A440-C67E, 5,401 traditional characters), kana, or CJK punctuation.
    """
    o = ord(ch)
    if 0x3000 <= o <= 0x30FF or 0xFF01 <= o <= 0xFF5E:  # CJK punctuation, kana, full-width forms
        return True
    try:
        b = ch.encode("gb2312")
        if len(b) == 2 and 0xB0 <= b[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b = ch.encode("big5")
        return len(b) == 2 and 0xA440 <= (b[0] << 8 | b[1]) <= 0xC67E
    except UnicodeEncodeError:
        return False


def _plausibility(text: str) -> float:
    """Share of common characters among the non-ASCII, non-space characters (1.0 if there are none)."""
    try:
        check_plausible(text, where="")
    except CorpusError:
        return 0.0
    wide = [ch for ch in text if ord(ch) > 0x7F and not ch.isspace()]
    if not wide:
        return 1.0
    return sum(map(_common, wide)) / len(wide)


def check_plausible(text: str, *, where: str) -> None:
    """Raise :class:`CorpusError` if ``text`` looks mis-decoded.

    Private-use characters, U+FFFD replacement characters and control characters are never
    kept; nor is Chinese text with more than 2% of its characters in Cyrillic, Greek,
    box-drawing or half-width katakana (the signature of a Big5 or Shift-JIS file read as GBK).

    >>> check_plausible("各位代表：", where="a.txt")
    >>> check_plausible("瞷иカチ現┎穦厨", where="a.txt")
    Traceback (most recent call last):
    ...
    textmine.errors.CorpusError: a.txt: decodes to implausible text (2 of 8 characters are Cyrillic, Greek, box-drawing or half-width kana in Chinese text, e.g. 'и'); the file is probably in another encoding: pass encoding= or re-save it as UTF-8
    """
    if _SUSPECT.search(text) is None:
        return
    for pattern, what in ((_PRIVATE_USE, "private-use"), (re.compile("\ufffd"), "replacement (U+FFFD)"),
                          (_CONTROL, "control")):
        m = pattern.search(text)
        if m:
            n = len(pattern.findall(text))
            raise CorpusError(f"{where}: decodes to {n} {what} character(s), first U+{ord(m.group(0)):04X} at "
                              f"character {m.start()}; the file is probably in another encoding or damaged: "
                              "pass encoding= or re-save it as UTF-8")
    if _HAN.search(text) is not None:
        wrong = _WRONG_SCRIPT.findall(text)
        # counted only when needed: a whole report counted character by character costs more than reading it
        n_chars = len(text) - sum(map(str.isspace, text)) if wrong else 0
        if wrong and len(wrong) > 0.02 * n_chars:
            raise CorpusError(f"{where}: decodes to implausible text ({len(wrong)} of {n_chars} characters are "
                              f"Cyrillic, Greek, box-drawing or half-width kana in Chinese text, e.g. {wrong[0]!r}); "
                              "the file is probably in another encoding: pass encoding= or re-save it as UTF-8")


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mostly_utf8(data: bytes) -> bool:
    """True if ``data`` is UTF-8 text with a few bad bytes rather than another encoding."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return multibyte >= 20 * bad
