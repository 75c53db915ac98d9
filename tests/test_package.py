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


def test_clean_stays_the_function_after_its_module_is_imported():
    import textmine.cleaning  # noqa: F401  (what load_corpus does internally)

    textmine.load_corpus()
    assert textmine.clean("这一年,我们培育新质生\n产力,打好组合拳。").text == "这一年,我们培育新质生产力,打好组合拳。"
