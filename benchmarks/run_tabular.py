"""Side-by-side tabular benchmark of automl_nb and its peers on the public tasks.

Driver (needs psutil: run it with the peers' python, see benchmarks/README.md):

    benchmarks/.venv-peers/bin/python -m benchmarks.run_tabular --budget 60 \
        --systems automl_nb,flaml,lightgbm_default --tasks all --seeds 0

Each (task, seed, system) runs in a fresh worker process (`--worker`) under that system's
interpreter, with a hard kill timeout of budget * 3 + 60 s; the driver polls the memory of the
worker's whole process tree. The `constant` system always runs too: it is the 0 of the
normalized score. Results go to benchmarks/results/<timestamp>.md and <timestamp>.raw.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.systems import (
    AUTOGLUON_PYTHON,
    AUTOML_NB_PYTHON,
    PEERS_PYTHON,
    REPO,
    SYSTEMS,
    interpreter,
)
from benchmarks.tasks import (
    LOWER_IS_BETTER,
    TASKS_FILE,
    Task,
    get_task,
    score,
    select_tasks,
    sorted_labels,
    split_task,
)

RESULTS_DIR = REPO / "benchmarks" / "results"
BASELINE = "constant"
POLL_SECONDS = 0.1
LOG_TAIL_CHARS = 2000


# ============================================================================ worker
def run_worker(
    system: str, task_name: str, seed: int, budget: float, tasks_file: Path, workdir: Path
) -> dict[str, Any]:
    """Load the task, fit the system on 75 %, score it on 25 %; never raises."""
    result: dict[str, Any] = {
        "system": system,
        "task": task_name,
        "seed": seed,
        "budget": budget,
        "python": sys.executable,
    }
    try:
        task = get_task(task_name, tasks_file)
        split = split_task(task, seed)
        labels = sorted_labels(pd.concat([split.y_train, split.y_test]))
        result.update(
            n_train=len(split.X_train), n_test=len(split.X_test), n_features=split.X_train.shape[1]
        )
        start = time.perf_counter()
        fitted = SYSTEMS[system](
            task, split.X_train.copy(), split.y_train.copy(), budget, seed, workdir
        )
        result.update(
            fit_seconds=time.perf_counter() - start,
            first_row_seconds=fitted.first_row_seconds,
            version=fitted.version,
        )
        start = time.perf_counter()
        pred = fitted.predict(split.X_test.copy())
        result["predict_seconds"] = time.perf_counter() - start
        result["score"] = score(task, split.y_test, pred, fitted.classes, labels)
    except Exception as exc:  # recorded, never fatal
        result["error"] = f"{type(exc).__name__}: {exc}".strip()[:500]
        result["traceback"] = traceback.format_exc()[-LOG_TAIL_CHARS:]
    return result


def worker_main(args: argparse.Namespace) -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    result = run_worker(
        args.system, args.task, args.seed, args.budget, Path(args.tasks_file), Path(args.workdir)
    )
    Path(args.out).write_text(json.dumps(result, default=str, indent=1))


# ============================================================================ driver
class TreeMemoryMonitor(threading.Thread):
    """Peak memory (bytes) of a process and all its descendants, polled every 0.1 s.

    Two sums over the tree: RSS counts a page shared by several processes (libraries, a fork
    server's imports) once per process; PSS divides each shared page among the processes that
    map it, so the sum is the physical memory the tree uses. For one process they agree.
    """

    def __init__(self, pid: int, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__(daemon=True)
        self.poll_seconds = poll_seconds
        import psutil

        self._psutil = psutil
        self._root = psutil.Process(pid)
        self._stop_event = threading.Event()
        self.peak_bytes = 0  # summed RSS
        self.peak_pss_bytes = 0
        self.samples: list[tuple[float, int, int]] = []  # (time, summed RSS, summed PSS)
        self.max_processes = 0

    def _sample(self) -> tuple[int, int]:
        psutil = self._psutil
        try:
            procs = [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return 0, 0
        self.max_processes = max(self.max_processes, len(procs))
        rss = pss = 0
        for proc in procs:
            try:
                info = proc.memory_full_info()
            except psutil.Error:
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        return rss, pss

    def run(self) -> None:
        while not self._stop_event.is_set():
            rss, pss = self._sample()
            self.samples.append((time.time(), rss, pss))
            self.peak_bytes = max(self.peak_bytes, rss)
            self.peak_pss_bytes = max(self.peak_pss_bytes, pss)
            self._stop_event.wait(self.poll_seconds)

    def peaks_mb(self, start: float = -np.inf, end: float = np.inf) -> tuple[float, float]:
        """Peak summed RSS and PSS (MB) over the samples taken in [start, end]."""
        inside = [(r, p) for t, r, p in self.samples if start <= t <= end]
        if not inside:
            return float("nan"), float("nan")
        return max(r for r, _ in inside) / 2**20, max(p for _, p in inside) / 2**20

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill a worker started in its own session, its descendants and its process group."""
    import psutil

    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    for child in descendants:
        try:
            child.kill()
        except psutil.Error:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def hard_timeout(budget: float) -> float:
    return budget * 3 + 60


def _worker_command(
    python: Path,
    system: str,
    task: Task,
    seed: int,
    budget: float,
    tasks_file: Path,
    workdir: Path,
    out: Path,
) -> list[str]:
    return [
        str(python),
        "-m",
        "benchmarks.run_tabular",
        "--worker",
        "--system",
        system,
        "--task",
        task.name,
        "--seed",
        str(seed),
        "--budget",
        str(budget),
        "--tasks-file",
        str(tasks_file),
        "--workdir",
        str(workdir),
        "--out",
        str(out),
    ]


def _supervise(
    cmd: list[str], log_path: Path, timeout: float, poll_seconds: float = POLL_SECONDS
) -> tuple[int | None, bool, TreeMemoryMonitor]:
    """Run a worker; return (return code, killed by the hard timeout, its memory monitor)."""
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONUNBUFFERED": "1"}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        monitor = TreeMemoryMonitor(proc.pid, poll_seconds)
        monitor.start()
        killed = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            killed = True
        monitor.stop()
        kill_tree(proc)  # also reaps stragglers (e.g. pool workers) of a finished worker
    return (None if killed else proc.returncode), killed, monitor


def _read_worker_result(out: Path, log_path: Path) -> dict[str, Any]:
    if out.exists():
        return json.loads(out.read_text())
    tail = log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log_path.exists() else ""
    return {"error": "worker wrote no result", "log_tail": tail}


def run_one(
    system: str, task: Task, seed: int, budget: float, python: Path, tasks_file: Path
) -> dict[str, Any]:
    """One system on one task and seed in a fresh process; failures become error records."""
    record: dict[str, Any] = {
        "system": system,
        "task": task.name,
        "metric": task.metric,
        "seed": seed,
        "budget": budget,
        "python": str(python),
    }
    timeout = hard_timeout(budget)
    with tempfile.TemporaryDirectory(prefix=f"bench-{system}-{task.name}-") as tmp:
        workdir, out, log_path = Path(tmp), Path(tmp) / "result.json", Path(tmp) / "worker.log"
        cmd = _worker_command(python, system, task, seed, budget, tasks_file, workdir, out)
        start = time.perf_counter()
        try:
            returncode, killed, memory = _supervise(cmd, log_path, timeout)
        except OSError as exc:  # e.g. the interpreter does not exist
            record["error"] = f"cannot start {python}: {exc}"
            return record
        record.update(
            wall_seconds=time.perf_counter() - start, returncode=returncode,
            peak_mb=memory.peak_pss_bytes / 2**20, peak_rss_mb=memory.peak_bytes / 2**20,
        )
        record.update(
            {k: v for k, v in _read_worker_result(out, log_path).items() if k not in record}
        )
    if killed:
        record["error"] = f"killed at the hard timeout ({timeout:.0f} s)"
        record.pop("score", None)
    if record.get("fit_seconds") is not None:
        record["overrun"] = record["fit_seconds"] / budget
    return record


# ============================================================================ report
def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{min(digits, 1)}f}" if abs(value) >= 100 else f"{value:.{digits}f}"
    return str(value)


