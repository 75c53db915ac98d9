"""The public API: every advertised name resolves, and importing textmine is light."""

from __future__ import annotations

import subprocess
import sys

import textmine


def test_every_public_name_resolves():
    for name in textmine.__all__:
        assert getattr(textmine, name) is not None, name


def test_import_does_not_load_heavy_libraries_or_touch_global_jieba():
    code = (
        "import sys, textmine; textmine.load_corpus; "
        "heavy = [m for m in ('gensim', 'matplotlib', 'sklearn', 'jieba') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
