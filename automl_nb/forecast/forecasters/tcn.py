"""A temporal convolutional network (Bai, Kolter & Koltun 2018) trained on windows of every
series of the panel: one global model that maps the last ``input_length`` points of a series
to its next ``horizon`` points at once (direct multi-output forecasting).

Each window is normalised by its own input: minus the input mean, divided by the mean absolute
deviation of the input (instance normalisation, as in RevIN), so that series of any level and
scale share one model; forecasts are mapped back with the same two numbers. The forecast is
the seasonal naive forecast plus a linear map of the normalised input plus a linear map of the
last time step's features of a stack of residual blocks of dilated causal convolutions; both
maps start at zero, so training starts from (and early stopping can keep) the seasonal naive
forecast.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ...learners.base import LearnerSpec, TrialTimeout
from ..panel import Panel
from .base import FORECAST_TASKS, Forecaster, make_factory, seasonal_naive

KERNEL = 3
MAX_POSITIONS = 24  # time steps the convolutions run on (cost is linear in them)
MAX_INPUT = 200
WINDOWS_PER_EPOCH = 1024  # an epoch is a random sample of at most this many training windows
MAX_WINDOWS = 50_000  # training windows kept in memory (a random sample of long panels)
BATCH = 128
PATIENCE = 8  # epochs without improvement of the validation loss before stopping
VAL_WINDOWS = 8  # panels of fewer series validate on several windows per series


def input_length(m: int, horizon: int, longest: int) -> int:
    """Points the network sees: two seasons and twice the horizon, at least 24, at most
    :data:`MAX_INPUT`; shorter when even the longest series has no room for it (the inputs of
    short series are padded with their first value)."""
    length = min(max(2 * m, 2 * horizon, 24), MAX_INPUT)
    room = longest - 2 * horizon - 1  # a training window and a validation window
    return int(max(min(length, room), min(length, max(m, 8))))


def _normalise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Location (mean) and scale (mean absolute deviation) of each row of ``x``; a constant row
    gets the scale 1% of its level (1 for a row of zeros)."""
    loc = x.mean(axis=1)
    scale = np.abs(x - loc[:, None]).mean(axis=1)
    floor = np.maximum(0.01 * np.abs(loc), 1e-8)
    scale = np.where(scale > floor, scale, np.where(np.abs(loc) > 0, floor, 1.0))
    return loc, scale


def _padded(y: np.ndarray, length: int) -> np.ndarray:
    """``y`` left-padded with its first value to at least ``length`` points."""
    if len(y) >= length:
        return y
    return np.concatenate([np.full(length - len(y), y[0]), y])