def results_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    cols = [
        "task",
        "metric",
        "seed",
        "system",
        "score",
        "fit_seconds",
        "overrun",
        "peak_mb",
        "peak_rss_mb",
        "first_row_seconds",
        "error",
    ]
    df = pd.DataFrame(records)
    for col in cols:
        if col not in df:
            df[col] = None
    df = df[cols].copy()
    for col in ["score", "fit_seconds", "overrun", "peak_mb", "peak_rss_mb", "first_row_seconds"]:
        df[col] = pd.to_numeric(df[col], errors="coerce")
    df.loc[df["error"].notna(), "score"] = np.nan
    return df


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def runs_table(df: pd.DataFrame) -> str:
    rows = [
        [
            r.task,
            r.metric,
            str(r.seed),
            r.system,
            "error" if pd.notna(r.error) else _fmt(r.score),
            _fmt(r.fit_seconds, 1),
            _fmt(r.overrun, 2),
            _fmt(r.peak_mb, 0),
            _fmt(r.peak_rss_mb, 0),
            _fmt(r.first_row_seconds, 1),
        ]
        for r in df.itertuples()
    ]
    header = [
        "task",
        "metric",
        "seed",
        "system",
        "test score",
        "fit s",
        "overrun",
        "peak MB",
        "peak RSS MB",
        "first row s",
    ]
    return markdown_table(header, rows)


