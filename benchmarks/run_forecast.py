"""Side-by-side forecasting benchmark of automl_nb and its peers on the public series.

Driver (run from the repository root with the forecast venv's python, see benchmarks/README.md):

    bash benchmarks/setup_forecast_peers.sh
    benchmarks/.venv-forecast/bin/python -m benchmarks.run_forecast --budget 60 --series all \
        --systems seasonal_naive,statsmodels_ets,prophet,statsforecast_autoarima,statsforecast_autoets,automl_nb

Each (series, system) runs in a fresh worker process (`--worker`), one after the other, with a
hard wall-clock limit (default 5 x budget); a worker still running then is killed with its
process tree and recorded as "timeout". The driver polls the memory of the worker's whole
process tree. `seasonal_naive` always runs: MASE is summarized relative to it. Results go to
benchmarks/results/forecast-<timestamp>.md and forecast-<timestamp>.raw.json.
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

from benchmarks.forecast_systems import (
    FORECAST_PYTHON,
    PEERS,
    REPO,
    SYSTEMS,
    WARM_UPS,
    check_system,
)
from benchmarks.run_tabular import _supervise, machine_description, markdown_table
from benchmarks.series import (
    SERIES_FILE,
    get_entry,
    load_series,
    score_forecast,
    select_entries,
    split_holdout,
)

RESULTS_DIR = REPO / "benchmarks" / "results"
BASELINE = "seasonal_naive"
LOG_TAIL_CHARS = 2000
TIMEOUT = "timeout"


# ============================================================================ worker
def run_worker(
    system: str, series_name: str, seed: int, budget: float, series_file: Path, workdir: Path
) -> dict[str, Any]:
    """Load the series, fit on all but the last `horizon` points, forecast, score; never raises."""
    result: dict[str, Any] = {
        "system": system,
        "series": series_name,
        "seed": seed,
        "budget": budget,
        "python": sys.executable,
    }
    try:
        entry = get_entry(series_name, series_file)
        train, test = split_holdout(load_series(entry), entry["horizon"])
        result.update(
            n_series=entry["n_series"],
            n_train=len(train),
            horizon=entry["horizon"],
            season_length=entry["season_length"],
        )
        if system in WARM_UPS:
            start = time.perf_counter()
            WARM_UPS[system]()
            result["warmup_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        forecast = SYSTEMS[system](train.copy(), entry, budget, seed, workdir)
        result.update(
            seconds=time.perf_counter() - start, version=forecast.version, notes=forecast.notes
        )
        scores = score_forecast(train, test, forecast.frame, entry["season_length"])
        result.update(scores)
        result["coverage"] = interval_coverage(test, forecast.frame)
    except Exception as exc:  # recorded, never fatal
        result["error"] = f"{type(exc).__name__}: {exc}".strip()[:500]
        result["traceback"] = traceback.format_exc()[-LOG_TAIL_CHARS:]
    return result


def interval_coverage(test: pd.DataFrame, frame: pd.DataFrame) -> float | None:
    """Share of holdout points inside [lower, upper], for systems that give an interval."""
    if not {"lower", "upper"} <= set(frame.columns):
        return None
    fc = frame.assign(unique_id=frame["unique_id"].astype(str), ds=pd.to_datetime(frame["ds"]))
    merged = test.merge(fc, on=["unique_id", "ds"], how="inner")
    if merged.empty:
        return None
    inside = (merged["y"] >= merged["lower"]) & (merged["y"] <= merged["upper"])
    return float(inside.mean())


def worker_main(args: argparse.Namespace) -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    result = run_worker(
        args.system,
        args.one_series,
        args.seed,
        args.budget,
        Path(args.series_file),
        Path(args.workdir),
    )
    Path(args.out).write_text(json.dumps(result, default=str, indent=1))


# ============================================================================ driver
def run_one(
    system: str,
    entry: dict[str, Any],
    seed: int,
    budget: float,
    timeout: float,
    python: Path,
    series_file: Path,
) -> dict[str, Any]:
    """One system on one series in a fresh process; failures become error records."""
    record: dict[str, Any] = {
        "system": system,
        "series": entry["name"],
        "seed": seed,
        "budget": budget,
        "python": str(python),
    }
    with tempfile.TemporaryDirectory(prefix=f"fbench-{system}-{entry['name']}-") as tmp:
        workdir, out, log_path = Path(tmp), Path(tmp) / "result.json", Path(tmp) / "worker.log"
        cmd = [
            str(python), "-m", "benchmarks.run_forecast", "--worker",
            "--system", system, "--one-series", entry["name"], "--seed", str(seed),
            "--budget", str(budget), "--series-file", str(series_file),
            "--workdir", str(workdir), "--out", str(out),
        ]  # fmt: skip
        start = time.perf_counter()
        try:
            returncode, killed, memory = _supervise(cmd, log_path, timeout)
        except OSError as exc:  # e.g. the interpreter does not exist
            record["error"] = f"cannot start {python}: {exc}"
            return record
        record.update(
            wall_seconds=time.perf_counter() - start, returncode=returncode,
            peak_mb=memory.peak_pss_bytes / 2**20,
        )
        if out.exists():
            worker = json.loads(out.read_text())
        else:
            tail = (
                log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log_path.exists() else ""
            )
            worker = {"error": "worker wrote no result", "log_tail": tail}
        record.update({k: v for k, v in worker.items() if k not in record})
    if killed:
        record["error"] = f"{TIMEOUT}: killed at the wall-clock limit ({timeout:.0f} s)"
        record["timed_out"] = True
        for key in ("mase", "smape", "per_series", "coverage"):
            record.pop(key, None)
    return record


# ============================================================================ report
def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _cell(record: dict[str, Any] | None, key: str, digits: int) -> str:
    if record is None:
        return "–"
    if key == "peak_mb":  # measured by the driver, also for a failed or killed run
        return _fmt(record.get(key), digits)
    if record.get("timed_out"):
        return TIMEOUT
    if record.get("error"):
        return "error"
    return _fmt(record.get(key), digits)


def geo_mean(values: list[float]) -> float:
    values = [v for v in values if v is not None and np.isfinite(v) and v > 0]
    return float(np.exp(np.mean(np.log(values)))) if values else float("nan")


def relative_mase(records: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """system -> series -> MASE / seasonal-naive MASE (None where the system failed)."""
    base = {r["series"]: r.get("mase") for r in records if r["system"] == BASELINE}
    out: dict[str, dict[str, float | None]] = {}
    for r in records:
        b, v = base.get(r["series"]), r.get("mase")
        ok = not r.get("error") and v is not None and b
        out.setdefault(r["system"], {})[r["series"]] = v / b if ok else None
    return out


def _index(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["series"], r["system"]): r for r in records}


def mase_table(records: list[dict[str, Any]], systems: list[str], series: list[str]) -> str:
    by = _index(records)
    entries = {r["series"]: r for r in records if "season_length" in r}
    rel = relative_mase(records)
    rows = []
    for name in series:
        e = entries.get(name, {})
        rows.append(
            [name, str(e.get("season_length", "–")), str(e.get("horizon", "–"))]
            + [_cell(by.get((name, s)), "mase", 3) for s in systems]
            + [_cell(by.get((name, s)), "seconds", 1) for s in systems]
        )
    n = len(series)
    ok = {s: [v for v in rel.get(s, {}).values() if v is not None] for s in systems}
    mean_s = {
        s: [by[(n_, s)]["seconds"] for n_ in series if by.get((n_, s), {}).get("seconds") is not None
            and not by[(n_, s)].get("error")]
        for s in systems
    }  # fmt: skip
    rows.append(
        ["**geo-mean MASE / seasonal naive**", "", ""]
        + [f"**{_fmt(geo_mean(ok[s]))}**" + ("" if len(ok[s]) == n else f" ({len(ok[s])}/{n} ok)")
           for s in systems]
        + [f"**{_fmt(float(np.mean(mean_s[s])), 1)}**" if mean_s[s] else "–" for s in systems]
    )  # fmt: skip
    if any(len(ok[s]) < n for s in systems):
        rows.append(
            ["geo-mean, failures = seasonal naive", "", ""]
            + [_fmt(geo_mean([1.0 if v is None else v for v in (rel.get(s, {}).get(x) for x in series)]))
               for s in systems]
            + ["" for _ in systems]
        )  # fmt: skip
    header = ["series", "m", "h"] + systems + [f"{s} s" for s in systems]
    return markdown_table(header, rows)


def simple_table(
    records: list[dict[str, Any]],
    systems: list[str],
    series: list[str],
    key: str,
    digits: int,
    summary: str | None,
) -> str:
    by = _index(records)
    rows = [[name] + [_cell(by.get((name, s)), key, digits) for s in systems] for name in series]
    if summary:
        means = []
        for s in systems:
            vals = [
                by[(n, s)].get(key) for n in series if (n, s) in by and not by[(n, s)].get("error")
            ]
            vals = [v for v in vals if v is not None]
            suffix = "" if len(vals) == len(series) else f" ({len(vals)}/{len(series)} ok)"
            means.append(f"**{_fmt(float(np.mean(vals)), digits)}**{suffix}" if vals else "–")
        rows.append([f"**{summary}**"] + means)
    return markdown_table(["series"] + systems, rows)


def errors_section(records: list[dict[str, Any]]) -> str:
    failed = [r for r in records if r.get("error")]
    if not failed:
        return "No errors."
    return "\n".join(
        f"- {r['series']} / {r['system']}: {str(r['error']).splitlines()[0][:300]}" for r in failed
    )


def notes_section(records: list[dict[str, Any]]) -> str:
    lines = [
        f"- {r['series']} / {r['system']}: " + "; ".join(r["notes"])
        for r in records
        if r.get("notes")
    ]
    versions = {r["system"]: r.get("version") for r in records if r.get("version")}
    warm = [r["warmup_seconds"] for r in records if r.get("warmup_seconds") is not None]
    if versions:
        lines.append("- versions: " + ", ".join(f"{s} {v}" for s, v in versions.items()))
    if warm:
        lines.append(
            f"- statsforecast's numba warm-up (not in its seconds): {min(warm):.0f}-{max(warm):.0f} s "
            "per worker"
        )
    cov = [
        (r["series"], r["system"], r["coverage"]) for r in records if r.get("coverage") is not None
    ]
    for name, system, c in cov:
        lines.append(f"- {name} / {system}: holdout coverage of [lower, upper] {c:.0%}")
    return "\n".join(lines) if lines else "None."


def render_report(records: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    systems, series = meta["systems"], meta["series"]
    head = [
        f"# Forecasting benchmark {meta['timestamp']}",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"budget {meta['budget']} s (taken by automl_nb and statsmodels_ets; the others have no "
        f"budget and are just timed); wall-clock limit {meta['timeout']:.0f} s per system and "
        f"series; seed {meta['seed']}; machine {meta['machine']}.",
        "Protocol: the last h points of each series are held out. MASE = holdout MAE / in-sample "
        "seasonal-naive MAE (season m) of the training part, per series, averaged over a panel's "
        "series; sMAPE in percent. Summary: geometric mean over the series of MASE relative to "
        "seasonal naive (lower is better; < 1 beats seasonal naive). s = fit + predict seconds in "
        "the worker (data loading and scoring excluded). peak MB = summed RSS of the worker's "
        "process tree.",
        "",
    ]
    parts = [
        *head,
        "## MASE (lower is better) and seconds",
        "",
        mase_table(records, systems, series),
        "",
        "## sMAPE % (lower is better)",
        "",
        simple_table(records, systems, series, "smape", 2, "mean"),
        "",
        "## Peak MB",
        "",
        simple_table(records, systems, series, "peak_mb", 0, None),
        "",
        "## Errors",
        "",
        errors_section(records),
        "",
        "## Notes",
        "",
        notes_section(records),
        "",
    ]
    return "\n".join(parts)


# ============================================================================ CLI
def planned_systems(spec: str) -> list[str]:
    systems = [check_system(s.strip()) for s in spec.split(",") if s.strip()]
    return systems if BASELINE in systems else [BASELINE, *systems]


def _abspath(path: str) -> Path:
    """Absolute, but not resolved: a venv's bin/python symlink must stay the venv's."""
    return Path(os.path.abspath(os.path.expanduser(path)))


def _log_progress(record: dict[str, Any]) -> None:
    print(
        f"[{datetime.now():%H:%M:%S}] {record['series']} {record['system']}:"
        f" mase={_fmt(record.get('mase'))} smape={_fmt(record.get('smape'), 2)}"
        f" s={_fmt(record.get('seconds'), 1)} peak={_fmt(record.get('peak_mb'), 0)}MB"
        + (f" error={record['error']}" if record.get("error") else ""),
        file=sys.stderr,
        flush=True,
    )


def run_benchmark(args: argparse.Namespace) -> Path:
    """Run every (series, system) one after the other, saving the raw JSON after each run."""
    series_file = Path(args.series_file)
    entries = select_entries(args.series, series_file)
    systems = planned_systems(args.systems)
    timeout = args.timeout if args.timeout else 5 * args.budget
    pythons = {
        s: _abspath(args.python_automl_nb if s == "automl_nb" else args.python) for s in systems
    }
    timestamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    raw_path = out_dir / f"forecast-{timestamp}.raw.json"
    md_path = out_dir / f"forecast-{timestamp}.md"
    meta = {
        "timestamp": timestamp,
        "command": "benchmarks/.venv-forecast/bin/python -m benchmarks.run_forecast "
        + " ".join(sys.argv[1:]),
        "budget": args.budget,
        "timeout": timeout,
        "seed": args.seed,
        "systems": systems,
        "pythons": {s: str(p) for s, p in pythons.items()},
        "series": [e["name"] for e in entries],
        "machine": machine_description(),
    }
    records: list[dict[str, Any]] = []
    for entry in entries:
        for system in systems:
            records.append(
                run_one(
                    system, entry, args.seed, args.budget, timeout, pythons[system], series_file
                )
            )
            _log_progress(records[-1])
            raw_path.write_text(json.dumps({"meta": meta, "runs": records}, indent=1, default=str))
    report = render_report(records, meta)
    md_path.write_text(report)
    print(report)
    print(f"written: {md_path} and {raw_path}", file=sys.stderr)
    return md_path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=float, default=60.0, help="seconds per fit (automl_nb, ETS)")
    p.add_argument(
        "--systems",
        default=",".join([*PEERS, "automl_nb"]),
        help=f"comma-separated, from {sorted(SYSTEMS)}; {BASELINE} is always added",
    )
    p.add_argument("--series", default="all", help="'all' or comma-separated series names")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--timeout", type=float, default=None, help="wall-clock limit per run (default 5 x budget)"
    )
    p.add_argument("--python", default=str(FORECAST_PYTHON), help="interpreter for the peers")
    p.add_argument(
        "--python-automl-nb", default=str(FORECAST_PYTHON), help="interpreter for automl_nb"
    )
    p.add_argument("--series-file", default=str(SERIES_FILE))
    p.add_argument("--out-dir", default=str(RESULTS_DIR))
    worker = p.add_argument_group("worker mode (internal: one system, one series)")
    worker.add_argument("--worker", action="store_true")
    worker.add_argument("--system")
    worker.add_argument("--one-series")
    worker.add_argument("--workdir")
    worker.add_argument("--out")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker_main(args)
    else:
        run_benchmark(args)


if __name__ == "__main__":
    main()
