"""``AutoML.to_code`` for tabular models: the featurizer column by column, each member's
learner with the parameters its refit used, the ensemble's weights and the prior smoothing,
as a script that needs scikit-learn, LightGBM, pandas and numpy but not automl_nb.

The parameters are read from the fitted final model (``get_params``), not re-derived: they
hold what the refit actually used (the boosting rounds early stopping found, the trees a
forest kept, a leaf size raised for large data).
"""

from __future__ import annotations

import datetime as _dt
import sys
import textwrap
from types import ModuleType
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..errors import ExportError
from ..export.code import Script, docstring, embedded_list

#: learners whose refit is reproduced to the last digit on the same machine and versions
#: (every estimator has random_state=seed; LightGBM keeps the refit's thread count)
DETERMINISTIC = ("dummy", "linear", "lightgbm", "hist_gb", "random_forest", "extra_trees", "knn")


class Float32ForFit(TransformerMixin, BaseEstimator):
    """Cast the features to float32 in ``fit`` only, as automl_nb's refit does (its learners
    are trained on float32 features, half the memory); predictions see float64 features.

    Without this step a linear model's probabilities differ from automl_nb's by ~1e-6."""

    def fit(self, X, y=None):
        return self

    def fit_transform(self, X, y=None, **fit_params):
        return np.asarray(X, dtype=np.float32)

    def transform(self, X):
        return X


# ---------------------------------------------------------------------------------------
# what the script carries of automl_nb
# ---------------------------------------------------------------------------------------


def _embeds(obj: Any) -> tuple[list[tuple[ModuleType, str]], list[str]]:
    """The definitions (module, name) and imports the script needs for one of our objects."""
    from .. import stack_features as S
    from ..data import values as V
    from ..featurize import transformers as T

    here = sys.modules[__name__]
    base_imports = ["from sklearn.base import BaseEstimator, TransformerMixin",
                    "from sklearn.utils.validation import check_is_fitted"]
    frame = [(T, "_as_frame"), (T, "_FrameTransformer")]
    table: dict[str, tuple[list[tuple[ModuleType, str]], list[str]]] = {
        "AsFloat": (frame + [(T, "_column_as_float"), (T, "AsFloat")], base_imports),
        "BooleanToFloat": (frame + [(V, "TRUE_TOKENS"), (V, "FALSE_TOKENS"), (V, "bool_token"),
                                    (V, "to_bool_float"), (T, "BooleanToFloat")], base_imports),
        "CategoryAsString": (frame + [(T, "MISSING"), (T, "INFREQUENT"), (T, "CategoryAsString")], base_imports),
        "onehot_name": ([(T, "onehot_name")], []),
        "DatetimeFeatures": (
            frame + [(T, "_DATE_PARTS"), (T, "_ACCESSORS"), (T, "_TIME_PARTS"), (V, "_NUMBER"),
                     (V, "is_number_string"), (V, "_guess_format"), (V, "_to_datetime"),
                     (V, "guess_datetime_format"), (V, "parse_datetimes"), (T, "DatetimeFeatures")],
            base_imports + ["import re", "import warnings"]),
        "TextSVD": (frame + [(T, "TextSVD")], base_imports + [
            "from sklearn.decomposition import TruncatedSVD",
            "from sklearn.feature_extraction.text import TfidfVectorizer",
            "from threadpoolctl import threadpool_limits"]),
        "ConstantFeature": (frame + [(T, "ConstantFeature")], base_imports),
        "YourTransformer": (frame + [(T, "YourTransformer"), (T, "_dense")], base_imports),
        "Float32ForFit": ([(here, "Float32ForFit")], ["from sklearn.base import BaseEstimator, TransformerMixin"]),
        "LogOdds": ([(S, "LogOdds")], ["from sklearn.base import BaseEstimator, TransformerMixin"]),
    }
    name = getattr(obj, "__name__", type(obj).__name__)
    if name not in table or getattr(obj, "__module__", "") not in (T.__name__, V.__name__, S.__name__, __name__):
        raise ExportError(
            f"{obj.__module__}.{name} is automl_nb's own code and has no standalone version; a model that "
            "uses it cannot be exported as code (save it with aml.save(), or leave its learner out with "
            "blocked_learners=[...])")
    return table[name]


# ---------------------------------------------------------------------------------------
# the script
# ---------------------------------------------------------------------------------------


