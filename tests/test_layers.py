"""The house rules a reviewer would check, checked by the tests: layers, no import circles, small files."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "covidxray_desktop"


def test_the_import_contracts_hold():
    """pyproject.toml's contracts: Qt only in the window, the core never reaches up, the layers' order."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed (pip install '.[test]')")
    done = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_no_module_imports_another_that_imports_it_back_even_inside_a_function():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("covidxray_desktop", include_external_packages=False)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10_000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            # A package's __init__ importing its own children is not a circle.
            if len(component) > 1 and not all(c.startswith(min(component, key=len) + ".") or c == min(component, key=len)
                                              for c in component):
                cycles.append(sorted(component))

    for m in modules:
        if m not in index:
            visit(m)
    assert cycles == []


def test_no_module_is_over_400_lines():
    long = [f"{p.relative_to(ROOT)} ({n})" for p in PACKAGE.rglob("*.py")
            if (n := p.read_text(encoding="utf-8").count("\n")) > 400]
    assert long == []
