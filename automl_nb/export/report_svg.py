"""The report's charts as inline SVG text: no plotting library, no script, no font fetched.

Each function returns one ``<svg>`` element (a ``viewBox`` that scales to the page's width)
with a ``<title>`` saying what it shows, for screen readers and for the Markdown variant's
image alt text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import numpy as np

FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif' font-size='11'"
ACCENT = "#2f6fdf"
MUTED = "#8a94a6"
GRID = "#e3e7ee"
#: the beeswarm's colours for a feature's low and high values (blue to red, as SHAP's)
LOW, HIGH = (0x1E, 0x88, 0xE5), (0xFF, 0x0D, 0x57)


def _fmt(x: float) -> str:
    """A tick label: 4 significant digits, no exponent for everyday magnitudes."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    return f"{x:.4g}"


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 12) for k in range(int((hi - first) / step + 1e-9) + 1)]


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='100%' "
            f"style='max-width:{width}px;height:auto' role='img' {FONT}>"
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str) -> str:
    """Horizontal bars, one per label, in the order given (longest first reads best)."""
    left, right, row = 150, 70, 20
    width = 640
    height = 34 + row * len(labels)
    top = max([float(v) for v in values if math.isfinite(float(v))], default=1.0) or 1.0
    plot_w = width - left - right
    body = [f"<text x='{left}' y='14' fill='{MUTED}'>{escape(xlabel)}</text>"]
    for i, (label, v) in enumerate(zip(labels, values)):
        y = 24 + i * row
        w = max(0.0, float(v)) / top * plot_w if math.isfinite(float(v)) else 0.0
        short = label if len(label) <= 24 else label[:23] + "…"
        body.append(f"<text x='{left - 6}' y='{y + 13}' text-anchor='end'><title>{escape(label)}</title>"
                    f"{escape(short)}</text>")
        body.append(f"<rect x='{left}' y='{y + 3}' width='{w:.1f}' height='{row - 6}' fill='{ACCENT}' rx='2'/>")
        body.append(f"<text x='{left + w + 4:.1f}' y='{y + 13}' fill='#333'>{escape(_fmt(float(v)))}</text>")
    return _svg(width, height, title, body)