def oriented_scores(df: pd.DataFrame) -> pd.DataFrame:
    """(task, seed) x system matrix of scores where higher is better; failures are -inf."""
    signed = df["score"].where(~df["metric"].isin(LOWER_IS_BETTER), -df["score"])
    table = df.assign(key=signed.fillna(-np.inf)).pivot_table(
        index=["task", "seed"], columns="system", values="key", aggfunc="first"
    )
    return table.fillna(-np.inf)


def normalized_scores(keys: pd.DataFrame) -> pd.DataFrame:
    """0 = constant predictor, 1 = best system on the task; a failure counts as the constant.

    A (task, seed) where no system beats the constant scores 0 for all; one where the constant
    itself failed is left out (NaN).
    """
    if BASELINE not in keys:
        return keys * np.nan
    k = keys.to_numpy(dtype=float)
    base = keys[BASELINE].to_numpy(dtype=float)[:, None]
    spread = k.max(axis=1, keepdims=True) - base
    with np.errstate(all="ignore"):
        norm = np.where(np.isfinite(k), (k - base) / spread, 0.0)
    norm = np.where(spread > 0, norm, 0.0)
    norm = np.where(np.isfinite(base), norm, np.nan)
    return pd.DataFrame(norm, index=keys.index, columns=keys.columns)


def win_tie_loss(keys: pd.DataFrame, a: str, b: str) -> tuple[int, int, int]:
    ka, kb = keys[a].to_numpy(), keys[b].to_numpy()
    tie = np.isclose(ka, kb, rtol=1e-9, atol=1e-12) | ((ka == -np.inf) & (kb == -np.inf))
    wins = int(((ka > kb) & ~tie).sum())
    ties = int(tie.sum())
    return wins, ties, len(ka) - wins - ties


def summary_tables(df: pd.DataFrame) -> str:
    systems = list(dict.fromkeys(df["system"]))  # run order
    keys = oriented_scores(df)[systems]
    norm = normalized_scores(keys)
    ranks = keys.rank(axis=1, ascending=False, method="average")
    failures = df.assign(failed=df["error"].notna()).groupby("system")["failed"].sum()
    by = df.groupby("system")

    def spread(col: str, s: str, digits: int) -> str:
        v = by[col].get_group(s).dropna()
        return "–" if v.empty else f"{_fmt(v.median(), digits)} ({_fmt(v.min(), digits)}–{_fmt(v.max(), digits)})"

    summary = [
        [
            s,
            _fmt(norm[s].mean(), 3),
            _fmt(ranks[s].mean(), 2),
            f"{len(keys) - int(failures.get(s, 0))}/{len(keys)}",
            spread("overrun", s, 2),
            spread("first_row_seconds", s, 1),
            spread("peak_mb", s, 0),
            spread("peak_rss_mb", s, 0),
        ]
        for s in systems
    ]
    header = ["system", "mean normalized score", "mean rank", "runs ok", "overrun median (min–max)",
              "first row s", "peak PSS MB", "peak RSS MB"]
    text = markdown_table(header, summary)
    wtl = [
        [a] + ["·" if a == b else "{}/{}/{}".format(*win_tie_loss(keys, a, b)) for b in systems]
        for a in systems
    ]
    text += "\n\nWins/ties/losses of the row system against the column system:\n\n"
    return text + markdown_table(["vs"] + systems, wtl)


def errors_section(df: pd.DataFrame) -> str:
    failed = df[df["error"].notna()]
    if failed.empty:
        return "No errors."
    lines = [
        f"- {r.task} / seed {r.seed} / {r.system}: {str(r.error).splitlines()[0][:300]}"
        for r in failed.itertuples()
    ]
    return "\n".join(lines)