def tabular_code(exp: Any, trial: int | None) -> str:
    """See :meth:`automl_nb.AutoML.to_code`."""
    from ..learners.custom import run_learners

    if len(exp.prepared.X) == 0 or exp.profile is None:
        raise ExportError("to_code() needs the training data's columns and their types, which "
                          "an.load(folder, trusted=False) does not read; load the folder with trusted=True "
                          "(only if you trust it) to export its model as code")
    if trial is None:
        model, members = exp.outcome.model, dict(exp.outcome.members)
    else:
        from .explaining import model_to_explain

        model, members = model_to_explain(None, exp, trial), {trial: 1.0}
    from .threshold import unwrap

    inner = unwrap(model)  # the pipeline inside a decision threshold
    pipelines = _member_pipelines(inner, members)
    notes = _Notes(exp, members, trial)
    script = Script(_embeds, notes.annotate)

    featurizers: dict[str, str] = {}  # rendered source -> function name
    parts: list[str] = []
    for tid, pipe in pipelines.items():
        r = exp.results[tid]
        feat, est = pipe.steps[0][1], pipe.steps[-1][1]
        source = script.estimator(feat, 1)
        if source not in featurizers:
            family = run_learners(exp.config.learners)[r.learner].family
            name = f"featurizer_{family}"
            if name in featurizers.values():
                name += f"_{len(featurizers) + 1}"
            featurizers[source] = name
            parts.append(f"def {name}():\n{docstring(notes.featurizer_doc(family))}\n    return {source}")
        fname = featurizers[source]
        learner = script.estimator(est, 2)
        float32 = script.estimator(Float32ForFit())
        member = _member_name(tid, r.learner)
        parts.append(
            f"def {member}():\n{docstring(notes.member_doc(tid))}\n"
            f"    return Pipeline([\n"
            f'        ("featurize", {fname}()),\n'
            f'        ("float32", {float32}),  # automl_nb trains on float32 features\n'
            f'        ("model", {learner}),\n'
            f"    ])")
        script.calls[id(pipe)] = f"{member}()"
    script.name_of(type(inner))  # Pipeline
    expr = next(iter(script.calls.values())) if len(pipelines) == 1 else script.estimator(inner, 1)
    if inner is not model:  # FixedThresholdClassifier(estimator=<the pipeline>, threshold=...)
        script.calls[id(inner)] = expr
        expr = script.estimator(model, 1)
    body = f"    return {expr}"
    parts.append(f"def build_model():\n{docstring(notes.build_doc())}\n{body}")
    return _assemble(script, notes, parts, exp)


def _member_pipelines(model: Any, members: dict[int, float]) -> dict[int, Any]:
    """Trial id -> its fitted pipeline (featurizer, model), in the ensemble's order."""
    step = model.steps[0][1]
    if not hasattr(step, "estimators_") or len(model.steps) > 1:
        return {next(iter(members)): model}
    return dict(zip(members, step.estimators_, strict=True))


def _member_name(tid: int, learner: str) -> str:
    return f"trial_{tid}_{learner}"


