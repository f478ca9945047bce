"""``AutoML.to_code``: a model as a readable, standalone Python script.

The generic part lives here: an estimator becomes its constructor call with only the
parameters that differ from the class's defaults, one per line (nested estimators, pipelines
and column transformers alike); automl_nb's own transformers are carried in the script as
their source; the script's skeleton (header, imports, ``build_model()``, reading the data,
``main()``) is assembled by :class:`Script`. What to export is the task's business
(``Task.code``): the tabular task builds the script in :mod:`automl_nb.tabular.code_export`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import math
import textwrap
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from ..errors import ExportError

#: width the rendered code keeps to (lists of column names are wrapped to it)
WIDTH = 96
#: the parameter that a class takes first and that reads best without its keyword
_POSITIONAL = ("steps", "transformers", "estimators")
_INDENT = "    "


def to_code(exp: Any, trial: int | None) -> str:
    """The script for the final model (``trial=None``) or for finished trial ``trial``
    refit on every row; ExportError when the task cannot export it."""
    if trial is not None:
        check_trial(exp, trial)
    return exp.task.code(exp, None if trial is None else int(trial))


def check_trial(exp: Any, trial: Any) -> None:
    """ValueError naming ``trial`` unless it is a finished trial of this run."""
    if isinstance(trial, bool) or not isinstance(trial, int) and not str(trial).isdigit():
        raise ValueError(f"trial must be a trial id (an integer), got {trial!r}")
    trial = int(trial)
    finished = sorted(t for t, r in exp.results.items() if r.ok)
    if trial not in exp.results:
        raise ValueError(f"trial {trial} does not exist; finished trials: {finished}")
    r = exp.results[trial]
    if not r.ok:
        first = (r.error or "no error recorded").strip().splitlines()[0]
        raise ValueError(f"trial {trial} ({r.learner}) has status {r.status!r} and no model to export: "
                         f"{first}; finished trials: {finished}")


# ---------------------------------------------------------------------------------------
# source of module-level definitions (classes, functions, constants)
# ---------------------------------------------------------------------------------------


def definition_source(module: ModuleType, name: str) -> str:
    """The source of the top-level definition of ``name`` in ``module`` (a class, function
    or constant), with the ``#:`` comment lines just above it."""
    source = inspect.getsource(module)
    lines = source.splitlines()
    for node in ast.parse(source).body:
        if _defines(node, name):
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
            while start > 0 and lines[start - 1].lstrip().startswith("#:"):
                start -= 1
            return "\n".join(lines[start:node.end_lineno])
    raise ExportError(f"{module.__name__}.{name} has no top-level definition to copy into the script")


def _defines(node: ast.AST, name: str) -> bool:
    if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


# ---------------------------------------------------------------------------------------
# the script being written: imports, embedded source, rendered estimators
# ---------------------------------------------------------------------------------------


