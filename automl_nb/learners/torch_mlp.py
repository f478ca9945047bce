"""scikit-learn compatible multi-layer perceptrons in PyTorch.

Imported only lazily (by :mod:`automl_nb.learners.mlp`), since importing torch is slow.
Fitted estimators keep their weights as numpy arrays (``state_``); the torch module is rebuilt
on first use after unpickling, so pickles hold no tensors and no torch module objects.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from torch import nn

from automl_nb.learners.base import check_deadline

_PREDICT_BATCH = 8192
#: batches between two deadline checks inside one epoch
_CHECK_EVERY = 50


def _build_net(n_in: int, n_out: int, n_layers: int, width: int, dropout: float) -> nn.Module:
    layers: list[nn.Module] = []
    for _ in range(n_layers):
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n_in = width
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class _TorchMLPBase(BaseEstimator):
    """Shared fitting loop: AdamW, minibatches, early stopping on a validation set."""

    def __init__(
        self,
        n_layers: int = 2,
        width: int = 256,
        dropout: float = 0.1,
        lr: float = 1e-3,
        weight_decay: float = 1e-5,
        batch_size: int = 128,
        max_epochs: int = 200,
        patience: int = 10,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        random_state: int | None = 0,
        n_threads: int | None = None,
    ) -> None:
        self.n_layers = n_layers
        self.width = width
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.n_threads = n_threads

    # --- hooks for the subclasses ------------------------------------------------------------
    def _encode_y(self, y: np.ndarray, fitting: bool) -> tuple[np.ndarray, np.ndarray]:
        """Return (targets for torch, mask of the rows to keep)."""
        raise NotImplementedError

    def _n_outputs(self) -> int:
        raise NotImplementedError

    def _loss(self) -> nn.Module:
        raise NotImplementedError

    # --- fitting -----------------------------------------------------------------------------
    def fit(
        self,
        X: Any,
        y: Any,
        X_val: Any = None,
        y_val: Any = None,
        deadline: float | None = None,
    ) -> _TorchMLPBase:
        check_deadline(deadline)
        self._set_threads()
        seed = 0 if self.random_state is None else int(self.random_state)
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)

        X = self._check_X(X, fitting=True)
        t, keep = self._encode_y(np.asarray(y), fitting=True)
        X, t = X[keep], t[keep]

        Xv = tv = None
        if self.early_stopping:
            if X_val is not None and y_val is not None:
                Xv = self._check_X(X_val, fitting=False)
                tv, keep_v = self._encode_y(np.asarray(y_val), fitting=False)
                Xv, tv = Xv[keep_v], tv[keep_v]
                if len(Xv) == 0:
                    Xv = tv = None
            elif len(X) >= 20:
                perm = rng.permutation(len(X))
                n_val = max(1, int(round(self.validation_fraction * len(X))))
                Xv, tv = X[perm[:n_val]], t[perm[:n_val]]
                X, t = X[perm[n_val:]], t[perm[n_val:]]

        net = _build_net(
            X.shape[1], self._n_outputs(), int(self.n_layers), int(self.width), float(self.dropout)
        )
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        loss_fn = self._loss()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(t)
        Xvt = torch.from_numpy(Xv) if Xv is not None else None
        yvt = torch.from_numpy(tv) if tv is not None else None
        generator = torch.Generator().manual_seed(seed)
        n = len(Xt)
        bs = max(1, min(int(self.batch_size), n))

        best_loss, best_epoch, best_state, bad = math.inf, 0, None, 0
        epoch = 0
        for epoch in range(1, int(self.max_epochs) + 1):
            check_deadline(deadline)
            net.train()
            perm = torch.randperm(n, generator=generator)
            for i, start in enumerate(range(0, n, bs)):
                if i and i % _CHECK_EVERY == 0:
                    check_deadline(deadline)
                idx = perm[start : start + bs]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(net(Xt[idx]), yt[idx])
                loss.backward()
                opt.step()
            if Xvt is None:
                continue
            val_loss = self._eval_loss(net, loss_fn, Xvt, yvt)
            if best_state is None or val_loss < best_loss - 1e-7 * abs(best_loss):
                best_loss, best_epoch, bad = val_loss, epoch, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                bad += 1
                if bad >= int(self.patience):
                    break
        if best_state is not None:
            net.load_state_dict(best_state)

        net.eval()
        self.state_ = {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}
        self.n_epochs_ = epoch
        #: epoch with the best validation loss; None when no validation set was used
        self.best_epoch_ = best_epoch if Xvt is not None and best_epoch > 0 else None
        self.best_val_loss_ = best_loss if self.best_epoch_ is not None else None
        self._net = net
        return self

    @staticmethod
    def _eval_loss(net: nn.Module, loss_fn: nn.Module, Xv: torch.Tensor, yv: torch.Tensor) -> float:
        net.eval()
        total = 0.0
        with torch.no_grad():
            for start in range(0, len(Xv), _PREDICT_BATCH):
                sl = slice(start, start + _PREDICT_BATCH)
                total += float(loss_fn(net(Xv[sl]), yv[sl])) * len(Xv[sl])
        return total / len(Xv)

    # --- prediction --------------------------------------------------------------------------
    def _set_threads(self) -> None:
        if self.n_threads:
            torch.set_num_threads(int(self.n_threads))

    def _check_X(self, X: Any, fitting: bool) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-d array, got shape {X.shape}")
        if fitting:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, expected {self.n_features_in_}")
        return np.ascontiguousarray(X)

    def _get_net(self) -> nn.Module:
        net = getattr(self, "_net", None)
        if net is None:
            if not hasattr(self, "state_"):
                raise AttributeError(f"this {type(self).__name__} is not fitted yet")
            net = _build_net(
                self.n_features_in_,
                self._n_outputs(),
                int(self.n_layers),
                int(self.width),
                float(self.dropout),
            )
            net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in self.state_.items()})
            net.eval()
            self._net = net
        return net

    def _forward(self, X: Any) -> np.ndarray:
        net = self._get_net()
        self._set_threads()
        X = self._check_X(X, fitting=False)
        out = []
        with torch.no_grad():
            for start in range(0, len(X), _PREDICT_BATCH):
                out.append(net(torch.from_numpy(X[start : start + _PREDICT_BATCH])).numpy())
        if not out:
            return np.zeros((0, self._n_outputs()), dtype=np.float32)
        return np.concatenate(out).astype(np.float64)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns __dict__
        state.pop("_net", None)  # rebuilt from state_ on first use
        return state


class TorchMLPClassifier(ClassifierMixin, _TorchMLPBase):
    """MLP classifier (softmax output, cross-entropy loss); labels may be any sortable values."""

    def _encode_y(self, y: np.ndarray, fitting: bool) -> tuple[np.ndarray, np.ndarray]:
        if fitting:
            self.classes_ = np.unique(y)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        keep = self.classes_[idx] == y  # validation rows of unseen classes are dropped
        return idx.astype(np.int64), keep

    def _n_outputs(self) -> int:
        return len(self.classes_)

    def _loss(self) -> nn.Module:
        return nn.CrossEntropyLoss()

    def predict_proba(self, X: Any) -> np.ndarray:
        logits = self._forward(X)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self._forward(X), axis=1)]


class TorchMLPRegressor(RegressorMixin, _TorchMLPBase):
    """MLP regressor (squared error on an internally standardized target)."""

    def _encode_y(self, y: np.ndarray, fitting: bool) -> tuple[np.ndarray, np.ndarray]:
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if fitting:
            self.y_mean_ = float(np.mean(y))
            std = float(np.std(y))
            self.y_std_ = std if std > 0 else 1.0
        t = ((y - self.y_mean_) / self.y_std_).astype(np.float32).reshape(-1, 1)
        return t, np.isfinite(y)

    def _n_outputs(self) -> int:
        return 1

    def _loss(self) -> nn.Module:
        return nn.MSELoss()

    def predict(self, X: Any) -> np.ndarray:
        return self._forward(X)[:, 0] * self.y_std_ + self.y_mean_
