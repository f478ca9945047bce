"""Scaling benchmark: automl_nb on a large synthetic table against LightGBM defaults on a sample.

Target: a 1,000,000-row synthetic table (numeric + categorical) finishes within its 60 s budget
with a model better than LightGBM defaults trained on a 100k sample, and peak memory under 4 GB.

    .venv/bin/python -m benchmarks.run_scaling --rows 1000000 --budget 60 --seed 0 \
        [--systems automl_nb,lightgbm_sample] [--task binary|regression]

Three kinds of process, all under the repository's venv (it has psutil, lightgbm and automl_nb):

- the driver (this module) polls the memory of every child's whole process tree every 0.2 s:
  summed RSS, and summed PSS (shared pages split between the processes that map them);
- a generator (`--generate`) draws the train and test tables from the seed with numpy and pickles
  them to a temporary folder; its seconds and memory are reported on their own line;
- one worker per system (`--worker`) loads the training table, fits (only this is timed as
  "fit s"), then loads the test table, predicts and scores. Hard kill timeout: 3 x budget + 60 s.

Data (`generate`): 20 numeric columns (x0-x9 informative, with nonlinear effects and
interactions; x10-x19 noise, x10 correlated with x0; x3, x7, x13, x17 about 5 % missing) and 5
categorical columns c0-c4 (pandas category, cardinalities 5, 20, 100, 1,000, 10,000, Zipf-like
frequencies, every level with its own target effect, c2 also a per-level slope on x0 and c0 a
per-level gain on the x1*x2 interaction). Binary: y ~ Bernoulli(sigmoid(f + b)), b set for 30 %
positives; regression: y = f + N(0, 1). The level effects of the long tail of c3/c4 are seen only a
few times in a 100k sample, so target statistics over all rows are worth something. The test
set (200,000 rows) depends on the seed only, not on --rows. "oracle" is the true f's test score.

Systems: `automl_nb` (AutoML(task, metric, time_budget=budget, seed, show=False, folder=<tmp>),
as benchmarks.systems.fit_automl_nb, on all rows) and `lightgbm_sample`
(benchmarks.systems.fit_lightgbm_default, i.e. LGBMClassifier/LGBMRegressor defaults, on a
seeded --sample-rows sample). Results: benchmarks/results/scaling-<timestamp>.md and .raw.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.run_tabular import (
    LOG_TAIL_CHARS,
    RESULTS_DIR,
    _abspath,
    _fmt,
    _supervise,
    hard_timeout,
    machine_description,
    markdown_table,
)
from benchmarks.systems import AUTOML_NB_PYTHON, fit_automl_nb, fit_lightgbm_default
from benchmarks.tasks import LOWER_IS_BETTER, Task, score

POLL_SECONDS = 0.2
GENERATE_TIMEOUT = 900.0
SYSTEM_NAMES = ("automl_nb", "lightgbm_sample")
METRICS = {"binary": "roc_auc", "regression": "rmse"}
MB = 2**20

N_NUMERIC = 20
MISSING_COLUMNS = (3, 7, 13, 17)
MISSING_RATE = 0.05
CARDINALITIES = (5, 20, 100, 1_000, 10_000)
ZIPF_EXPONENTS = (0.0, 0.3, 0.6, 0.8, 0.8)  # level frequency ~ rank ** -exponent
EFFECT_SD = (0.4, 0.5, 0.5, 0.6, 0.7)  # sd of each categorical column's level effects
C1_MISSING_RATE = 0.02
TEST_ROWS = 200_000
POSITIVE_RATE = 0.30
CALIBRATION_ROWS = 200_000
REGRESSION_NOISE_SD = 1.0


def synthetic_task(task: str) -> Task:
    return Task(
        name=f"synthetic_{task}",
        source="synthetic",
        target="y",
        task=task,
        metric=METRICS[task],
    )


# ============================================================================ data
class Truth:
    """The fixed generating function of one seed: level frequencies and effects, intercept."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.level_probs: list[np.ndarray] = []
        self.level_effects: list[np.ndarray] = []
        for k, exponent, sd in zip(CARDINALITIES, ZIPF_EXPONENTS, EFFECT_SD):
            weights = np.arange(1, k + 1, dtype=float) ** -exponent
            self.level_probs.append(rng.permutation(weights / weights.sum()))
            self.level_effects.append(rng.normal(0.0, sd, k))
        self.c2_slope = rng.normal(0.0, 0.5, CARDINALITIES[2])  # per-level slope on x0
        self.c0_gain = rng.uniform(0.0, 1.5, CARDINALITIES[0])  # per-level gain on x1*x2
        self.intercept = 0.0


