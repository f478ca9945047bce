// Text alternatives of the charts: a short ARIA label with each chart's key numbers (what a
// screen reader announces for the `role="img"` svg) and, where a chart holds more than a line
// can say, a longer description (a visually hidden paragraph the svg is described by).
// Pure functions over the already-shaped chart data; unit-tested in node.
import { bestSoFar, fmtNum, fmtSeconds, plural, type ScorePoint } from "./format";

export interface Alt {
  label: string;
  description?: string;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** "Best roc_auc over time: 0.81 at 2 s to 0.85 at 58 s, 37 trials". */
export function bestScoreAlt(
  points: readonly ScorePoint[],
  metric: string | null | undefined,
  greaterIsBetter: boolean,
): Alt {
  const line = bestSoFar(points, greaterIsBetter);
  const name = metric || "score";
  if (!line.length) return { label: `Best ${name} over time: no scored trials yet` };
  const first = line[0];
  const final = line[line.length - 1].best;
  const reached = line.find((p) => p.best === final) ?? first;
  const n = plural(line.length, "trial");
  const dir = greaterIsBetter ? "higher is better" : "lower is better";
  const label =
    reached === first
      ? `Best ${name} over time: ${fmtNum(final)} from ${fmtSeconds(first.t)}, ${n}`
      : `Best ${name} over time: ${fmtNum(first.best)} at ${fmtSeconds(first.t)} to ${fmtNum(final)} at ${fmtSeconds(reached.t)}, ${n}`;
  const improvements = line.filter((p, i) => i === 0 || p.best !== line[i - 1].best);
  const steps = improvements
    .slice(-10)
    .map((p) => `${fmtNum(p.best)} at ${fmtSeconds(p.t)}`)
    .join(", ");
  return {
    label,
    description: `${name} (${dir}); ${plural(improvements.length, "improvement")} of the best score: ${steps}.`,
  };
}

/** "ROC curve, AUC 0.91". */
export function rocAlt(auc: unknown, nPoints: number): Alt {
  return {
    label: finite(auc)
      ? `ROC curve, AUC ${fmtNum(auc, 3)}`
      : `ROC curve of ${plural(nPoints, "point")} (true against false positive rate)`,
  };
}

/** "Precision–recall curve, average precision 0.88". */
export function prAlt(ap: unknown, nPoints: number): Alt {
  return {
    label: finite(ap)
      ? `Precision–recall curve, average precision ${fmtNum(ap, 3)}`
      : `Precision–recall curve of ${plural(nPoints, "point")}`,
  };
}

export interface ConfusionCell {
  actual: string;
  predicted: string;
  n: number;
}

/** Classes up to which the ARIA label itself reads the matrix out. */
const CONFUSION_IN_LABEL = 3;
/** Classes up to which the description reads the matrix out. */
const CONFUSION_IN_WORDS = 12;

/**
 * "Confusion matrix of 2 classes, 812 of 1,000 correct (81.2%): actual no: 700 predicted no,
 * 50 predicted yes; actual yes: …" — the matrix in words for small ones.
 */
export function confusionAlt(labels: readonly string[], cells: readonly ConfusionCell[]): Alt {
  const total = cells.reduce((s, c) => s + c.n, 0);
  const correct = cells.reduce((s, c) => s + (c.actual === c.predicted ? c.n : 0), 0);
  const pct = total ? ` (${fmtNum((100 * correct) / total, 3)}%)` : "";
  const head = `Confusion matrix of ${plural(labels.length, "class", "classes")}, ${fmtNum(correct)} of ${fmtNum(total)} correct${pct}`;
  const words = labels
    .map((a) => {
      const row = labels.map((p) => {
        const n = cells.find((c) => c.actual === a && c.predicted === p)?.n ?? 0;
        return `${fmtNum(n)} predicted ${p}`;
      });
      return `actual ${a}: ${row.join(", ")}`;
    })
    .join("; ");
  if (labels.length <= CONFUSION_IN_LABEL) return { label: `${head}: ${words}` };
  return {
    label: head,
    description: labels.length <= CONFUSION_IN_WORDS ? `Rows are actual classes: ${words}.` : undefined,
  };
}

/** Root mean square of `xs` (NaN for none). */
export function rms(xs: readonly number[]): number {
  return xs.length ? Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length) : NaN;
}

