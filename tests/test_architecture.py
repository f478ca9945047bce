"""The shape of the package, checked by reading its source: no import cycles (lazy imports
inside functions included), and no code outside the task packages asking which task it is."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "automl_nb"
#: the task packages and the registry: the only places that may name a task
TASK_HOMES = ("automl_nb/tabular/", "automl_nb/forecast/", "automl_nb/task.py")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of the package that ``name`` imports, at the top or inside a function."""
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    tree = ast.parse(path.read_text())
    # imports for type checkers only (``if TYPE_CHECKING:``) never run
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING"
                   for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for t in targets:
            # the deepest module of the package this name refers to
            parts = t.split(".")
            while parts and ".".join(parts) not in known:
                parts.pop()
            if parts and ".".join(parts) != name:
                out.add(".".join(parts))
    return out


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    graph = {m: _imports(m, p, known) for m, p in mods.items()}
    # importing a.b.c runs a/__init__ and a/b/__init__ first: those are not edges we wrote,
    # and a package's __init__ importing its own submodules is how packages work
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".") and not t.startswith(m + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def unit_of(module: str) -> str:
    """The unit of layering: a subpackage (``automl_nb.data``) or a top-level module."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m, targets in graph.items():
        out.setdefault(unit_of(m), set()).update(unit_of(t) for t in targets if unit_of(t) != unit_of(m))
    return out


def _edges_within(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    inside = set(component)
    return [f"  {m} -> {t}" for m in sorted(graph) for t in sorted(graph[m])
            if unit_of(m) in inside and unit_of(t) in inside and unit_of(m) != unit_of(t)]


def test_the_package_has_no_import_cycle():
    found = cycles(import_graph())
    assert found == [], "import cycles (lazy imports included):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_subpackages_are_layered_without_cycles():
    """data, featurize, learners, run, search, tabular, forecast, widget and the top-level
    modules depend on each other in one direction (lazy imports included)."""
    graph = import_graph()
    found = cycles(package_graph(graph))
    assert found == [], "cycles between subpackages:\n" + "\n".join(
        " <-> ".join(c) + "\n" + "\n".join(_edges_within(graph, c)) for c in found)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


#: the names of the tasks (the registry's keys). Inside the tabular task, whether the target is
#: binary, multiclass or numeric is a property of the data that learners and metrics read.
_TASK_QUESTION = re.compile(
    r"""(==|!=)\s*["'](forecast|tabular)["']"""
    r"""|["'](forecast|tabular)["']\s*(==|!=)"""
    r"""|\bin\s*[(\[{][^)\]}]*["'](forecast|tabular)["']"""
    r"""|\bis_(forecast|tabular)\b"""
)


def task_questions() -> list[str]:
    """Lines outside the task packages that compare a task name."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel.startswith(TASK_HOMES):
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if _TASK_QUESTION.search(code):
                found.append(f"{rel}:{i}: {line.strip()}")
    return found


def test_no_code_outside_the_task_packages_asks_which_task_it_is():
    found = task_questions()
    assert found == [], "task-name comparisons outside the task packages:\n" + "\n".join(found)


def test_the_task_question_finder_sees_a_comparison():
    assert _TASK_QUESTION.search('if p.task == "forecast":')
    assert _TASK_QUESTION.search("if self.task_ in ('regression', 'forecast'):")
    assert _TASK_QUESTION.search("if config.is_forecast:")
    assert not _TASK_QUESTION.search("task = get_task(name)")


MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 400


def test_no_module_or_class_is_a_god_object():
    too_big = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_big.append(f"{rel}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                too_big.append(f"{rel}: class {node.name} has {node.end_lineno - node.lineno + 1} lines")
    assert too_big == [], "\n".join(too_big)