class _Notes:
    """The words of the script: its header, docstrings and comments."""

    def __init__(self, exp: Any, members: dict[int, float], trial: int | None) -> None:
        self.exp = exp
        self.members = members
        self.trial = trial
        self.prior = None
        if trial is None and len(members) > 1:
            base = [t for t in members if exp.results[t].learner == exp.baseline]
            self.prior = base[0] if base else None

    # ---- comments on list entries --------------------------------------------------

    def annotate(self, entry: tuple) -> list[str]:
        profile = self.exp.profile
        if len(entry) == 3 and isinstance(entry[2], list):  # a ColumnTransformer entry
            name, trans, cols = entry
            kinds = {profile.columns[c].kind for c in cols if c in profile.columns}
            kind = "/".join(sorted(kinds)) or "every"
            if isinstance(trans, str):
                why = "; ".join(f"{c!r}: {profile.columns[c].evidence}" for c in cols[:3] if c in profile.columns)
                return [f"{kind} column(s) dropped ({why})"]
            what = describe(trans)
            if len(cols) == 1 and cols[0] in profile.columns:
                c = profile.columns[cols[0]]
                return [f"{kind} column {cols[0]!r} ({c.n_unique:,} distinct, {c.n_missing:,} missing): {what}"]
            if name == "constant":
                return [f"all columns: {what} (the class prior or the mean needs no features)"]
            return [f"{len(cols)} {kind} columns: {what}"]
        if len(entry) == 2 and isinstance(entry[0], str) and entry[0].startswith("trial_"):
            tid = int(entry[0].split("_")[1])
            r = self.exp.results[tid]
            if tid == self.prior:
                return [f"weight {self.members[tid]:.4g}: the class prior (prior smoothing, weight 1/rows)"]
            return [f"weight {self.members[tid]:.4g}: trial {tid}, {r.learner}, CV {self.exp.metric.name} {r.score:.4g}"]
        return []

    # ---- docstrings ---------------------------------------------------------------

    def featurizer_doc(self, family: str) -> str:
        return "\n".join(textwrap.wrap(
            f"The featurizer of the {family!r} learner family: one entry per column group, each "
            "column's kind in the comment (from automl_nb's profile of the training data). Outputs "
            "a dense float array.", 88))

    def member_doc(self, tid: int) -> str:
        r = self.exp.results[tid]
        if tid == self.prior:
            return "\n".join(textwrap.wrap(
                f"Trial {tid}: the class prior ({r.learner}). Blended in at weight 1/rows "
                f"({self.members[tid]:.3g}): prior smoothing for log loss floors every probability at "
                "prior/rows, so one unusual row cannot cost more than all others together.", 88))
        params = r.refit_params or r.params
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        text = (f"Searched parameters (as the refit on all rows used them): {shown or 'none'}. The "
                "estimator below spells out every constructor argument that differs from its default.")
        return (f"Trial {tid}: {r.learner}, cross-validated {self.exp.metric.name} {r.score:.4g}.\n\n"
                + "\n".join(textwrap.wrap(text, 88)))

    def build_doc(self) -> str:
        return "\n".join(textwrap.wrap(
            f"The unfitted model: {self.what()}. Fit it with build_model().fit(X, y) (X, y from prepare()).", 88))

    def what(self) -> str:
        if self.trial is not None:
            return f"trial {self.trial} ({self.exp.results[self.trial].learner}) refit on all rows"
        return self.exp.outcome.description

    # ---- header -------------------------------------------------------------------

    def header(self) -> str:
        import sklearn

        exp, p = self.exp, self.exp.prepared
        task = {"binary": "binary classification", "multiclass": "multiclass classification",
                "regression": "regression"}[p.task]
        classes = "" if p.classes is None else f" (classes {', '.join(map(repr, p.classes.tolist()))})"
        learners = sorted({exp.results[t].learner for t in self.members})
        exact = [n for n in learners if n in DETERMINISTIC]
        other = [n for n in learners if n not in DETERMINISTIC]
        versions = [f"python {sys.version.split()[0]}", f"scikit-learn {sklearn.__version__}",
                    f"pandas {_version('pandas')}", f"numpy {np.__version__}"]
        if "lightgbm" in learners:
            versions.insert(2, f"lightgbm {_version('lightgbm')}")
        sampled = [t for t in self.members if exp.refit_rows.get(t, len(p.X)) < len(p.X)]
        lines = [
            *textwrap.wrap(f"{self.what()[0].upper()}{self.what()[1:]}: a standalone script exported by "
                           "automl_nb.", 92),
            "",
            f"Task: {task} of {repr(self.target()) if self.target() else 'the target'}{classes}; metric {exp.metric.name}.",
            f"Trained on {len(p.X):,} rows x {p.X.shape[1]} columns (the columns in COLUMN_DTYPES).",
            "Needs scikit-learn, pandas and numpy" + (" and LightGBM" if "lightgbm" in learners else "")
            + " (joblib and threadpoolctl come with scikit-learn); not automl_nb.",
            "",
            "Usage",
            "-----",
            "As a program: fit on a CSV or Parquet file and save the fitted model with joblib::",
            "",
            f"    python model.py train.csv {self.target() or 'TARGET'} model.joblib",
            "",
            "From Python::",
            "",
            "    import runpy",
            '    ns = runpy.run_path("model.py")',
            f'    X, y = ns["prepare"](ns["read_table"]("train.csv"), {self.target() or "TARGET"!r})  # or your DataFrame',
            '    model = ns["build_model"]().fit(X, y)',
            '    proba = model.predict_proba(ns["features"](new_rows))  # the columns, cast',
            '    model = ns["load_model"]("model.joblib")  # a model saved by the program',
            "",
            "Data types: a CSV file does not keep a column's type (a code like '007' reads as the number",
            "7, dates read as text). read_table() reads the text columns of the training data as text and",
            "prepare() casts every column to its type at training (COLUMN_DTYPES); a column that cannot",
            "be cast is used as read, with a warning. Parquet keeps types.",
            "",
            "Reproducibility",
            "---------------",
            *textwrap.wrap(
                "Fitted on the same rows (prepare() drops rows with a missing target, as automl_nb did), "
                "this model gives automl_nb's predictions to 1e-6 or better with the same library versions: "
                + (f"{', '.join(exact)} {'is' if len(exact) == 1 else 'are'} deterministic"
                   if exact else "no learner here is deterministic")
                + ". Every estimator's random_state is fixed below (the run's seed); LightGBM keeps the "
                "refit's n_jobs, since its sums may depend on the thread count; features reach the "
                "learners as float32 when fitting, as in automl_nb (the 'float32' step)."
                + (f" Not reproduced to the last digit: {', '.join(other)}." if other else ""), 92),
        ]
        if sampled:
            lines.append(f"Trials {sampled} were refit on a random sample of the rows (the time left allowed "
                         "no more); fitted on all rows here, their predictions differ.")
        if p.n_train < len(p.X):
            lines.append(f"The training rows include validation_data's {len(p.X) - p.n_train:,} rows (after "
                         f"the first {p.n_train:,}).")
        lines += ["", f"Exported on {_dt.date.today().isoformat()} with {', '.join(versions)}."]
        return "\n".join(lines)

    def target(self) -> str | None:
        """The target column's name, when the experiment recorded it."""
        name = self.exp.prepared.target
        return None if name is None else str(name)