def score_curve(points: Sequence[tuple[float, float | None]], greater_is_better: bool, title: str,
                xlabel: str, ylabel: str, ylim: tuple[float, float] | None = None,
                marks: Sequence[tuple[float, str]] = ()) -> str:
    """Each finished trial's score (dots; failed trials as crosses on the axis) and the best
    score so far (a step line), against ``x`` (seconds since the first trial started).
    ``marks``: ``(x, label)`` of steering actions, drawn as dashed vertical lines labelled at
    the top. ``ylim`` (low, high) keeps a far-off score (the baseline's) from flattening the rest: a
    score beyond it is drawn on the edge as a triangle."""
    width, height = 640, 296
    left, right, top, bottom = 64, 16, 32, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    pts = sorted(points, key=lambda p: p[0])
    scores = [s for _, s in pts if s is not None and math.isfinite(s)]
    if ylim is not None:
        scores = [s for s in scores if ylim[0] <= s <= ylim[1]] or scores
    xs = [x for x, _ in pts] + [x for x, _ in marks if math.isfinite(x)] or [0.0]
    x0, x1 = min(0.0, min(xs)), (max(xs) * 1.03) or 1.0  # a margin: the last dot is not cut
    if scores:
        y0, y1 = min(scores), max(scores)
        pad = (y1 - y0) * 0.06 or abs(y1) * 0.05 or 1.0
        y0, y1 = y0 - pad, y1 + pad
    else:
        y0, y1 = 0.0, 1.0

    def sx(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1.0) * plot_w

    def sy(y: float) -> float:
        return top + (1 - (min(max(y, y0), y1) - y0) / ((y1 - y0) or 1.0)) * plot_h

    body = []
    for t in _ticks(y0, y1):
        body.append(f"<line x1='{left}' x2='{width - right}' y1='{sy(t):.1f}' y2='{sy(t):.1f}' stroke='{GRID}'/>")
        body.append(f"<text x='{left - 6}' y='{sy(t) + 4:.1f}' text-anchor='end' fill='{MUTED}'>{_fmt(t)}</text>")
    for t in _ticks(x0, x1):
        body.append(f"<text x='{sx(t):.1f}' y='{height - bottom + 16}' text-anchor='middle' fill='{MUTED}'>"
                    f"{_fmt(t)}</text>")
    body.append(f"<line x1='{left}' x2='{width - right}' y1='{top + plot_h}' y2='{top + plot_h}' stroke='{MUTED}'/>")
    body.append(f"<text x='{left + plot_w / 2:.1f}' y='{height - 6}' text-anchor='middle' fill='#333'>"
                f"{escape(xlabel)}</text>")
    body.append(f"<text transform='translate(14 {top + plot_h / 2:.1f}) rotate(-90)' text-anchor='middle' "
                f"fill='#333'>{escape(ylabel)}</text>")
    for k, (x, label) in enumerate(sorted(m for m in marks if math.isfinite(m[0]))):
        body.append(f"<line x1='{sx(x):.1f}' x2='{sx(x):.1f}' y1='{top}' y2='{top + plot_h}' stroke='{MUTED}' "
                    f"stroke-dasharray='4,3' data-steering='{escape(label)}'><title>{escape(label)} at "
                    f"{_fmt(x)} s</title></line>")
        near_end = sx(x) > width - right - 70  # a label near the right edge reads leftwards
        body.append(f"<text x='{sx(x) + (-3 if near_end else 3):.1f}' y='{top + 10 + 11 * (k % 3)}' "
                    f"text-anchor='{'end' if near_end else 'start'}' fill='{MUTED}' font-size='10'>"
                    f"{escape(label)}</text>")
    best: float | None = None
    path: list[str] = []
    for x, s in pts:
        if s is None or not math.isfinite(s):
            body.append(f"<text x='{sx(x):.1f}' y='{top + plot_h - 2}' text-anchor='middle' fill='#c0392b'>×</text>")
            continue
        if best is None or (s > best if greater_is_better else s < best):
            if best is not None:
                path.append(f"L{sx(x):.1f},{sy(best):.1f}")
            best = s
            path.append(f"{'M' if not path else 'L'}{sx(x):.1f},{sy(best):.1f}")
        if y0 <= s <= y1:
            body.append(f"<circle cx='{sx(x):.1f}' cy='{sy(s):.1f}' r='3' fill='{MUTED}' fill-opacity='0.7'/>")
        else:  # off the chart: a triangle on its edge, pointing the way
            cx, cy, d = sx(x), sy(s), (5 if s < y0 else -5)
            body.append(f"<path d='M{cx - 4:.1f},{cy - d:.1f} L{cx + 4:.1f},{cy - d:.1f} L{cx:.1f},{cy:.1f} Z' "
                        f"fill='{MUTED}'><title>{escape(_fmt(s))} (off the chart)</title></path>")
    if best is not None:
        path.append(f"L{sx(x1):.1f},{sy(best):.1f}")
        body.append(f"<path d='{' '.join(path)}' fill='none' stroke='{ACCENT}' stroke-width='2'/>")
    # the legend, above the plot
    body.append(f"<text x='{width - right}' y='14' text-anchor='end' fill='{MUTED}'>● a trial's score</text>")
    body.append(f"<text x='{width - right - 110}' y='14' text-anchor='end' fill='{ACCENT}'>— best so far</text>")
    return _svg(width, height, title, body)