/** R² of predictions against actuals (NaN when the actuals do not vary). */
export function rSquared(pairs: readonly { x: number; y: number }[]): number {
  if (!pairs.length) return NaN;
  const mean = pairs.reduce((s, p) => s + p.x, 0) / pairs.length;
  const ssTot = pairs.reduce((s, p) => s + (p.x - mean) ** 2, 0);
  const ssRes = pairs.reduce((s, p) => s + (p.x - p.y) ** 2, 0);
  return ssTot > 0 ? 1 - ssRes / ssTot : NaN;
}

/** Predicted (y) against actual (x): "Predicted vs actual for 500 rows: RMSE 3.2, R² 0.83". */
export function scatterAlt(pairs: readonly { x: number; y: number }[]): Alt {
  const r2 = rSquared(pairs);
  const err = rms(pairs.map((p) => p.y - p.x));
  const lo = Math.min(...pairs.map((p) => p.x));
  const hi = Math.max(...pairs.map((p) => p.x));
  return {
    label:
      `Predicted vs actual for ${plural(pairs.length, "row")}: RMSE ${fmtNum(err, 3)}` +
      (Number.isFinite(r2) ? `, R² ${fmtNum(r2, 3)}` : ""),
    description: pairs.length ? `Actual values range from ${fmtNum(lo)} to ${fmtNum(hi)}.` : undefined,
  };
}

/** Residuals (y) against predictions (x): "Residuals of 500 predictions: RMSE 3.2, from −10 to 12". */
export function residualsAlt(pairs: readonly { x: number; y: number }[]): Alt {
  const res = pairs.map((p) => p.y);
  const mean = res.length ? res.reduce((a, b) => a + b, 0) / res.length : NaN;
  return {
    label:
      `Residuals of ${plural(pairs.length, "prediction")}: RMSE ${fmtNum(rms(res), 3)}` +
      (res.length ? `, from ${fmtNum(Math.min(...res))} to ${fmtNum(Math.max(...res))}` : ""),
    description: res.length ? `Mean residual (actual − predicted) ${fmtNum(mean, 3)}.` : undefined,
  };
}

/** "Mean |SHAP| of 12 raw columns; largest: age 0.31, income 0.2, tenure 0.1". */
export function importanceAlt(bars: readonly { feature: string; importance: number }[], space: string): Alt {
  const top = bars
    .slice(0, 3)
    .map((b) => `${b.feature} ${fmtNum(b.importance, 3)}`)
    .join(", ");
  return {
    label: `Mean |SHAP| of ${plural(bars.length, "feature")} (${space}); largest: ${top}`,
    description:
      bars.length > 3
        ? `All, descending: ${bars.map((b) => `${b.feature} ${fmtNum(b.importance, 3)}`).join(", ")}.`
        : undefined,
  };
}

/** "SHAP values of 10 features over 1,500 points, from −0.8 to 1.2; widest spread: age". */
export function beeswarmAlt(features: readonly string[], dots: readonly { feature: string; shap: number }[]): Alt {
  const shaps = dots.map((d) => d.shap);
  const spreadOf = new Map<string, [number, number]>();
  for (const d of dots) {
    const [lo, hi] = spreadOf.get(d.feature) ?? [d.shap, d.shap];
    spreadOf.set(d.feature, [Math.min(lo, d.shap), Math.max(hi, d.shap)]);
  }
  let widest = "";
  let width = -1;
  for (const [f, [lo, hi]] of spreadOf)
    if (hi - lo > width) {
      widest = f;
      width = hi - lo;
    }
  return {
    label:
      `SHAP values of ${plural(features.length, "feature")} over ${plural(dots.length, "point")}` +
      (shaps.length ? `, from ${fmtNum(Math.min(...shaps), 3)} to ${fmtNum(Math.max(...shaps), 3)}` : "") +
      (widest ? `; widest spread: ${widest}` : ""),
    description: `Features top to bottom: ${features.join(", ")}. Colour: the feature's value, low (blue) to high (red).`,
  };
}

/** "SHAP of age against its value, 1,000 rows: SHAP from −0.4 to 0.6". */
export function dependenceAlt(
  feature: string,
  points: readonly { x: number | string; shap: number }[],
  categorical: boolean,
): Alt {
  const shaps = points.map((p) => p.shap);
  const range = shaps.length ? `: SHAP from ${fmtNum(Math.min(...shaps), 3)} to ${fmtNum(Math.max(...shaps), 3)}` : "";
  let description: string | undefined;
  if (categorical) {
    const by = new Map<string, number[]>();
    for (const p of points) by.set(String(p.x), [...(by.get(String(p.x)) ?? []), p.shap]);
    description = `Mean SHAP by value: ${[...by]
      .slice(0, 12)
      .map(([k, v]) => `${k} ${fmtNum(v.reduce((a, b) => a + b, 0) / v.length, 3)}`)
      .join(", ")}${by.size > 12 ? ", …" : ""}.`;
  } else if (points.length) {
    const xs = points.map((p) => p.x as number);
    description = `${feature} ranges from ${fmtNum(Math.min(...xs))} to ${fmtNum(Math.max(...xs))}.`;
  }
  return { label: `SHAP of ${feature} against its value, ${plural(points.length, "row")}${range}`, description };
}

