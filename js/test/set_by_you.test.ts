// @vitest-environment happy-dom
// Columns whose kind or transformer you set (column_kinds, column_transformers,
// featurization="off") carry a "set by you" badge in the data and featurization panels.
import { describe, expect, it } from "vitest";
import { mount, tick } from "./mount";

const DATA_INFO = {
  n_rows: 400,
  n_columns: 2,
  columns: [
    {
      name: "Education",
      kind: "categorical",
      dtype: "int64",
      missing: 0,
      unique: 9,
      set_by_you: true,
      evidence: "set by you: column_kinds='categorical' (detected: numeric, 9 distinct integer values)",
    },
    { name: "Age", kind: "numeric", dtype: "int64", missing: 0, unique: 56, evidence: "56 distinct integer values" },
  ],
  head: { columns: ["Education", "Age"], rows: [["17", "42"]] },
};
const FEATURIZATION = [
  {
    raw_column: "Education",
    kind: "categorical",
    steps: ["one-hot"],
    engineered_features: ["Education=10"],
    n_features: 1,
    dropped: "",
    set_by_you: true,
  },
  {
    raw_column: "Age",
    kind: "numeric",
    steps: ["as number"],
    engineered_features: ["Age"],
    n_features: 1,
    dropped: "",
  },
];

describe("set by you", () => {
  it("marks the overridden column, and only it, in the data and featurization panels", async () => {
    const { el } = mount("binary", { data_info: DATA_INFO, featurization: FEATURIZATION });
    await tick();
    for (const panel of ["data-panel", "featurization"]) {
      const root = el.querySelector(`[data-testid="${panel}"]`)!;
      const marked = [...root.querySelectorAll('[data-testid="set-by-you"]')].map((b) =>
        b.closest("tr")?.getAttribute("data-column"),
      );
      expect(marked).toEqual(["Education"]);
    }
    const badge = el.querySelector('[data-testid="data-panel"] [data-testid="set-by-you"]')!;
    expect(badge.textContent).toBe("set by you");
    expect(badge.getAttribute("title")).toContain("column_kinds='categorical'");
  });
});