#: what each step does, in words (by class name: a model loaded from a folder has its own copies
#: of automl_nb's classes)
_STEP_WORDS = {
    "AsFloat": "as number", "BooleanToFloat": "map to 0/1", "OneHotEncoder": "one-hot",
    "TargetEncoder": "target-encode (cross-fitted)", "StandardScaler": "scale",
    "DatetimeFeatures": "date parts (year, month, day, day of week, day of year, time if any)",
    "TextSVD": "tf-idf of words and word pairs -> SVD components", "ConstantFeature": "constant 1",
}


def describe(trans: Any) -> str:
    """What a ColumnTransformer entry does, in words: "as number -> impute median + missing
    indicator -> scale"."""
    steps = [s for _, s in trans.steps] if hasattr(trans, "steps") else [trans]
    words = []
    for step in steps:
        name = type(step).__name__
        if name == "CategoryAsString":
            text = f"as text, missing -> {step.missing_value!r}"
            if step.min_frequency > 1:
                text += f", levels seen < {step.min_frequency} times or unseen -> {step.infrequent_value!r}"
            words.append(text)
        elif name == "SimpleImputer":
            words.append(f"impute {step.strategy}" + (" + missing indicator" if step.add_indicator else ""))
        else:
            words.append(_STEP_WORDS.get(name, name))
    if type(steps[0]).__name__ in ("AsFloat", "BooleanToFloat", "DatetimeFeatures") and not any(
            type(s).__name__ == "SimpleImputer" for s in steps):
        words.append("NaN kept")
    return " -> ".join(words)


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except ImportError:  # pragma: no cover - both are dependencies
        return "not installed"


def _dtypes(X: Any) -> str:
    width = max(len(repr(str(c))) for c in X.columns)
    return "\n".join(f"    {str(c)!r}:{' ' * (width - len(repr(str(c))))} {str(t)!r}," for c, t in X.dtypes.items())


def _assemble(script: Script, notes: _Notes, parts: list[str], exp: Any) -> str:
    p = exp.prepared
    script.imports.update({"import sys", "import warnings"})
    classes = "None" if p.classes is None else repr(p.classes.tolist())
    constants = "\n".join([
        "#: the target column (prepare()'s default; None: not recorded, name it)",
        f"TARGET = {notes.target()!r}",
        "#: the columns the model reads, in order, with their dtypes at training",
        "COLUMN_DTYPES = {",
        _dtypes(p.X),
        "}",
        "#: the classes, in the order of predict_proba's columns (None: regression)",
        f"CLASSES = {classes}",
        f"#: {p.task}: the kind of target",
        f"TASK = {p.task!r}",
    ])
    embedded = script.embedded_source()
    names = [name for _, name in script.definitions]
    sections = [
        f'"""{notes.header()}\n"""',
        script.import_block(),
        constants,
        "# " + "-" * 88 + "\n# automl_nb's own transformers, copied from its source (scikit-learn, pandas and numpy\n"
        "# only): the featurizer below uses them.\n# " + "-" * 88,
        embedded,
        "# " + "-" * 88 + "\n# the model\n# " + "-" * 88,
        *parts,
        "# " + "-" * 88 + "\n# data and program\n# " + "-" * 88,
        _DATA_CODE.replace("__EMBEDDED__", embedded_list(names)),
    ]
    return "\n\n\n".join(s.strip("\n") for s in sections if s.strip()) + "\n"