def beeswarm(values: np.ndarray, colour: np.ndarray, features: Sequence[str], title: str, xlabel: str,
             seed: int = 0) -> str:
    """SHAP values per feature (rows of dots, most important on top): x is a row's SHAP value,
    colour its feature value from low (blue) to high (red); grey where the value is not a
    number (categories, missing). ``values`` and ``colour`` are (rows, features); ``colour``
    holds values scaled to [0, 1] or NaN."""
    left, right, row = 150, 20, 26
    width = 640
    height = 56 + row * len(features)
    plot_w = width - left - right
    finite = values[np.isfinite(values)]
    lim = float(np.max(np.abs(finite))) if finite.size else 1.0
    lim = lim * 1.05 or 1.0

    def sx(v: float) -> float:
        return left + (v + lim) / (2 * lim) * plot_w

    rng = np.random.default_rng(seed)
    body = []
    for t in _ticks(-lim, lim):
        body.append(f"<line x1='{sx(t):.1f}' x2='{sx(t):.1f}' y1='14' y2='{height - 36}' "
                    f"stroke='{GRID if t else MUTED}'/>")
        body.append(f"<text x='{sx(t):.1f}' y='{height - 22}' text-anchor='middle' fill='{MUTED}'>{_fmt(t)}</text>")
    body.append(f"<text x='{left + plot_w / 2:.1f}' y='{height - 6}' text-anchor='middle' fill='#333'>"
                f"{escape(xlabel)}</text>")
    for j, name in enumerate(features):
        y = 16 + j * row + row / 2
        short = name if len(name) <= 24 else name[:23] + "…"
        body.append(f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end'><title>{escape(name)}</title>"
                    f"{escape(short)}</text>")
        v = values[:, j]
        ok = np.isfinite(v)
        jitter = _swarm_offsets(v[ok], lim, row * 0.42, rng)
        for val, c, dy in zip(v[ok], colour[ok, j], jitter):
            body.append(f"<circle cx='{sx(float(val)):.1f}' cy='{y + dy:.1f}' r='2.2' fill='{_colour(float(c))}' "
                        "fill-opacity='0.8'/>")
    lx = width - right - 120
    body.append(f"<text x='{lx - 4}' y='10' text-anchor='end' fill='{MUTED}'>feature value: low</text>")
    for k in range(10):
        body.append(f"<rect x='{lx + k * 10}' y='2' width='10' height='9' fill='{_colour(k / 9)}'/>")
    body.append(f"<text x='{lx + 104}' y='10' fill='{MUTED}'>high</text>")
    return _svg(width, height, title, body)


def _swarm_offsets(v: np.ndarray, lim: float, spread: float, rng: np.random.Generator) -> np.ndarray:
    """Vertical offsets that widen where dots crowd (a density-scaled jitter)."""
    if v.size == 0:
        return np.zeros(0)
    bins = np.clip(((v + lim) / (2 * lim) * 60).astype(int), 0, 59)
    counts = np.bincount(bins, minlength=60)
    width = spread * np.sqrt(counts[bins] / counts.max())
    return rng.uniform(-1, 1, v.size) * width


def _colour(t: float) -> str:
    if not math.isfinite(t):
        return "#b0b7c3"
    t = min(1.0, max(0.0, t))
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(LOW, HIGH))
    return f"#{r:02x}{g:02x}{b:02x}"


def _padded(values: Sequence[float], pad: float = 0.08) -> tuple[float, float]:
    """[low, high] around the finite ``values``, ``pad`` of the span on each side."""
    ok = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not ok:
        return 0.0, 1.0
    lo, hi = min(ok), max(ok)
    span = (hi - lo) or abs(hi) * 0.02 or 1.0
    return lo - span * pad, hi + span * pad