/** "Row 5: base 0.2, output 0.8; largest contributions: age +0.3, income −0.1". */
export function waterfallAlt(
  row: number,
  base: number | null,
  output: number | null,
  bars: readonly { feature: string; shap: number }[],
): Alt {
  const signed = (v: number) => `${v >= 0 ? "+" : ""}${fmtNum(v, 3)}`;
  const top = bars
    .slice(0, 3)
    .map((b) => `${b.feature} ${signed(b.shap)}`)
    .join(", ");
  return {
    label: `Row ${row}: ${base != null ? `base ${fmtNum(base)}, ` : ""}output ${fmtNum(output)}${top ? `; largest contributions: ${top}` : ""}`,
    description:
      bars.length > 3 ? `Contributions: ${bars.map((b) => `${b.feature} ${signed(b.shap)}`).join(", ")}.` : undefined,
  };
}

export interface SeriesAltInput {
  history: readonly { t: Date; y: number }[];
  windows: readonly {
    window: number;
    score: number | null;
    predicted: readonly { t: Date; y: number }[];
    actual: readonly { t: Date; y: number }[];
  }[];
  forecast: readonly { t: Date; mean: number; lower: number; upper: number }[];
  /** "YYYY-MM-DD" (or with a time) of a point. */
  when: (t: Date) => string;
  series?: string;
  metric?: string;
  level?: number | null;
}

/**
 * A history + backtest (+ forecast) chart: "Forecast of store A, 8 steps from 2024-01 to
 * 2024-08: 120 to 150 (80% interval 100 to 170); 76 history points; 3 backtest windows, mase
 * 0.91 on average" — or, for a trial's backtest, the windows' mean absolute error.
 */
export function seriesAlt(c: SeriesAltInput): Alt {
  const parts: string[] = [];
  const of = c.series ? ` of ${c.series}` : "";
  const fc = c.forecast.filter((p) => finite(p.mean));
  if (fc.length) {
    const means = fc.map((p) => p.mean);
    const band = fc.filter((p) => finite(p.lower) && finite(p.upper));
    const lvl = finite(c.level) ? `${fmtNum(c.level, 3)}% interval` : "interval";
    parts.push(
      `Forecast${of}, ${plural(fc.length, "step")} from ${c.when(fc[0].t)} to ${c.when(fc[fc.length - 1].t)}: ` +
        `${fmtNum(Math.min(...means))} to ${fmtNum(Math.max(...means))}` +
        (band.length
          ? ` (${lvl} ${fmtNum(Math.min(...band.map((p) => p.lower)))} to ${fmtNum(Math.max(...band.map((p) => p.upper)))})`
          : ""),
    );
  } else parts.push(`Backtest${of}`);
  const hist = c.history.filter((p) => finite(p.y));
  if (hist.length)
    parts.push(
      `${plural(hist.length, "history point")} from ${c.when(hist[0].t)} to ${c.when(hist[hist.length - 1].t)}`,
    );
  if (c.windows.length) {
    const scores = c.windows.map((w) => w.score).filter(finite);
    const errors: number[] = [];
    for (const w of c.windows) {
      const actual = new Map(w.actual.filter((p) => finite(p.y)).map((p) => [p.t.getTime(), p.y]));
      for (const p of w.predicted) {
        const a = actual.get(p.t.getTime());
        if (a != null && finite(p.y)) errors.push(Math.abs(a - p.y));
      }
    }
    let s = plural(c.windows.length, "backtest window");
    if (scores.length)
      s += `, ${c.metric ? `${c.metric} ` : "score "}${fmtNum(scores.reduce((a, b) => a + b, 0) / scores.length, 3)} on average`;
    else if (errors.length)
      s += `, mean absolute error ${fmtNum(errors.reduce((a, b) => a + b, 0) / errors.length, 3)}`;
    parts.push(s);
  }
  return { label: parts.join("; ") };
}