_DATA_CODE = '''
#: the definitions a saved model may refer to (load_model() makes them findable)
EMBEDDED = __EMBEDDED__
USAGE = f"usage: python {sys.argv[0] if sys.argv and sys.argv[0] else 'model.py'} DATA TARGET MODEL_FILE\\n" \\
    "  DATA: a .csv or .parquet file with the training columns and the target column TARGET;\\n" \\
    "  fits build_model() and saves the fitted model to the new file MODEL_FILE (joblib).\\n" \\
    "  Column types: CSV loses them, so each column is cast to its type at training (COLUMN_DTYPES)."


def read_table(path):
    """A CSV or Parquet file as a DataFrame; in a CSV the training data's text columns are
    read as text (so '007' stays '007')."""
    path = str(path)
    if path.lower().endswith((".parquet", ".pq")):
        return pd.read_parquet(path)
    text = {c: object for c, d in COLUMN_DTYPES.items() if d in ("object", "str", "string", "category")}
    return pd.read_csv(path, dtype=text)


def cast(X):
    """``X`` with every column cast to its type at training (COLUMN_DTYPES); a column that
    cannot be cast stays as read, with a warning."""
    X = X.copy()
    for col, dtype in COLUMN_DTYPES.items():
        current = str(X[col].dtype)
        if current == dtype or (dtype in ("object", "str") and current in ("object", "str", "string")):
            continue
        try:
            if dtype.startswith("datetime64"):
                values = pd.to_datetime(X[col], utc="," in dtype)
                if "," in dtype:
                    values = values.dt.tz_convert(dtype.split(", ")[1].rstrip("]"))
                X[col] = values.astype(dtype)
            else:
                X[col] = X[col].astype(dtype)
        except (TypeError, ValueError) as exc:
            warnings.warn(f"column {col!r}: read as {current}, could not be cast to {dtype} ({exc}); used as read",
                          stacklevel=2)
    return X


def prepare(frame, target=TARGET):
    """``(X, y)`` as automl_nb trained on them: rows with a missing target dropped, the
    training columns in training order, cast to their training types, infinities as missing."""
    if target is None:
        raise ValueError("name the target column: prepare(frame, target)")
    if target not in frame.columns:
        raise ValueError(f"the target column {target!r} is not in the data")
    keep = frame[target].notna().to_numpy()
    y = frame.loc[keep, target]
    if CLASSES is None:
        y = y.astype(float).to_numpy()
    else:
        if isinstance(y.dtype, pd.CategoricalDtype):
            y = y.astype(y.cat.categories.dtype)
        y = y.astype(object).to_numpy() if (y.dtype == object or pd.api.types.is_string_dtype(y)) else y.to_numpy()
    return features(frame.loc[keep]), y


def features(frame):
    """The columns the model reads, in order, cast to their training types (rows to predict)."""
    missing = [c for c in COLUMN_DTYPES if c not in frame.columns]
    if missing:
        raise ValueError(f"the data lacks columns the model was trained on: {missing}")
    X = cast(frame[list(COLUMN_DTYPES)].reset_index(drop=True))
    numbers = X.select_dtypes(include="number").columns
    X[numbers] = X[numbers].replace([np.inf, -np.inf], np.nan)
    return X


def load_model(path):
    """A model saved by this script run as a program. Its transformers were pickled as
    ``__main__.<class>``: they are put there first, so any program can load it."""
    import __main__

    import joblib

    for name in EMBEDDED:
        if not hasattr(__main__, name):
            setattr(__main__, name, globals()[name])
    return joblib.load(path)


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if len(args) != 3:
        print(USAGE, file=sys.stderr)
        return 2
    import os

    import joblib

    data, target, out = args
    if os.path.exists(out):
        print(f"{out} already exists; choose a new file", file=sys.stderr)
        return 1
    X, y = prepare(read_table(data), target)
    model = build_model().fit(X, y)
    tmp = f"{out}.tmp"
    joblib.dump(model, tmp)
    os.replace(tmp, out)
    print(f"fitted on {len(X):,} rows x {X.shape[1]} columns; saved to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
