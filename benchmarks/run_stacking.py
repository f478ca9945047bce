"""Stacking vs the greedy blend, paired: one search per task and seed, both built from its trials.

    .venv/bin/python -m benchmarks.run_stacking --budget 30 --seeds 0,1 --save

For each public task (``public_tasks.json``) and seed: the task's 75/25 split, one fit with the
default ``ensemble=True`` (the greedy blend, kept when it beats the best trial). From the same
trials, :func:`automl_nb.stacking.compare` gives the paired out-of-fold scores of the stack, the
greedy blend and the best single trial (each chosen on 4/5 of the rows and scored on the
fifth); the stack's members are refit on all training rows in this process and every model is
scored on the held-out 25 %. "auto" is what ``ensemble="auto"`` keeps: the best of the three out
of fold. One Markdown table on stdout (and in ``benchmarks/results/stacking-<time>.md`` with
``--save``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def held_out(task, aml, model, split, labels) -> float:
    from .tasks import score

    exp = aml.experiment_
    X = split.X_test
    if exp.prepared.classes is None:
        return score(task, split.y_test, exp.task.predict(exp, model, X), None, labels)
    proba = exp.task.predict_proba(exp, model, X)
    return score(task, split.y_test, proba, list(model.classes_), labels)


def one(task, seed: int, budget: float, root: Path) -> dict:
    import automl_nb as an
    from automl_nb.finalize import MAX_ENSEMBLE_CANDIDATES
    from automl_nb.stacking import (
        Stacking,
        compare,
        make_meta,
        member_shares,
        meta_features,
        stack_candidates,
    )

    from .tasks import sorted_labels, split_task

    split = split_task(task, seed)
    labels = sorted_labels(split.y_train) if task.is_classification else []
    X = split.X_train.assign(**{task.target: split.y_train.to_numpy()})
    t = time.time()
    aml = an.AutoML(time_budget=budget, seed=seed, show=False, folder=root / f"{task.name}-{seed}").fit(X, task.target)
    fit = time.time() - t
    exp = aml.experiment_
    ok = sorted((r for r in exp.results.values() if r.ok and r.oof is not None), key=exp.loss)
    pool = [r for r in ok if r.learner != exp.baseline]
    if len(stack_candidates(exp, ok)) < 2:
        return None
    t = time.time()
    oof, _ = compare(exp, ok, pool[:MAX_ENSEMBLE_CANDIDATES])
    seconds = time.time() - t
    members = stack_candidates(exp, ok)
    y, aux, selection, _ = exp.task.ensemble_inputs(exp.data, exp.prepared, exp.config.seed)
    n_classes = int(aux) if np.isscalar(aux) else 0
    meta = make_meta(n_classes).fit(meta_features([r.oof for r in members], n_classes)[selection], y[selection])
    ids = [r.trial_id for r in members]
    fitted = {t: exp.data.refit(exp.results[t].learner, exp.results[t].refit_params or exp.results[t].params) for t in ids}
    stacking = Stacking(member_shares(meta, ids, n_classes), stack=True, meta=meta)
    stack_model = exp.task.assemble_stack(fitted, stacking, exp.results, exp.prepared)
    single = exp.task.assemble({ids[0]: fitted[ids[0]]}, {ids[0]: 1.0}, exp.results, exp.prepared, exp.data, exp.config)
    test = {"greedy": held_out(task, aml, aml.best_pipeline_, split, labels),
            "stack": held_out(task, aml, stack_model, split, labels),
            "single": held_out(task, aml, single, split, labels)}
    loss = exp.metric.loss
    auto = min(("greedy", "single", "stack"), key=lambda k: (loss(oof[k]), k != "greedy"))
    return {"task": task.name, "seed": seed, "metric": task.metric, "fit": fit, "trials": len(ok), "members": len(ids),
            "oof": oof, "test": test, "auto": auto, "compare_seconds": seconds,
            "final": exp.outcome.description.split(",")[0]}


def main() -> None:
    from .tasks import LOWER_IS_BETTER, select_tasks

    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--tasks", default="all")
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="automl_nb-bench-stacking-"))
    rows = []
    lines = ["| task | seed | metric | trials | run's final model | OOF greedy | OOF stack | OOF single | auto keeps "
             "| test greedy (default) | test stack | test auto | compare s |",
             "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for task in select_tasks(args.tasks):
        for seed in (int(s) for s in args.seeds.split(",")):
            r = one(task, seed, args.budget, root)
            if r is None:
                print(f"{task.name} {seed}: fewer than two trials to stack", flush=True)
                continue
            rows.append(r)
            o, t = r["oof"], r["test"]
            test_auto = t["greedy"] if r["auto"] == "greedy" else t[r["auto"]]
            lines.append(f"| {r['task']} | {seed} | {r['metric']} | {r['trials']} | {r['final']} | {o['greedy']:.4f} | "
                         f"{o['stack']:.4f} | {o['single']:.4f} | {r['auto']} | {t['greedy']:.4f} | {t['stack']:.4f} | "
                         f"{test_auto:.4f} | {r['compare_seconds']:.2f} |")
            print(lines[-1], flush=True)

    def wins(a: str, b: str, where: str) -> str:
        better = 0
        for r in rows:
            x = r[where][a] if a != "auto" else r[where]["greedy" if r["auto"] == "greedy" else r["auto"]]
            y = r[where][b]
            sign = -1 if r["metric"] in LOWER_IS_BETTER else 1
            better += sign * (x - y) > 1e-12
        return f"{better}/{len(rows)}"

    def rel(a: str) -> float:
        # median relative test difference to greedy, positive = better than greedy
        out = []
        for r in rows:
            x = r["test"][a] if a != "auto" else r["test"]["greedy" if r["auto"] == "greedy" else r["auto"]]
            g = r["test"]["greedy"]
            d = (x - g) / abs(g) if g else 0.0
            out.append(-d if r["metric"] in LOWER_IS_BETTER else d)
        return float(np.median(out))

    summary = [
        "",
        f"stack better than greedy: out of fold {wins('stack', 'greedy', 'oof')}, held-out test {wins('stack', 'greedy', 'test')}; "
        f"auto better than greedy on test {wins('auto', 'greedy', 'test')}; median relative test change vs greedy: "
        f"stack {rel('stack'):+.2%}, auto {rel('auto'):+.2%} (positive = better)",
    ]
    text = "\n".join([f"budget {args.budget:g} s, seeds {args.seeds}", "", *lines, *summary])
    print("\n".join(summary))
    if args.save:
        out = Path(__file__).parent / "results" / f"stacking-{time.strftime('%Y%m%d-%H%M%S')}.md"
        out.write_text(f"# Stacking vs greedy blend (benchmarks/run_stacking.py)\n\n{text}\n")
        print(f"saved {out}")


if __name__ == "__main__":
    main()