def _draw(truth: Truth, n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """n rows of features and the noiseless signal f (before the intercept)."""
    num = np.empty((N_NUMERIC, n))  # row j = column xj; DataFrame(num.T) needs no copy
    num[0] = rng.standard_normal(n)
    num[1] = rng.uniform(-2.0, 2.0, n)
    num[2] = rng.standard_normal(n)
    num[3] = rng.lognormal(0.0, 0.75, n)
    num[4] = rng.uniform(0.0, 1.0, n)
    num[5] = rng.standard_normal(n)
    num[6] = rng.standard_normal(n)
    num[7] = rng.exponential(1.0, n)
    num[8] = rng.standard_normal(n)
    num[9] = rng.poisson(3.0, n)
    num[10] = 0.7 * num[0] + 0.7 * rng.standard_normal(n)  # correlated with x0, no effect
    for j in range(11, N_NUMERIC):
        kind = j % 3
        if kind == 0:
            num[j] = rng.standard_normal(n)
        elif kind == 1:
            num[j] = rng.lognormal(0.0, 1.0, n)
        else:
            num[j] = rng.integers(0, 50, n)
    codes = [
        rng.choice(k, size=n, p=p).astype(np.int16 if k < 2**15 else np.int32)
        for k, p in zip(CARDINALITIES, truth.level_probs)
    ]

    x = num
    f = np.sin(2.0 * x[0])
    f += 0.6 * truth.c0_gain[codes[0]] * x[1] * x[2]
    f += 0.6 * np.log(x[3])
    f += np.where(x[4] > 0.7, 1.0, np.where(x[4] < 0.2, -0.5, 0.0))
    f += 1.5 * np.exp(-(x[5] ** 2 + x[6] ** 2)) - 0.5
    f += 0.5 * np.minimum(x[7], 2.5) * (x[8] > 0.0)
    f += 0.4 * (x[9] % 3 - 1.0)
    f += truth.c2_slope[codes[2]] * x[0]
    for code, effect in zip(codes, truth.level_effects):
        f += effect[code]

    for j in MISSING_COLUMNS:  # after f: a missing value hides a real value
        num[j][rng.random(n) < MISSING_RATE] = np.nan
    codes[1][rng.random(n) < C1_MISSING_RATE] = -1
    X = pd.DataFrame(num.T, columns=[f"x{j}" for j in range(N_NUMERIC)], copy=False)
    for i, (k, code) in enumerate(zip(CARDINALITIES, codes)):
        width = len(str(k - 1))
        levels = [f"c{i}_{v:0{width}d}" for v in range(k)]
        X[f"c{i}"] = pd.Categorical.from_codes(code, categories=levels)
    return X, f


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _solve_intercept(f: np.ndarray, rate: float) -> float:
    """The b with mean(sigmoid(f + b)) = rate (bisection)."""
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _sigmoid(f + mid).mean() < rate else (lo, mid)
    return (lo + hi) / 2


def generate(
    rows: int, seed: int, task: str, test_rows: int = TEST_ROWS
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test, oracle test prediction), deterministic in the seed.

    The generating function and the test rows depend on (seed, task) only, not on `rows`.
    """
    params, calibration, train, test = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    truth = Truth(params)
    if task == "binary":
        _, f_cal = _draw(truth, CALIBRATION_ROWS, calibration)
        truth.intercept = _solve_intercept(f_cal, POSITIVE_RATE)
        del f_cal

    def labelled(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        X, f = _draw(truth, n, rng)
        f += truth.intercept
        if task == "binary":
            oracle = _sigmoid(f)
            y = (rng.random(n) < oracle).astype(np.int64)
        elif task == "regression":
            oracle = f
            y = f + rng.normal(0.0, REGRESSION_NOISE_SD, n)
        else:
            raise ValueError(f"unknown task {task!r}")
        return X, y, oracle

    X_train, y_train, _ = labelled(rows, train)
    X_test, y_test, oracle = labelled(test_rows, test)
    return X_train, y_train, X_test, y_test, oracle


def oracle_score(task: str, y_test: np.ndarray, oracle: np.ndarray) -> float:
    pred = np.column_stack([1 - oracle, oracle]) if task == "binary" else oracle
    classes = [0, 1] if task == "binary" else None
    return score(synthetic_task(task), pd.Series(y_test), pred, classes, classes)


def generate_main(args: argparse.Namespace) -> None:
    """Generator process: draw the tables, pickle them to --data-dir, write stats to --out."""
    out: dict[str, Any] = {"rows": args.rows, "test_rows": TEST_ROWS, "seed": args.seed}
    try:
        start = time.perf_counter()
        X_train, y_train, X_test, y_test, oracle = generate(args.rows, args.seed, args.task)
        out["generate_seconds"] = time.perf_counter() - start
        out["train_mb"] = X_train.memory_usage(deep=True).sum() / MB
        out["positive_rate" if args.task == "binary" else "y_mean"] = float(np.mean(y_train))
        out["oracle_score"] = oracle_score(args.task, y_test, oracle)
        start = time.perf_counter()
        data_dir = Path(args.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        pd.to_pickle((X_train, y_train), data_dir / "train.pkl")
        pd.to_pickle((X_test, y_test), data_dir / "test.pkl")
        out["save_seconds"] = time.perf_counter() - start
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:500]
        out["traceback"] = traceback.format_exc()[-LOG_TAIL_CHARS:]
    Path(args.out).write_text(json.dumps(out, indent=1))


# ============================================================================ worker
def _own_rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / MB


def automl_details(aml: Any) -> dict[str, Any]:
    """Trials, their statuses and errors, and the final model of a fitted AutoML; never raises."""
    info: dict[str, Any] = {}
    try:
        board = aml.leaderboard()
        trials = board[board["trial_id"].notna()]  # the ensemble row is not a trial
        info["n_trials"] = len(trials)
        info["status_counts"] = trials["status"].value_counts().to_dict()
        info["learner_counts"] = trials["learner"].value_counts().to_dict()
        errors = trials["error"].fillna("").astype(str)
        info["error_counts"] = errors[errors != ""].str[:200].value_counts().head(8).to_dict()
        keep = [c for c in board.columns if c not in ("params",)]
        info["leaderboard"] = json.loads(board[keep].to_json(orient="records"))
        info["top_params"] = [str(p)[:300] for p in board["params"].head(3)]
    except Exception as exc:
        info["leaderboard_error"] = f"{type(exc).__name__}: {exc}"[:300]
    exp = getattr(aml, "_experiment", None)
    outcome = getattr(exp, "outcome", None)
    info["final_model"] = getattr(outcome, "description", None)
    info["best_trial"] = getattr(outcome, "best_trial", None)
    info["run_status"] = getattr(exp, "status", None)
    for name in ("validation_", "first_row_seconds_", "ensemble_"):
        try:
            value = getattr(aml, name)
            info[name.rstrip("_")] = (
                {str(k): v for k, v in value.items()} if isinstance(value, dict) else value
            )
        except Exception:
            pass
    return info


def _load(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    X, y = pd.read_pickle(path)
    return X, pd.Series(y, name="y")


def run_worker(args: argparse.Namespace) -> None:
    """Load train, fit one system (timed), load test, predict and score; never raises.

    The result file is rewritten after each stage, so a worker killed at the hard timeout still
    tells how far it got.
    """
    out_path, data_dir, workdir = Path(args.out), Path(args.data_dir), Path(args.workdir)
    task = synthetic_task(args.task)
    result: dict[str, Any] = {"system": args.system, "python": sys.executable}

    def save() -> None:
        out_path.write_text(json.dumps(result, indent=1, default=str))

    try:
        start = time.perf_counter()
        X, y = _load(data_dir / "train.pkl")
        result.update(load_seconds=time.perf_counter() - start, n_rows=len(X))
        if args.system == "lightgbm_sample" and len(X) > args.sample_rows:
            rows = np.random.default_rng(args.seed).choice(len(X), args.sample_rows, replace=False)
            rows.sort()
            X, y = X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)
        result.update(n_fit_rows=len(X), data_rss_mb=_own_rss_mb())
        save()
        result["fit_start"] = time.time()
        start = time.perf_counter()
        if args.system not in SYSTEM_NAMES:
            raise ValueError(f"unknown system {args.system!r}; known: {list(SYSTEM_NAMES)}")
        fit = fit_automl_nb if args.system == "automl_nb" else fit_lightgbm_default
        fitted = fit(task, X, y, args.budget, args.seed, workdir)
        result["fit_seconds"] = time.perf_counter() - start
        result["version"] = fitted.version if args.system == "automl_nb" else f"lightgbm {fitted.version}"
        classes, predict = fitted.classes, fitted.predict
        result["fit_end"] = time.time()
        save()
        if args.system == "automl_nb":
            result["automl"] = automl_details(fitted.model)
            save()
        del X, y
        X_test, y_test = _load(data_dir / "test.pkl")
        start = time.perf_counter()
        pred = np.asarray(predict(X_test))
        result["predict_seconds"] = time.perf_counter() - start
        result["score"] = score(task, y_test, pred, classes, classes)
    except Exception as exc:  # recorded, never fatal
        result["error"] = f"{type(exc).__name__}: {exc}".strip()[:500]
        result["traceback"] = traceback.format_exc()[-LOG_TAIL_CHARS:]
    save()


# ============================================================================ driver
def supervise(cmd: list[str], log_path: Path, timeout: float) -> dict[str, Any]:
    """Run a child in its own session with a hard timeout, polling its tree's memory."""
    start = time.perf_counter()
    returncode, killed, monitor = _supervise(cmd, log_path, timeout, POLL_SECONDS)
    peak_rss, peak_pss = monitor.peaks_mb()
    return {
        "wall_seconds": time.perf_counter() - start,
        "returncode": returncode,
        "killed": killed,
        "peak_rss_mb": peak_rss,
        "peak_pss_mb": peak_pss,
        "max_processes": monitor.max_processes,
        "sampler": monitor,
    }


def _read_json(path: Path, log_path: Path) -> dict[str, Any]:
    if path.exists():
        return json.loads(path.read_text())
    tail = log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log_path.exists() else ""
    return {"error": "the process wrote no result", "log_tail": tail}


def _child_cmd(python: Path, mode: str, **options: Any) -> list[str]:
    """`python -m benchmarks.run_scaling --<mode> --<option> <value>...` (underscores as dashes)."""
    flags = [[f"--{k.replace('_', '-')}", str(v)] for k, v in options.items()]
    return [str(python), "-m", "benchmarks.run_scaling", f"--{mode}", *sum(flags, [])]


def run_generator(args: argparse.Namespace, python: Path, tmp: Path) -> dict[str, Any]:
    out, log = tmp / "generate.json", tmp / "generate.log"
    cmd = _child_cmd(
        python,
        "generate",
        rows=args.rows,
        seed=args.seed,
        task=args.task,
        data_dir=tmp / "data",
        out=out,
    )
    sup = supervise(cmd, log, GENERATE_TIMEOUT)
    sup.pop("sampler")
    record = {**sup, **_read_json(out, log)}
    if sup["killed"]:
        record["error"] = f"generator killed after {GENERATE_TIMEOUT:.0f} s"
    return record


def run_system(system: str, args: argparse.Namespace, python: Path, tmp: Path) -> dict[str, Any]:
    """One system in a fresh worker process; failures become error records."""
    workdir = tmp / f"work-{system}"
    workdir.mkdir()
    out, log = workdir / "result.json", workdir / "worker.log"
    cmd = _child_cmd(
        python,
        "worker",
        system=system,
        seed=args.seed,
        task=args.task,
        budget=args.budget,
        sample_rows=args.sample_rows,
        data_dir=tmp / "data",
        workdir=workdir,
        out=out,
    )
    timeout = hard_timeout(args.budget)
    sup = supervise(cmd, log, timeout)
    sampler = sup.pop("sampler")
    record = {"system": system, **sup, **_read_json(out, log)}
    if "fit_start" in record:
        fit_rss, fit_pss = sampler.peaks_mb(record["fit_start"], record.get("fit_end", np.inf))
        record.update(fit_peak_rss_mb=fit_rss, fit_peak_pss_mb=fit_pss)
    if sup["killed"]:
        record["error"] = f"killed at the hard timeout ({timeout:.0f} s)"
        record.pop("score", None)
    elif sup["returncode"] and "error" not in record:
        record["error"] = f"worker exited with code {sup['returncode']}"
    if record.get("fit_seconds") is not None:
        record["overrun"] = record["fit_seconds"] / args.budget
    return record


# ============================================================================ report
def _mb(value: Any) -> str:
    return "–" if value is None else _fmt(float(value), 0)


def runs_table(records: list[dict[str, Any]], metric: str, oracle: float | None) -> str:
    header = [
        "system",
        "fit rows",
        f"test {metric}",
        "fit s",
        "overrun",
        "peak RSS MB",
        "peak PSS MB",
        "fit peak RSS MB",
        "procs",
        "data RSS MB",
        "trials",
        "final model",
    ]
    rows = []
    for r in records:
        automl = r.get("automl", {})
        rows.append(
            [
                r["system"],
                f"{r['n_fit_rows']:,}" if r.get("n_fit_rows") else "–",
                "error" if r.get("error") else _fmt(r.get("score")),
                _fmt(r.get("fit_seconds"), 1),
                _fmt(r.get("overrun"), 2),
                _mb(r.get("peak_rss_mb")),
                _mb(r.get("peak_pss_mb")),
                _mb(r.get("fit_peak_rss_mb")),
                _fmt(r.get("max_processes")),
                _mb(r.get("data_rss_mb")),
                _fmt(automl.get("n_trials")),
                str(
                    automl.get("final_model")
                    or ("LightGBM defaults" if "lightgbm" in r["system"] else "–")
                ),
            ]
        )
    if oracle is not None:
        rows.append(["oracle (true f)", "–", _fmt(oracle)] + ["–"] * (len(header) - 3))
    return markdown_table(header, rows)


def target_check(
    records: list[dict[str, Any]], metric: str, budget: float, limit_mb: float
) -> list[str]:
    by_system = {r["system"]: r for r in records}
    aml = by_system.get("automl_nb")
    if aml is None or aml.get("error"):
        return ["- automl_nb did not finish: target not met." if aml else "- automl_nb not run."]
    lines = []
    fit = aml.get("fit_seconds")
    lines.append(
        f"- within budget: {'yes' if fit is not None and fit <= budget else 'NO'} "
        f"(fit {_fmt(fit, 1)} s of {budget:g} s)"
    )
    base = by_system.get("lightgbm_sample")
    if base is not None and base.get("score") is not None and aml.get("score") is not None:
        sign = -1 if metric in LOWER_IS_BETTER else 1
        better = sign * (aml["score"] - base["score"]) > 0
        lines.append(
            f"- better than lightgbm_sample: {'yes' if better else 'NO'} ({metric} "
            f"{_fmt(aml['score'])} vs {_fmt(base['score'])})"
        )
    else:
        lines.append("- better than lightgbm_sample: unknown (lightgbm_sample not scored)")
    for kind in ("rss", "pss"):
        peak = aml.get(f"peak_{kind}_mb")
        if peak is not None:
            ok = "yes" if peak < limit_mb else "NO"
            lines.append(
                f"- peak {kind.upper()} under {limit_mb:g} MB: {ok} ({_fmt(float(peak), 0)} MB)"
            )
    return lines


def automl_section(records: list[dict[str, Any]], metric: str) -> list[str]:
    aml = next((r for r in records if r["system"] == "automl_nb"), None)
    info = (aml or {}).get("automl")
    if not info:
        return []
    lines = [
        "## automl_nb",
        "",
        f"- run status: {info.get('run_status')}; validation: {info.get('validation')}; "
        f"first model after {_fmt(info.get('first_row_seconds'), 1)} s",
        f"- final model: {info.get('final_model')} (best trial {info.get('best_trial')}; "
        f"ensemble weights {info.get('ensemble')})",
        f"- trials: {info.get('n_trials')}; by status {info.get('status_counts')}; "
        f"by learner {info.get('learner_counts')}",
    ]
    for error, count in (info.get("error_counts") or {}).items():
        lines.append(f"- error x{count}: {error}")
    board = info.get("leaderboard") or []
    if board:
        cols = [
            c
            for c in (
                "rank",
                "learner",
                metric,
                f"{metric}_std",
                "fit_seconds",
                "duration",
                "trial_id",
                "status",
                "phase",
                "error",
            )
            if c in board[0]
        ]
        digits = {"fit_seconds": 1, "duration": 1}
        rows = [[_fmt(row.get(c), digits.get(c, 4)) for c in cols] for row in board[:25]]
        lines += ["", f"Leaderboard ({len(board)} rows, first 25):", "", markdown_table(cols, rows)]
    return lines


def render_report(records: list[dict[str, Any]], gen: dict[str, Any], meta: dict[str, Any]) -> str:
    metric = meta["metric"]
    direction = "lower" if metric in LOWER_IS_BETTER else "higher"
    lines = [
        f"# Scaling benchmark {meta['timestamp']}",
        "",
        f"Synthetic {meta['task']} table, {meta['rows']:,} training rows, {TEST_ROWS:,} test rows, "
        f"seed {meta['seed']}; budget {meta['budget']:g} s; hard kill timeout "
        f"{hard_timeout(meta['budget']):.0f} s; machine {meta['machine']}.",
        f"Score: {metric} on the test set ({direction} is better). overrun = fit s / budget. "
        f"peak RSS / PSS MB = summed over the worker's process tree, polled every {POLL_SECONDS} s "
        "over the whole worker (load, fit, predict); fit peak = during the fit only; data RSS = "
        "the worker alone after loading the training rows (before fitting); procs = most "
        "processes seen at once in the tree.",
        "",
        f"Generator: {_fmt(gen.get('generate_seconds'), 1)} s to draw, "
        f"{_fmt(gen.get('save_seconds'), 1)} s to save; peak RSS {_mb(gen.get('peak_rss_mb'))} MB, "
        f"PSS {_mb(gen.get('peak_pss_mb'))} MB; training frame {_mb(gen.get('train_mb'))} MB"
        + (f"; positives {gen['positive_rate']:.3f}" if "positive_rate" in gen else "")
        + (f"; error: {gen['error']}" if gen.get("error") else "")
        + ".",
        "",
        runs_table(records, metric, gen.get("oracle_score")),
        "",
        f"## Target (automl_nb: within budget, better than lightgbm_sample, peak memory under "
        f"{meta['memory_limit_mb']:g} MB)",
        "",
        *target_check(records, metric, meta["budget"], meta["memory_limit_mb"]),
        "",
        *automl_section(records, metric),
        "",
        "## Errors",
        "",
    ]
    errors = [
        f"- {r['system']}: {str(r['error']).splitlines()[0][:300]}"
        for r in records
        if r.get("error")
    ]
    lines += errors or ["No errors."]
    return "\n".join(lines) + "\n"


# ============================================================================ CLI
def run_benchmark(args: argparse.Namespace) -> Path:
    python = _abspath(args.python)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEM_NAMES]
    if unknown:
        raise SystemExit(f"unknown system(s) {unknown}; known: {list(SYSTEM_NAMES)}")
    timestamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = out_dir / f"scaling-{timestamp}.md"
    raw_path = out_dir / f"scaling-{timestamp}.raw.json"
    meta = {
        "timestamp": timestamp,
        "rows": args.rows,
        "task": args.task,
        "metric": METRICS[args.task],
        "seed": args.seed,
        "budget": args.budget,
        "sample_rows": args.sample_rows,
        "memory_limit_mb": args.memory_limit_mb,
        "systems": systems,
        "python": str(python),
        "machine": machine_description(),
    }
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scaling-", dir=args.tmp_dir) as tmp_name:
        tmp = Path(tmp_name)
        gen = run_generator(args, python, tmp)
        _log(
            f"generator: {_fmt(gen.get('generate_seconds'), 1)} s, peak RSS "
            f"{_mb(gen.get('peak_rss_mb'))} MB"
            + (f", error {gen['error']}" if gen.get("error") else "")
        )
        if gen.get("error"):
            raise SystemExit(f"data generation failed: {gen['error']}\n{gen.get('traceback', '')}")
        for system in systems:
            records.append(run_system(system, args, python, tmp))
            r = records[-1]
            _log(
                f"{system}: score={_fmt(r.get('score'))} fit={_fmt(r.get('fit_seconds'), 1)}s "
                f"peak RSS={_mb(r.get('peak_rss_mb'))}MB PSS={_mb(r.get('peak_pss_mb'))}MB"
                + (f" error={r['error']}" if r.get("error") else "")
            )
            raw_path.write_text(
                json.dumps({"meta": meta, "generator": gen, "runs": records}, indent=1, default=str)
            )
    report = render_report(records, gen, meta)
    md_path.write_text(report)
    print(report)
    print(f"written: {md_path} and {raw_path}", file=sys.stderr)
    return md_path


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="training rows")
    p.add_argument("--budget", type=float, default=60.0, help="seconds for automl_nb's fit")
    p.add_argument("--seed", type=int, default=0, help="data, sample and fit seed")
    p.add_argument("--task", choices=sorted(METRICS), default="binary")
    p.add_argument("--systems", default=",".join(SYSTEM_NAMES), help="comma-separated")
    p.add_argument("--sample-rows", type=int, default=100_000, help="lightgbm_sample's rows")
    p.add_argument("--memory-limit-mb", type=float, default=4096.0, help="target peak (MiB)")
    p.add_argument("--python", default=str(AUTOML_NB_PYTHON), help="interpreter of the children")
    p.add_argument("--out-dir", default=str(RESULTS_DIR))
    p.add_argument("--tmp-dir", default=None, help="where the data and work folders go")
    internal = p.add_argument_group("internal: the generator and worker processes")
    internal.add_argument("--generate", action="store_true")
    internal.add_argument("--worker", action="store_true")
    internal.add_argument("--system")
    internal.add_argument("--data-dir")
    internal.add_argument("--workdir")
    internal.add_argument("--out")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if args.generate:
        generate_main(args)
    elif args.worker:
        run_worker(args)
    else:
        run_benchmark(args)


if __name__ == "__main__":
    main()
