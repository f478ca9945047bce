import { describe, expect, it } from "vitest";
import {
  bestSoFar,
  compareValues,
  fmtInt,
  fmtNum,
  fmtScore,
  fmtSeconds,
  fmtValue,
  fraction,
  isBetter,
  meanStd,
  sortRows,
} from "../src/format";

describe("fmtNum", () => {
  it("keeps four significant digits and trims trailing zeros", () => {
    expect(fmtNum(0.912345)).toBe("0.9123");
    expect(fmtNum(0.9)).toBe("0.9");
    expect(fmtNum(12.5)).toBe("12.5");
    expect(fmtNum(1)).toBe("1");
    expect(fmtNum(-0.03456)).toBe("-0.03456");
  });
  it("never rounds away the integer part of large numbers", () => {
    expect(fmtNum(28990)).toBe("28,990");
    expect(fmtNum(12345.6)).toBe("12,346");
    expect(fmtNum(1234.5)).toBe("1,235");
  });
  it("uses exponents for tiny and huge numbers", () => {
    expect(fmtNum(0.000123)).toBe("1.23e-4");
    expect(fmtNum(2e20)).toBe("2e20");
  });
  it("shows a dash for missing values and symbols for infinities", () => {
    expect(fmtNum(null)).toBe("—");
    expect(fmtNum(undefined)).toBe("—");
    expect(fmtNum(NaN)).toBe("—");
    expect(fmtNum(Infinity)).toBe("∞");
    expect(fmtNum(0)).toBe("0");
  });
  it("honours a smaller digit count", () => {
    expect(fmtNum(0.0123456, 2)).toBe("0.012");
  });
});

describe("fmtSeconds", () => {
  it("formats sub-second times in milliseconds", () => {
    expect(fmtSeconds(0.012)).toBe("12 ms");
    expect(fmtSeconds(0.0004)).toBe("<1 ms");
  });
  it("formats seconds with one decimal below ten", () => {
    expect(fmtSeconds(1.234)).toBe("1.2 s");
    expect(fmtSeconds(9.96)).toBe("10 s");
    expect(fmtSeconds(42.4)).toBe("42 s");
  });
  it("formats minutes and hours", () => {
    expect(fmtSeconds(125)).toBe("2 min 5 s");
    expect(fmtSeconds(120)).toBe("2 min");
    expect(fmtSeconds(3780)).toBe("1 h 3 min");
    expect(fmtSeconds(7200)).toBe("2 h");
  });
  it("handles missing and negative values", () => {
    expect(fmtSeconds(null)).toBe("—");
    expect(fmtSeconds(NaN)).toBe("—");
    expect(fmtSeconds(-3)).toBe("0 s");
    expect(fmtSeconds(0)).toBe("0 s");
  });
});

describe("other formatting", () => {
  it("formats integers, scores and values", () => {
    expect(fmtInt(7043)).toBe("7,043");
    expect(fmtInt(null)).toBe("—");
    expect(fmtScore(0.8612, 0.0071)).toBe("0.8612 ± 0.0071");
    expect(fmtScore(0.8612, null)).toBe("0.8612");
    expect(fmtScore(null, 0.1)).toBe("—");
    expect(fmtValue([64, 32])).toBe("[64,32]");
    expect(fmtValue("sqrt")).toBe("sqrt");
    expect(fmtValue(null)).toBe("—");
    expect(fmtValue(0.0221)).toBe("0.0221");
  });
  it("computes fractions clamped to [0, 1]", () => {
    expect(fraction(30, 60)).toBe(0.5);
    expect(fraction(90, 60)).toBe(1);
    expect(fraction(null, 60)).toBe(0);
    expect(fraction(5, 0)).toBe(0);
  });
  it("computes mean and std over finite numbers only", () => {
    expect(meanStd([1, 3, null, NaN])).toEqual({ mean: 2, std: 1 });
    expect(meanStd([])).toEqual({ mean: null, std: null });
  });
});

describe("compareValues", () => {
  it("compares numbers numerically and strings naturally", () => {
    expect(compareValues(2, 10)).toBeLessThan(0);
    expect(compareValues("lgbm 2", "lgbm 10")).toBeLessThan(0);
    expect(compareValues("Linear", "linear")).toBe(0);
  });
  it("puts numbers before strings and missing values last", () => {
    expect(compareValues(5, "a")).toBeLessThan(0);
    expect(compareValues("a", 5)).toBeGreaterThan(0);
    expect(compareValues(null, 1)).toBeGreaterThan(0);
    expect(compareValues(1, NaN)).toBeLessThan(0);
    expect(compareValues(undefined, null)).toBe(0);
  });
});

describe("sortRows", () => {
  const rows = [
    { id: "a", score: 0.8 },
    { id: "b", score: null },
    { id: "c", score: 0.9 },
    { id: "d", score: NaN },
    { id: "e", score: 0.8 },
  ];
  const ids = (xs: { id: string }[]) => xs.map((x) => x.id).join("");
  it("sorts ascending with missing values last", () => {
    expect(ids(sortRows(rows, (r) => r.score, "asc"))).toBe("aecbd");
  });
  it("sorts descending and still keeps missing values last", () => {
    expect(ids(sortRows(rows, (r) => r.score, "desc"))).toBe("caebd");
  });
  it("is stable and does not mutate its input", () => {
    const copy = [...rows];
    sortRows(rows, (r) => r.score, "desc");
    expect(rows).toEqual(copy);
  });
  it("sorts mixed numbers and strings", () => {
    const mixed = [
      { id: "x", v: "b" },
      { id: "y", v: 3 },
      { id: "z", v: "a" },
      { id: "w", v: 1 },
    ];
    expect(ids(sortRows(mixed, (r) => r.v, "asc"))).toBe("wyzx");
  });
});

describe("bestSoFar", () => {
  const pts = [
    { t: 3, score: 0.84 },
    { t: 1, score: 0.5 },
    { t: 5, score: null }, // failed
    { t: 7, score: 0.83 },
    { t: 9, score: 0.86 },
  ];
  it("tracks the maximum when greater is better, in time order", () => {
    expect(bestSoFar(pts, true)).toEqual([
      { t: 1, best: 0.5 },
      { t: 3, best: 0.84 },
      { t: 7, best: 0.84 },
      { t: 9, best: 0.86 },
    ]);
  });
  it("tracks the minimum when lower is better", () => {
    const losses = [
      { t: 1, score: 98500 },
      { t: 2, score: 41200 },
      { t: 3, score: 45200 },
      { t: 4, score: NaN },
      { t: 5, score: 28990 },
    ];
    expect(bestSoFar(losses, false).map((p) => p.best)).toEqual([98500, 41200, 41200, 28990]);
  });
  it("returns nothing for no scored points", () => {
    expect(bestSoFar([], true)).toEqual([]);
    expect(bestSoFar([{ t: 1, score: null }], true)).toEqual([]);
  });
  it("compares by direction", () => {
    expect(isBetter(0.9, 0.8, true)).toBe(true);
    expect(isBetter(0.9, 0.8, false)).toBe(false);
  });
});