def _build_net(length: int, horizon: int, m: int, channels: int, n_blocks: int, dropout: float) -> Any:
    import torch
    from torch import nn

    # long inputs are cut into patches of `patch` points (a strided input convolution), so the
    # blocks run on at most MAX_POSITIONS positions whatever the input length
    patch = -(-length // MAX_POSITIONS)
    positions = length // patch
    # dilation base so that the receptive field 1 + 2 (k - 1) sum(base^i) covers the positions
    base = 2
    while 1 + 2 * (KERNEL - 1) * sum(base ** i for i in range(n_blocks)) < positions and base < 8:
        base += 1
    season = m if m <= length else 1  # a season longer than the input: the last value

    class Block(nn.Module):
        def __init__(self, dilation: int) -> None:
            super().__init__()
            self.pad = (KERNEL - 1) * dilation
            self.conv1 = nn.Conv1d(channels, channels, KERNEL, dilation=dilation)
            self.conv2 = nn.Conv1d(channels, channels, KERNEL, dilation=dilation)
            self.drop = nn.Dropout1d(dropout)  # whole channels (spatial dropout, as in Bai et al.)
            self.act = nn.GELU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.drop(self.act(self.conv1(nn.functional.pad(x, (self.pad, 0)))))
            h = self.drop(self.act(self.conv2(nn.functional.pad(h, (self.pad, 0)))))
            return x + h

    class Net(nn.Module):
        """Seasonal naive + a linear map of the input + the TCN's correction; the two heads
        start at zero, so the untrained network is the seasonal naive forecast."""

        def __init__(self) -> None:
            super().__init__()
            self.inp = nn.Conv1d(1, channels, patch, stride=patch)
            self.blocks = nn.Sequential(*[Block(base ** i) for i in range(n_blocks)])
            self.head = nn.Linear(channels, horizon)
            self.linear = nn.Linear(length, horizon)
            for layer in (self.head, self.linear):
                nn.init.zeros_(layer.weight)
                nn.init.zeros_(layer.bias)
            repeat = torch.arange(horizon) % season + (length - season)
            self.register_buffer("repeat", repeat)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (batch, length)
            h = self.blocks(self.inp(x[:, None, length - positions * patch:]))
            return x[:, self.repeat] + self.head(h[:, :, -1]) + self.linear(x)

    return Net()


class TCN(Forecaster):
    """A global temporal convolutional network over all series.

    ``fit`` does not receive the horizon: it is a parameter, ``params["horizon"]`` (the
    engine always sets it; without it the network forecasts two seasons, and :meth:`predict`
    then serves any horizon up to that, or repeats the seasonal naive forecast beyond it).

    Parameters (``params``)
    -----------------------
    horizon : steps the network forecasts (see above).
    channels : width of the convolutions (default 32).
    n_blocks : residual blocks (default 4); dilations grow geometrically so that the receptive
        field covers the input.
    learning_rate : Adam's step size (default 3e-3).
    max_epochs : upper bound on the epochs of :data:`WINDOWS_PER_EPOCH` windows (default 30);
        early stopping on the last window of every series (held out, see :meth:`_windows`)
        and the deadline may end training before.
    dropout : dropout in the blocks (default 0.1).

    Exogenous columns and holidays are ignored: the network sees the target only.
    Training stops cleanly at the deadline once an epoch has finished (the best weights so far
    forecast); a deadline passed before the first epoch ends raises ``TrialTimeout``.
    """

    name = "tcn"

    def fit(self, panel: Panel, deadline: float | None = None) -> TCN:
        import torch

        torch.set_num_threads(max(1, int(self.n_jobs)))
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        m = max(1, panel.season_length)
        h = int(self.params.get("horizon") or 2 * m)
        length = input_length(m, h, max(panel.lengths))
        self.m_, self.h_, self.length_ = m, h, length
        self.last_ = [np.asarray(v, dtype=float)[-max(length, m):].copy() for v in panel.values]
        self.lengths_ = np.asarray(panel.lengths)

        x_tr, y_tr, x_va, y_va = self._windows(panel.values, length, h, rng)
        net = _build_net(length, h, m, int(self.params.get("channels", 32)),
                         int(self.params.get("n_blocks", 4)), float(self.params.get("dropout", 0.1)))
        opt = torch.optim.Adam(net.parameters(), lr=float(self.params.get("learning_rate", 3e-3)))
        loss_fn = torch.nn.L1Loss()
        x_tr_t, y_tr_t = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
        x_va_t, y_va_t = torch.from_numpy(x_va), torch.from_numpy(y_va)
        with torch.no_grad():  # the untrained network: the seasonal naive forecast
            best_loss = float(loss_fn(net(x_va_t), y_va_t))
        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        stale, epochs = 0, 0
        max_epochs = int(self.params.get("max_epochs", 30))
        out_of_time = False
        for _ in range(max_epochs):
            net.train()
            order = rng.permutation(len(x_tr))[:WINDOWS_PER_EPOCH]
            for start in range(0, len(order), BATCH):
                if deadline is not None and time.time() > deadline:
                    out_of_time = True
                    break
                idx = torch.from_numpy(order[start:start + BATCH])
                opt.zero_grad()
                loss = loss_fn(net(x_tr_t[idx]), y_tr_t[idx])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
            if out_of_time:
                break
            epochs += 1
            net.eval()
            with torch.no_grad():
                val = float(loss_fn(net(x_va_t), y_va_t))
            if val < best_loss - 1e-4:
                best_loss, stale = val, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                stale += 1
                if stale >= PATIENCE:
                    break
        if epochs == 0:
            raise TrialTimeout(f"tcn passed its deadline before finishing an epoch ({len(x_tr)} windows)")
        net.load_state_dict(best_state)
        net.eval()
        self.net_, self.epochs_, self.val_loss_ = net, epochs, best_loss
        return self

    @staticmethod
    def _windows(values: list[np.ndarray], length: int, h: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """Normalised (input, target) windows for training and validation.

        The last window of each series validates. A panel of fewer than :data:`VAL_WINDOWS`
        series also validates on earlier windows, ``h // 2`` steps apart, as long as they hold
        out at most a quarter of the typical series (one window of one series is a noisy
        guide). Training windows have their targets before the first validation target.
        """
        stride = max(1, h // 2)
        typical = float(np.median([len(v) for v in values]))
        k = int(max(1, min(-(-VAL_WINDOWS // len(values)), 1 + (0.25 * typical - h) // stride)))
        held = h + (k - 1) * stride  # points of each series that only validation windows target
        per_series = -(-MAX_WINDOWS // len(values))
        xs, ys, xv, yv = [], [], [], []
        for v in values:
            y = _padded(np.asarray(v, dtype=float), length + h + held)
            n = len(y)
            train = np.lib.stride_tricks.sliding_window_view(y[: n - held], length + h)
            if len(train) > per_series:
                train = train[np.sort(rng.choice(len(train), per_series, replace=False))]
            xs.append(train[:, :length])
            ys.append(train[:, length:])
            val = np.lib.stride_tricks.sliding_window_view(y[n - held - length:], length + h)[::stride]
            xv.append(val[:, :length])
            yv.append(val[:, length:])
        out = []
        for x, y in ((np.concatenate(xs), np.concatenate(ys)), (np.concatenate(xv), np.concatenate(yv))):
            loc, scale = _normalise(x)
            out.append(((x - loc[:, None]) / scale[:, None]).clip(-1e3, 1e3).astype(np.float32))
            out.append(((y - loc[:, None]) / scale[:, None]).clip(-1e3, 1e3).astype(np.float32))
        return tuple(out)

    def predict(self, horizon: int, future_exog: list[np.ndarray] | None = None) -> np.ndarray:
        import torch

        x = np.stack([_padded(v, self.length_)[-self.length_:] for v in self.last_])
        loc, scale = _normalise(x)
        xn = ((x - loc[:, None]) / scale[:, None]).clip(-1e3, 1e3).astype(np.float32)
        with torch.no_grad():
            out = self.net_(torch.from_numpy(xn)).numpy().astype(float)
        pred = loc[:, None] + scale[:, None] * out
        if horizon <= self.h_:
            pred = pred[:, :horizon]
        else:  # beyond the trained horizon: the seasonal naive forecast continues it
            pred = np.hstack([pred, np.stack([seasonal_naive(np.r_[v, p], self.m_, horizon - self.h_)
                                              for v, p in zip(self.last_, pred)])])
        # no full season of history (the padded input has no real seasonal pattern) or a
        # non-finite forecast: the seasonal naive forecast (the last value)
        for i in np.flatnonzero(~np.all(np.isfinite(pred), axis=1) | (self.lengths_ < self.m_)):
            pred[i] = seasonal_naive(self.last_[i], self.m_, horizon)
        return pred


def _space(trial: Any, task: str, n_rows: int) -> dict:
    return {
        "channels": trial.suggest_categorical("channels", [16, 32, 64]),
        "n_blocks": trial.suggest_int("n_blocks", 2, 5),
        "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True),
        "max_epochs": trial.suggest_int("max_epochs", 10, 100, log=True),
        "dropout": trial.suggest_float("dropout", 0.0, 0.3),
    }


SPEC = LearnerSpec(
    name="tcn",
    family="forecast",
    tasks=FORECAST_TASKS,
    make=make_factory(TCN),
    space=_space,
    defaults=({"channels": 32, "n_blocks": 4, "learning_rate": 3e-3, "max_epochs": 30, "dropout": 0.1},),
    cost=5.0,
    requires="torch",
    description="a global temporal convolutional network (dilated causal convolutions), direct multi-step",
)