def strip_plot(models: Sequence[tuple[str, Sequence[float | None]]], interval: Sequence[float] | None,
               greater_is_better: bool, title: str, metric: str) -> str:
    """A row per model (the first is the final model, in the accent colour), a dot per split's
    score and a tick at the model's mean; the final model's 95 % ``interval`` as a band. Text is
    drawn in ``currentColor`` so the chart reads on a dark page too."""
    left, right, row = 190, 24, 28
    width = 640
    height = 58 + row * len(models)
    plot_w = width - left - right
    scores = [s for _, ss in models for s in ss if s is not None and math.isfinite(s)]
    band = [float(v) for v in (interval or []) if v is not None and math.isfinite(float(v))]
    x0, x1 = _padded([*scores, *band])

    def sx(v: float) -> float:
        return left + (v - x0) / ((x1 - x0) or 1.0) * plot_w

    bottom = 14 + row * len(models)
    body = []
    if len(band) == 2:
        a, b = sorted(band)
        body.append(f"<rect x='{sx(a):.1f}' y='10' width='{sx(b) - sx(a):.1f}' height='{bottom - 6}' "
                    f"fill='{ACCENT}' fill-opacity='0.13'><title>final model's 95% interval: {_fmt(a)} to {_fmt(b)}"
                    "</title></rect>")
    for t in _ticks(x0, x1):
        body.append(f"<line x1='{sx(t):.1f}' x2='{sx(t):.1f}' y1='10' y2='{bottom + 4}' stroke='{MUTED}' "
                    "stroke-opacity='0.25'/>")
        body.append(f"<text x='{sx(t):.1f}' y='{bottom + 18}' text-anchor='middle' fill='{MUTED}'>{_fmt(t)}</text>")
    arrow = f"{metric} → better" if greater_is_better else f"← better {metric}"
    body.append(f"<text x='{left + plot_w / 2:.1f}' y='{height - 6}' text-anchor='middle' fill='currentColor'>"
                f"{escape(arrow)}</text>")
    for i, (label, ss) in enumerate(models):
        y = 14 + i * row + row / 2
        colour = ACCENT if i == 0 else MUTED
        short = label if len(label) <= 30 else label[:29] + "…"
        body.append(f"<text x='{left - 8}' y='{y + 4:.1f}' text-anchor='end' fill='currentColor'>"
                    f"<title>{escape(label)}</title>{escape(short)}</text>")
        ok = [float(s) for s in ss if s is not None and math.isfinite(float(s))]
        for k, s in enumerate(ss):
            if s is not None and math.isfinite(float(s)):
                body.append(f"<circle cx='{sx(float(s)):.1f}' cy='{y:.1f}' r='4.5' fill='{colour}' fill-opacity='0.55'>"
                            f"<title>{escape(label)}, split {k + 1}: {_fmt(float(s))}</title></circle>")
        if ok:
            m = sum(ok) / len(ok)
            body.append(f"<line x1='{sx(m):.1f}' x2='{sx(m):.1f}' y1='{y - 9:.1f}' y2='{y + 9:.1f}' "
                        f"stroke='{colour}' stroke-width='2'><title>mean {_fmt(m)}</title></line>")
    return _svg(width, height, title, body)


def learning_curve_chart(points: Sequence[tuple[float, float, float | None, Sequence[float]]],
                         greater_is_better: bool, title: str, metric: str) -> str:
    """The score against the training rows: the mean line over ± one std band, each fold's
    score as a small dot; ``points`` are ``(n_rows, mean, std, fold scores)``. The rows' axis
    is logarithmic when they grow fourfold or more."""
    width, height = 640, 280
    left, right, top, bottom = 64, 20, 24, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    pts = sorted((p for p in points if p[0] > 0 and math.isfinite(p[1])), key=lambda p: p[0])
    ns = [p[0] for p in pts] or [1.0]
    log = len(ns) >= 2 and max(ns) / min(ns) >= 4
    tx = (lambda n: math.log10(n)) if log else (lambda n: float(n))
    lo_n, hi_n = (min(ns) / 1.15, max(ns) * 1.15) if log else _padded(ns, 0.05)
    ys = [v for n, m, s, fs in pts for v in (m - (s or 0), m + (s or 0), *fs) if v is not None and math.isfinite(v)]
    y0, y1 = _padded(ys)

    def sx(n: float) -> float:
        return left + (tx(n) - tx(lo_n)) / ((tx(hi_n) - tx(lo_n)) or 1.0) * plot_w

    def sy(v: float) -> float:
        return top + (1 - (v - y0) / ((y1 - y0) or 1.0)) * plot_h

    body = []
    for t in _ticks(y0, y1):
        body.append(f"<line x1='{left}' x2='{width - right}' y1='{sy(t):.1f}' y2='{sy(t):.1f}' stroke='{MUTED}' "
                    "stroke-opacity='0.25'/>")
        body.append(f"<text x='{left - 6}' y='{sy(t) + 4:.1f}' text-anchor='end' fill='{MUTED}'>{_fmt(t)}</text>")
    # a tick at each share's rows (every other one when they would crowd)
    xticks = sorted(set(ns))
    while len(xticks) > 8:
        xticks = xticks[::2] if xticks[-1] in xticks[::2] else [*xticks[::2], xticks[-1]]
    for t in xticks:
        label = f"{t:,.0f}" if t >= 1 else _fmt(t)
        body.append(f"<text x='{sx(t):.1f}' y='{top + plot_h + 16}' text-anchor='middle' fill='{MUTED}'>{label}</text>")
    body.append(f"<line x1='{left}' x2='{width - right}' y1='{top + plot_h}' y2='{top + plot_h}' stroke='{MUTED}'/>")
    body.append(f"<text x='{left + plot_w / 2:.1f}' y='{height - 8}' text-anchor='middle' fill='currentColor'>"
                f"training rows{' (log scale)' if log else ''}</text>")
    ylabel = f"{'↑' if greater_is_better else '↓'} {metric} ({'higher' if greater_is_better else 'lower'} is better)"
    body.append(f"<text transform='translate(14 {top + plot_h / 2:.1f}) rotate(-90)' text-anchor='middle' "
                f"fill='currentColor'>{escape(ylabel)}</text>")
    if pts:
        upper = " ".join(f"{sx(n):.1f},{sy(m + (s or 0)):.1f}" for n, m, s, _ in pts)
        lower = " ".join(f"{sx(n):.1f},{sy(m - (s or 0)):.1f}" for n, m, s, _ in reversed(pts))
        body.append(f"<polygon points='{upper} {lower}' fill='{ACCENT}' fill-opacity='0.16'/>")
        for n, _, _, fs in pts:
            for v in fs:
                if v is not None and math.isfinite(v):
                    body.append(f"<circle cx='{sx(n):.1f}' cy='{sy(v):.1f}' r='2' fill='{MUTED}' fill-opacity='0.6'/>")
        path = " ".join(f"{'M' if i == 0 else 'L'}{sx(n):.1f},{sy(m):.1f}" for i, (n, m, _, _) in enumerate(pts))
        body.append(f"<path d='{path}' fill='none' stroke='{ACCENT}' stroke-width='2'/>")
        for n, m, s, _ in pts:
            spread = f" ± {_fmt(s)}" if s is not None and math.isfinite(s) else ""
            body.append(f"<circle cx='{sx(n):.1f}' cy='{sy(m):.1f}' r='4' fill='{ACCENT}'>"
                        f"<title>{n:,.0f} rows: {_fmt(m)}{spread}</title></circle>")
    return _svg(width, height, title, body)


