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
                xlabel: str, ylabel: str, ylim: tuple[float, float] | None = None) -> str:
    """Each finished trial's score (dots; failed trials as crosses on the axis) and the best
    score so far (a step line), against ``x`` (seconds since the first trial started).
    ``ylim`` (low, high) keeps a far-off score (the baseline's) from flattening the rest: a
    score beyond it is drawn on the edge as a triangle."""
    width, height = 640, 296
    left, right, top, bottom = 64, 16, 32, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    pts = sorted(points, key=lambda p: p[0])
    scores = [s for _, s in pts if s is not None and math.isfinite(s)]
    if ylim is not None:
        scores = [s for s in scores if ylim[0] <= s <= ylim[1]] or scores
    xs = [x for x, _ in pts] or [0.0]
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
