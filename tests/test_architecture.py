"""The app layers of pyproject.toml's import-linter contracts hold: xmo (the ground floor)
imports no domain app, and every app imports only from the apps below it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_templates_hold_no_css():
    """Styles live in static/xmo/*.css; a template links them, never inlines them."""
    inline = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if "<style" in path.read_text()
    ]
    assert inline == []


def test_only_shared_field_and_pager_partials():
    """Every form field and every pager renders through templates/partials/."""
    copies = [
        str(path.relative_to(ROOT))
        for name in ("_field.html", "_pagination.html")
        for path in (ROOT / "templates").rglob(name)
        if path.parent.name != "partials"
    ]
    assert copies == []


APPS = ["xmo", "experience", "xlas", "feedback", "office", "changes", "meetings", "reports", "demo"]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_inside_an_app():
    """Counting imports inside functions too: a circle hidden by a lazy import is a circle."""
    import grimp

    graph = grimp.build_graph(*APPS)
    circles = []
    for app in APPS:
        modules = {
            m
            for m in graph.modules
            if (m == app or m.startswith(app + ".")) and ".migrations" not in m
        }
        edges = {m: set(graph.find_modules_directly_imported_by(m)) & modules for m in modules}
        circles += _cycles(edges)
    assert circles == []


def test_cycle_finder_sees_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_over_450_lines():
    long = [
        f"{path.relative_to(ROOT)}: {lines}"
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > 450
    ]
    assert long == []
