"""The package as a newcomer meets it: a fast import, the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_import_is_fast_and_light():
    code = (
        "import sys, time; t = time.perf_counter(); import automl_nb; "
        "print(time.perf_counter() - t); "
        "print(sorted(m for m in ('pandas', 'sklearn', 'lightgbm', 'torch', 'shap', 'optuna') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert float(out[0]) < 1.0
    assert out[1] == "[]"


@pytest.mark.slow
def test_cli_run_prints_guardrails_leaderboard_and_folder(carseats, tmp_path):
    csv = tmp_path / "carseats.csv"
    carseats.to_csv(csv, index=False)
    folder = tmp_path / "exp"
    out = subprocess.run(
        [sys.executable, "-m", "automl_nb.cli", "run", str(csv), "--target", "Sales", "--budget", "60",
         "--max-trials", "4", "--folder", str(folder)],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "Guardrails" in out.stdout and "missing_values" in out.stdout
    assert "Leaderboard" in out.stdout and "learner" in out.stdout and "final model:" in out.stdout
    assert str(folder) in out.stdout
    assert (folder / "model.pkl").exists()


@pytest.mark.slow
def test_cli_forecasts_a_csv_series(air_passengers, tmp_path):
    csv = tmp_path / "air.csv"
    air_passengers.to_csv(csv, index=False)  # the dates become text: parsed back
    out = subprocess.run(
        [sys.executable, "-m", "automl_nb.cli", "run", str(csv), "--target", "passengers", "--time-column", "month",
         "--horizon", "12", "--budget", "60", "--max-trials", "4", "--folder", str(tmp_path / "exp")],
        capture_output=True, text=True, timeout=180,
    )
    assert out.returncode == 0, out.stderr
    assert "task: forecast" in out.stdout and "seasonal_naive" in out.stdout and "window_1" in out.stdout
    assert "Forecast (12 rows" in out.stdout and "1961-01-01" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "automl_nb.cli", "run", str(csv), "--target", "passengers",
                          "--time-column", "month", "--horizon", "0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "horizon must be a positive integer" in bad.stderr


def test_cli_names_a_missing_target(carseats, tmp_path):
    csv = tmp_path / "carseats.csv"
    carseats.to_csv(csv, index=False)
    out = subprocess.run([sys.executable, "-m", "automl_nb.cli", "run", str(csv), "--target", "sales"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "'sales' is not in X" in out.stderr