class Script:
    """Collects what a script needs while estimators are rendered into it.

    Parameters
    ----------
    embeds : callable
        ``embeds(obj) -> (definitions, imports)`` for an object of automl_nb's own (a class
        or a function the model holds): the ``(module, name)`` definitions whose source the
        script carries, in order, and the import lines that source needs. It raises
        :class:`ExportError` for an object that cannot be carried.
    annotate : callable, optional
        ``annotate(entry) -> comment lines`` for an entry (a tuple) of a list parameter,
        e.g. one entry of a ColumnTransformer: says what the columns are.
    """

    def __init__(self, embeds: Callable[[Any], tuple[list[tuple[ModuleType, str]], list[str]]],
                 annotate: Callable[[tuple], list[str]] | None = None) -> None:
        self.embeds = embeds
        self.annotate = annotate
        self.imports: set[str] = {"import numpy as np", "import pandas as pd"}
        self.definitions: list[tuple[ModuleType, str]] = []
        self.names: dict[Any, str] = {}  # class or function -> the name the script uses
        self.calls: dict[int, str] = {}  # id(object) -> an expression standing for it

    # ---- names ------------------------------------------------------------------------

    def name_of(self, obj: Any) -> str:
        """The script's name for a class or function: imported from its public module, or
        carried as source when it is automl_nb's own."""
        if obj in self.names:
            return self.names[obj]
        if obj.__module__.split(".")[0] == "automl_nb":
            definitions, imports = self.embeds(obj)
            self.imports.update(imports)
            for d in definitions:
                if d not in self.definitions:
                    self.definitions.append(d)
        else:
            self.imports.add(f"from {importable_module(obj)} import {obj.__name__}")
        self.names[obj] = obj.__name__
        return obj.__name__

    # ---- rendering ------------------------------------------------------------------

    def estimator(self, est: Any, indent: int = 0) -> str:
        """``Class(param=value, ...)``: the parameters that differ from the defaults, one
        per line; nested estimators rendered the same way."""
        if id(est) in self.calls:
            return self.calls[id(est)]
        cls = type(est)
        name = self.name_of(cls)
        params = changed_params(est)
        if not params:
            return f"{name}()"
        if len(params) == 1 and params[0][0] in _POSITIONAL:
            return f"{name}({self.value(params[0][1], indent)})"
        pad = _INDENT * (indent + 1)
        parts = []
        for i, (key, value) in enumerate(params):
            text = self.value(value, indent + 1)
            parts.append(text if i == 0 and key in _POSITIONAL else f"{key}={text}")
        one_line = f"{name}({', '.join(parts)})"
        if len(params) == 1 and "\n" not in one_line and len(one_line) + len(pad) <= WIDTH:
            return one_line
        return f"{name}(\n" + "".join(f"{pad}{p},\n" for p in parts) + _INDENT * indent + ")"

    def value(self, v: Any, indent: int) -> str:
        """A parameter's value as Python source."""
        if id(v) in self.calls:
            return self.calls[id(v)]
        if v is None or isinstance(v, (bool, str)):
            return repr(v)
        if isinstance(v, type) and v.__module__ == "numpy":
            return f"np.{v.__name__}"
        if hasattr(v, "dtype") and getattr(v, "ndim", None) == 0 and not isinstance(v, str):
            v = v.item()  # a numpy scalar
        if isinstance(v, int):
            return repr(v)
        if isinstance(v, float):
            if math.isnan(v):
                return "float('nan')"
            if math.isinf(v):
                return "float('inf')" if v > 0 else "-float('inf')"
            return repr(v)
        if isinstance(v, (list, tuple)):
            return self._sequence(v, indent)
        if isinstance(v, dict):
            items = [f"{self.value(k, indent + 1)}: {self.value(x, indent + 1)}" for k, x in v.items()]
            flat = "{" + ", ".join(items) + "}"
            if "\n" not in flat and len(flat) + len(_INDENT * (indent + 1)) <= WIDTH:
                return flat
            return "{\n" + wrap_items(items, _INDENT * (indent + 1)) + "\n" + _INDENT * indent + "}"
        if inspect.isfunction(v) or inspect.isclass(v):
            return self.name_of(v)
        if hasattr(v, "__dict__") and type(v).__module__ not in ("builtins", "numpy"):
            return self.estimator(v, indent)
        raise ExportError(f"a parameter value of type {type(v).__name__} ({v!r:.60}) cannot be written as code")

    def _sequence(self, seq: list | tuple, indent: int) -> str:
        opening, closing = ("[", "]") if isinstance(seq, list) else ("(", ")")
        if isinstance(seq, tuple) and len(seq) == 1:
            closing = ",)"
        items = [self.value(x, indent + 1) for x in seq]
        pad = _INDENT * (indent + 1)
        flat = opening + ", ".join(items) + closing
        simple = all(isinstance(x, (str, int, float, bool)) or x is None for x in seq)
        if "\n" not in flat and (len(flat) + len(pad) <= WIDTH or not simple and isinstance(seq, tuple)):
            return flat
        if simple:  # e.g. column names: as many per line as fit
            return opening + "\n" + wrap_items(items, pad) + "\n" + _INDENT * indent + closing
        lines = []
        for x, text in zip(seq, items, strict=True):
            if self.annotate is not None and isinstance(x, tuple):
                for comment in self.annotate(x):
                    lines.extend(f"{pad}# {c}" for c in textwrap.wrap(comment, WIDTH - len(pad) - 2))
            lines.append(f"{pad}{text},")
        return opening + "\n" + "\n".join(lines) + "\n" + _INDENT * indent + closing

    # ---- the script's parts ----------------------------------------------------------

    def import_block(self) -> str:
        """The import lines, sorted: plain imports, then ``from`` imports merged per module."""
        plain = sorted(i for i in self.imports if i.startswith("import "))
        merged: dict[str, set[str]] = {}
        for line in self.imports:
            if line.startswith("from "):
                module, names = line[5:].split(" import ")
                merged.setdefault(module, set()).update(n.strip() for n in names.split(","))
        stdlib = [p for p in plain if p.split()[1].split(".")[0] in _STDLIB]
        third = [p for p in plain if p not in stdlib]
        froms = [f"from {m} import {', '.join(sorted(n))}" for m, n in sorted(merged.items())]
        groups = [["from __future__ import annotations"], stdlib, third + froms]
        return "\n\n".join("\n".join(g) for g in groups if g)

    def embedded_source(self) -> str:
        """The source of every automl_nb definition the model needs, in dependency order."""
        return "\n\n\n".join(definition_source(module, name) for module, name in self.definitions)