def render_report(records: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    df = results_frame(records)
    head = [
        f"# Tabular benchmark {meta['timestamp']}",
        "",
        f"budget {meta['budget']} s per fit; seeds {meta['seeds']}; hard kill timeout "
        f"{hard_timeout(meta['budget']):.0f} s; machine {meta['machine']}.",
        "Scores: roc_auc (higher is better), log_loss and rmse (lower is better). "
        "overrun = fit s / budget. peak MB = summed PSS of the worker's process tree (each shared page divided among the processes that map it; "
        "peak RSS MB counts it once per process). "
        "first row s = seconds from fit start to the first finished model.",
        "",
    ]
    parts = [
        *head,
        runs_table(df),
        "",
        "## Per system",
        "",
        "Normalized score: 0 = constant predictor, 1 = best system on the task (failures "
        "count as 0). Rank 1 = best; failures rank last.",
        "",
        summary_tables(df),
        "",
        "## Errors",
        "",
        errors_section(df),
        "",
    ]
    return "\n".join(parts)


# ============================================================================ CLI
def machine_description() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem_gb:.0f} GiB, {platform.platform()}"


def planned_systems(spec: str) -> list[str]:
    systems = [s.strip() for s in spec.split(",") if s.strip()]
    for system in systems:
        interpreter(system)  # validates the name
    return systems if BASELINE in systems else [*systems, BASELINE]


def _abspath(path: str) -> Path:
    """Absolute, but not resolved: a venv's bin/python symlink must stay the venv's."""
    return Path(os.path.abspath(os.path.expanduser(path)))


def _log_progress(record: dict[str, Any]) -> None:
    print(
        f"[{datetime.now():%H:%M:%S}] {record['task']} seed {record['seed']} {record['system']}:"
        f" score={_fmt(record.get('score'))} fit={_fmt(record.get('fit_seconds'), 1)}s"
        f" peak={_fmt(record.get('peak_mb'), 0)}MB"
        + (f" error={record['error']}" if record.get("error") else ""),
        file=sys.stderr,
        flush=True,
    )


def run_benchmark(args: argparse.Namespace) -> Path:
    """Run every (task, seed, system), saving the raw JSON after each run; write the report."""
    tasks_file = Path(args.tasks_file)
    tasks = select_tasks(args.tasks, tasks_file)
    systems = planned_systems(args.systems)
    seeds = [int(s) for s in str(args.seeds).split(",") if s.strip()]
    pythons = {
        s: interpreter(
            s,
            _abspath(args.python_peers),
            _abspath(args.python_automl_nb),
            _abspath(args.python_autogluon),
        )
        for s in systems
    }
    timestamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    raw_path, md_path = out_dir / f"{timestamp}.raw.json", out_dir / f"{timestamp}.md"
    meta = {
        "timestamp": timestamp,
        "budget": args.budget,
        "seeds": seeds,
        "systems": systems,
        "pythons": {s: str(p) for s, p in pythons.items()},
        "tasks": [t.name for t in tasks],
        "machine": machine_description(),
    }
    records: list[dict[str, Any]] = []
    for task, seed, system in itertools.product(tasks, seeds, systems):
        records.append(run_one(system, task, seed, args.budget, pythons[system], tasks_file))
        _log_progress(records[-1])
        raw_path.write_text(json.dumps({"meta": meta, "runs": records}, indent=1, default=str))
    report = render_report(records, meta)
    md_path.write_text(report)
    print(report)
    print(f"written: {md_path} and {raw_path}", file=sys.stderr)
    return md_path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=float, default=60.0, help="seconds per fit")
    p.add_argument(
        "--systems",
        default="automl_nb,flaml,lightgbm_default",
        help=f"comma-separated, from {sorted(SYSTEMS)}; constant is always added",
    )
    p.add_argument("--tasks", default="all", help="'all' or comma-separated task names")
    p.add_argument("--seeds", default="0", help="comma-separated split/fit seeds")
    p.add_argument(
        "--python-peers",
        default=str(PEERS_PYTHON),
        help="interpreter for flaml, lightgbm_default and constant",
    )
    p.add_argument(
        "--python-automl-nb",
        default=str(AUTOML_NB_PYTHON),
        help="interpreter for automl_nb (the repository's venv)",
    )
    p.add_argument(
        "--python-autogluon",
        default=str(AUTOGLUON_PYTHON),
        help="interpreter for autogluon (benchmarks/setup_autogluon.sh's venv)",
    )
    p.add_argument("--tasks-file", default=str(TASKS_FILE))
    p.add_argument("--out-dir", default=str(RESULTS_DIR))
    worker = p.add_argument_group("worker mode (internal: one system, one task, one seed)")
    worker.add_argument("--worker", action="store_true")
    worker.add_argument("--system")
    worker.add_argument("--task")
    worker.add_argument("--seed", type=int, default=0)
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
