"""The analysis notebooks run top to bottom, headless, on the bundled corpus, and are stored without outputs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", REPO / "notebooks" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_is_one_notebook_per_analysis():
    assert [p.name for p in NOTEBOOKS] == ["01_corpus_and_cleaning.ipynb", "02_slogans.ipynb",
                                           "03_keywords_tfidf.ipynb", "04_topics.ipynb",
                                           "05_reading_reports.ipynb", "06_panels.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs_and_matches_its_generator(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:40]
    assert nbformat.writes(_builder().build(path.name)) + "\n" == path.read_text(encoding="utf-8"), \
        "notebook differs from notebooks/build_notebooks.py: run `python notebooks/build_notebooks.py`"


@pytest.fixture(scope="module")
def token_cache(tmp_path_factory):
    """One temporary token cache for all notebooks (the kernels inherit the environment)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEXTMINE_CACHE_DIR", str(tmp_path_factory.mktemp("tokens")))
        yield


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_in_this_interpreter(path, token_cache):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(nb, kernel_name="python3", timeout=300,
                            resources={"metadata": {"path": str(REPO)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    executable = nb.cells[-1].outputs[0]["text"].strip()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if "image/png" in o.get("data", {})]
    code = "\n".join(c.source for c in nb.cells)
    if "plots." in code or "figures." in code:
        assert figures, "the notebook's figures were not displayed"
