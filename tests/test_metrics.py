import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_absolute_error, r2_score, roc_auc_score

from automl_nb.metrics import METRICS, default_metric, get_metric


@pytest.mark.parametrize("k", [2, 3, 6])
def test_roc_auc_and_log_loss_match_scikit_learn(k):
    rng = np.random.default_rng(k)
    y = rng.integers(0, k, 3000)
    p = rng.dirichlet(np.ones(k), 3000)
    p[:, 0] = np.round(p[:, 0], 2)  # ties
    p /= p.sum(axis=1, keepdims=True)
    expected = roc_auc_score(y, p[:, 1]) if k == 2 else roc_auc_score(y, p, multi_class="ovr")
    assert METRICS["roc_auc"].score(y, p, k) == pytest.approx(expected, abs=1e-12)
    q = np.clip(p, 1e-6, 1)
    q /= q.sum(axis=1, keepdims=True)
    assert METRICS["log_loss"].score(y, q, k) == pytest.approx(log_loss(y, q, labels=range(k)), rel=1e-9)


def test_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=500), rng.normal(size=500)
    assert METRICS["mae"].score(y, p) == pytest.approx(mean_absolute_error(y, p))
    assert METRICS["r2"].score(y, p) == pytest.approx(r2_score(y, p))
    assert METRICS["rmse"].score(y, p) == pytest.approx(np.sqrt(np.mean((y - p) ** 2)))


def test_loss_direction():
    assert get_metric("roc_auc").loss(0.9) < get_metric("roc_auc").loss(0.8)
    assert get_metric("rmse").loss(1.0) < get_metric("rmse").loss(2.0)
    assert default_metric("multiclass") == "log_loss"


def test_unknown_metric_lists_the_valid_ones():
    with pytest.raises(ValueError, match="roc_auc"):
        get_metric("auc_roc")
    with pytest.raises(ValueError, match="does not apply"):
        get_metric("rmse", "binary")