_STDLIB = {"argparse", "re", "sys", "warnings", "pathlib", "runpy"}


def wrap_items(items: Iterable[str], pad: str) -> str:
    """Items joined by commas, as many per line as fit in :data:`WIDTH`."""
    lines, line = [], ""
    for item in items:
        piece = f"{item},"
        if line and len(pad) + len(line) + 1 + len(piece) > WIDTH:
            lines.append(pad + line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    if line:
        lines.append(pad + line)
    return "\n".join(lines)


def embedded_list(names: list[str]) -> str:
    """A list of names as source, wrapped to :data:`WIDTH`."""
    return "[\n" + wrap_items([repr(n) for n in names], _INDENT) + "\n]"


def importable_module(obj: Any) -> str:
    """:func:`public_module`, or ExportError for a class or function a script cannot import:
    one defined in a notebook or a script's ``__main__``, or inside a function."""
    if obj.__module__ == "__main__" or "<locals>" in getattr(obj, "__qualname__", ""):
        where = "in a notebook or script (__main__)" if obj.__module__ == "__main__" else "inside a function"
        raise ExportError(f"{obj.__qualname__} is defined {where}, so a script cannot import it; move it into a "
                          "module (a .py file on the path) and run again to export this model as code "
                          "(aml.save() keeps the model as it is)")
    return public_module(obj)


def public_module(obj: Any) -> str:
    """The shortest module path a class or function can be imported from
    (``sklearn.preprocessing``, not ``sklearn.preprocessing._encoders``)."""
    parts = obj.__module__.split(".")
    for i in range(1, len(parts) + 1):
        path = ".".join(parts[:i])
        try:
            module = importlib.import_module(path)
        except ImportError:  # pragma: no cover - a parent always imports
            continue
        if getattr(module, obj.__name__, None) is obj:
            return path
    return obj.__module__


def changed_params(est: Any) -> list[tuple[str, Any]]:
    """``est``'s constructor parameters that differ from the class's defaults, in the
    constructor's order; parameters outside the signature (``**kwargs``) always count."""
    sig = inspect.signature(type(est).__init__)
    defaults = {k: p.default for k, p in sig.parameters.items()
                if k != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    if hasattr(est, "get_params"):
        params = est.get_params(deep=False)
    else:
        try:
            params = {k: getattr(est, k) for k in defaults}
        except AttributeError as exc:
            raise ExportError(f"{type(est).__name__}'s parameters cannot be read back: {exc}") from None
    order = [k for k in defaults if k in params] + sorted(k for k in params if k not in defaults)
    return [(k, params[k]) for k in order
            if k not in defaults or defaults[k] is inspect.Parameter.empty or not same_value(params[k], defaults[k])]


def same_value(a: Any, b: Any) -> bool:
    """Whether a parameter equals its default (floats: NaN equals NaN; objects: same repr)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (str, int, bool, type(None), tuple, list, dict)):
        try:
            return bool(a == b)
        except (TypeError, ValueError):
            return False
    return a is b or repr(a) == repr(b)


def indent(text: str, level: int = 1) -> str:
    return textwrap.indent(text, _INDENT * level)


def docstring(text: str, level: int = 1) -> str:
    """A triple-quoted docstring, indented (text without triple quotes)."""
    text = text.replace('"""', "'''").strip()
    body = indent(text, level) if "\n" in text else _INDENT * level + text
    if "\n" not in text:
        return f'{_INDENT * level}"""{text}"""'
    return f'{_INDENT * level}"""{body.lstrip()}\n{_INDENT * level}"""'
