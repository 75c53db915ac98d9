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


def _import_graph() -> dict[str, set[str]]:
    """textmine module -> textmine modules it imports (every import statement, inside functions too)."""
    import ast
    from pathlib import Path

    root = Path(textmine.__file__).resolve().parent
    modules = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        modules[".".join(parts)] = (path, is_package)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as a path ``[a, b, …, a]``, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return None


def test_the_cycle_check_finds_a_cycle_and_passes_a_tree():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_every_module_imports_and_there_is_no_import_cycle():
    import importlib

    graph = _import_graph()
    assert len(graph) > 20 and "textmine.tokenize.tokenized" in graph
    for name in graph:
        importlib.import_module(name)
    # the package's __init__ re-exports lazily (importlib, not an import statement): not an edge
    graph = {name: {t for t in edges if t != "textmine"} for name, edges in graph.items()}
    assert _find_cycle(graph) is None


def test_no_test_skips_when_a_textmine_module_fails_to_import():
    """A broken import of textmine's own code must fail the suite, not skip tests."""
    import re
    from pathlib import Path

    tests = Path(__file__).resolve().parent
    found = [f"{p.name}: {m}" for p in sorted(tests.glob("test_*.py"))
             for m in re.findall(r"importorskip\(\s*['\"](textmine[\w.]*)", p.read_text(encoding="utf-8"))]
    assert not found