# ---- the reliability records (automl_nb.reliability) as charts -----------------------------------


def _num(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def stability_record_chart(record: dict) -> tuple[str, str]:
    """``(svg, alt text)`` of a stability record: each model's score on every split."""
    metric = str(record.get("metric") or "score")
    gib = record.get("greater_is_better") is not False
    models = [(str(m.get("label") or f"trial {m.get('trial_id')}"), [_num(s) for s in m.get("scores") or []])
              for m in record.get("models") or [] if isinstance(m, dict)]
    interval = [v for v in (_num(x) for x in record.get("interval") or []) if v is not None]
    n = record.get("n") or max((len(s) for _, s in models), default=0)
    band = f", 95% interval {_fmt(interval[0])} to {_fmt(interval[1])}" if len(interval) == 2 else ""
    mean = _num(record.get("mean"))
    final = models[0][0] if models else "?"
    final = final if "final" in final else f"final model ({final})"
    alt = (f"{metric} of {len(models)} model{'s' if len(models) != 1 else ''} on {n} splits: {final} "
           f"{_fmt(mean) if mean is not None else '—'}{band}")
    return strip_plot(models, interval if len(interval) == 2 else None, gib, alt, metric), alt


def learning_curve_record_chart(record: dict) -> tuple[str, str]:
    """``(svg, alt text)`` of a learning-curve record: the score against the training rows."""
    metric = str(record.get("metric") or "score")
    gib = record.get("greater_is_better") is not False
    points = []
    for p in record.get("points") or []:
        n, mean = _num(p.get("n_rows")) if isinstance(p, dict) else None, _num(p.get("mean")) if isinstance(p, dict) else None
        if n is not None and mean is not None and n > 0:
            points.append((n, mean, _num(p.get("std")), [v for v in map(_num, p.get("scores") or []) if v is not None]))
    points.sort(key=lambda p: p[0])
    alt = (f"Learning curve of {metric}: {_fmt(points[0][1])} at {points[0][0]:,.0f} rows to {_fmt(points[-1][1])} "
           f"at {points[-1][0]:,.0f} rows" if points else f"Learning curve of {metric}: no points")
    return learning_curve_chart(points, gib, alt, metric), alt
