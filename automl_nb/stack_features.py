"""The stacked model's one step of our own: class probabilities as log-odds.

A stacked classifier's meta-learner (logistic regression) reads its members' probabilities on
the log-odds scale, where averaging them is log-linear pooling and a well-calibrated member
needs a coefficient of 1, not a steep curve: on raw probabilities a logistic regression turns
a member's 0.9 into 0.98. ``StackingClassifier`` passes each member's probability of the
positive class (binary) or of every class (multiclass); this step turns them into log-odds
(binary) or log-probabilities (multiclass), clipped to ``[eps, 1 - eps]``.

Self-contained (numpy and scikit-learn only): fitted models pickle it by value, so they load
without automl_nb; ``model.skops`` allows it; it converts to ONNX
(:mod:`automl_nb.export.onnx_stacking`) and ``to_code`` writes its source.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class LogOdds(TransformerMixin, BaseEstimator):
    """Probabilities -> log-odds (``kind="logit"``, binary) or log-probabilities
    (``kind="log"``, multiclass), clipped to ``[eps, 1 - eps]``. Stateless."""

    def __init__(self, kind: str = "logit", eps: float = 1e-6) -> None:
        self.kind = kind
        self.eps = eps

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        p = np.clip(np.asarray(X, dtype=np.float64), self.eps, 1.0 - self.eps)
        if self.kind == "logit":
            return np.log(p) - np.log1p(-p)
        return np.log(p)

    def get_feature_names_out(self, input_features=None):
        names = input_features if input_features is not None else [f"x{i}" for i in range(self.n_features_in_)]
        return np.asarray([f"{self.kind}_{n}" for n in names], dtype=object)
