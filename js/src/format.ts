// Pure formatting and sorting helpers. No DOM here: everything is unit-tested in node.

export const DASH = "—";

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Missing in the sense of the leaderboard: null, undefined, NaN or "". */
export function isMissing(v: unknown): boolean {
  return v == null || v === "" || (typeof v === "number" && Number.isNaN(v));
}

/**
 * A number with `digits` significant digits, trailing zeros trimmed:
 * 0.912345 → "0.9123", 12.5 → "12.5", 123456 → "123,456", 0.000123 → "1.23e-4".
 * Integer parts are never rounded away (12345.6 → "12,346"); ±Infinity → "∞"/"-∞";
 * null/undefined/NaN → "—".
 */
export function fmtNum(v: number | null | undefined, digits = 4): string {
  if (v == null || Number.isNaN(v)) return DASH;
  if (v === Infinity) return "∞";
  if (v === -Infinity) return "-∞";
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e15 || abs < 1e-3) {
    const [mant, exp] = v.toExponential(Math.max(0, digits - 2)).split("e");
    return `${trimZeros(mant)}e${exp.replace("+", "")}`;
  }
  if (abs >= 10 ** (digits - 1)) return Math.round(v).toLocaleString("en-US");
  return trimZeros(v.toPrecision(digits));
}

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** An integer count with thousands separators; "—" when missing. */
export function fmtInt(v: number | null | undefined): string {
  return isNum(v) ? Math.round(v).toLocaleString("en-US") : DASH;
}

/** A score with its spread across folds: "0.9123 ± 0.012". */
export function fmtScore(score: number | null | undefined, std?: number | null): string {
  const s = fmtNum(score);
  return isNum(score) && isNum(std) ? `${s} ± ${fmtNum(std, 2)}` : s;
}

/**
 * Seconds for people: "45 ms", "1.2 s", "42 s", "2 min 5 s", "1 h 3 min".
 * null/undefined/NaN → "—"; negative durations are clamped to 0.
 */
export function fmtSeconds(s: number | null | undefined): string {
  if (s == null || Number.isNaN(s)) return DASH;
  if (s === Infinity) return "∞";
  s = Math.max(0, s);
  if (s === 0) return "0 s";
  if (s < 0.001) return "<1 ms";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 9.95) return `${(Math.round(s * 10) / 10).toFixed(1)} s`;
  const total = Math.round(s);
  if (total < 60) return `${total} s`;
  if (total < 3600) {
    const m = Math.floor(total / 60);
    const sec = total % 60;
    return sec ? `${m} min ${sec} s` : `${m} min`;
  }
  const hr = Math.floor(total / 3600);
  const m = Math.round((total % 3600) / 60);
  return m ? `${hr} h ${m} min` : `${hr} h`;
}

/** "1 trial" / "3 trials". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${fmtInt(n)} ${n === 1 ? word : many}`;
}

/** A parameter value for display: numbers via fmtNum, everything else as compact JSON. */
export function fmtValue(v: unknown): string {
  if (typeof v === "number") return fmtNum(v);
  if (v === null || v === undefined) return DASH;
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/**
 * Compare two cell values ascending. Numbers compare numerically and come before strings;
 * strings compare naturally ("lgbm 2" < "lgbm 10"); booleans as 0/1. Missing values
 * (null, undefined, NaN, "") are equal to each other and greater than everything, so an
 * ascending sort puts them last — use `sortRows` to keep them last in descending order too.
 */
export function compareValues(a: unknown, b: unknown): number {
  const ma = isMissing(a);
  const mb = isMissing(b);
  if (ma || mb) return ma && mb ? 0 : ma ? 1 : -1;
  if (typeof a === "boolean") a = Number(a);
  if (typeof b === "boolean") b = Number(b);
  const na = typeof a === "number";
  const nb = typeof b === "number";
  if (na && nb) return (a as number) - (b as number);
  if (na !== nb) return na ? -1 : 1;
  return String(a).localeCompare(String(b), "en", { numeric: true, sensitivity: "base" });
}

export type SortDir = "asc" | "desc";

/**
 * A sorted copy of `rows` by `key(row)`. Stable (ties keep their input order), and missing
 * values stay at the bottom whatever the direction — a failed trial without a score never
 * jumps to the top when the user flips the order.
 */
export function sortRows<T>(rows: readonly T[], key: (row: T) => unknown, dir: SortDir): T[] {
  const sign = dir === "asc" ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, k: key(row) }))
    .sort((x, y) => {
      const mx = isMissing(x.k);
      const my = isMissing(y.k);
      if (mx || my) return mx && my ? x.i - y.i : mx ? 1 : -1;
      return sign * compareValues(x.k, y.k) || x.i - y.i;
    })
    .map((e) => e.row);
}

/** Whether `a` beats `b` under the metric's direction. */
export function isBetter(a: number, b: number, greaterIsBetter: boolean): boolean {
  return greaterIsBetter ? a > b : a < b;
}

export interface ScorePoint {
  t: number;
  score: number | null | undefined;
}

export interface BestPoint {
  t: number;
  best: number;
}

/**
 * The best-so-far curve: one point per scored trial, in time order, holding the best score
 * seen up to and including it. Points without a finite score (failed trials) are skipped.
 */
export function bestSoFar(points: readonly ScorePoint[], greaterIsBetter: boolean): BestPoint[] {
  const scored = points
    .filter((p): p is { t: number; score: number } => isNum(p.t) && isNum(p.score))
    .map((p, i) => ({ p, i }))
    .sort((x, y) => x.p.t - y.p.t || x.i - y.i);
  const out: BestPoint[] = [];
  let best: number | undefined;
  for (const { p } of scored) {
    if (best === undefined || isBetter(p.score, best, greaterIsBetter)) best = p.score;
    out.push({ t: p.t, best });
  }
  return out;
}

/** Fraction in [0, 1] of `part / whole`, 0 when undefined. */
export function fraction(part: number | null | undefined, whole: number | null | undefined): number {
  if (!isNum(part) || !isNum(whole) || whole <= 0) return 0;
  return Math.min(1, Math.max(0, part / whole));
}

/** Mean and (population) standard deviation of the finite numbers in `xs`. */
export function meanStd(xs: readonly (number | null | undefined)[]): { mean: number | null; std: number | null } {
  const v = xs.filter(isNum);
  if (!v.length) return { mean: null, std: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std };
}
