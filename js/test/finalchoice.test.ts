// @vitest-environment happy-dom
// The "Final model" choice: the `final_choice` trait's parsing, and the panel with a FakeModel:
// hidden until offered, a select of the task's metrics, `best_by` on change, progress and errors.
import { describe, expect, it } from "vitest";
import { optionLabel, parseFinalChoice } from "../src/finalchoice";
import { mount as mountState, tick } from "./mount";

const OFFER = {
  metric: "roc_auc",
  optimized: "roc_auc",
  options: ["roc_auc", "log_loss", "accuracy", "f1"],
  state: "idle",
  message: "",
};

/** The binary classification state, with `patch` merged over it. */
const mount = (patch: Record<string, unknown> = {}) => mountState("binary", patch);

describe("final_choice parsing", () => {
  it("needs options; falls back to the optimized metric for an unknown choice", () => {
    expect(parseFinalChoice({})).toBeNull();
    expect(parseFinalChoice({ options: [] })).toBeNull();
    expect(parseFinalChoice("garbage")).toBeNull();
    const c = parseFinalChoice({ ...OFFER, metric: "rmse", state: "bogus" })!;
    expect(c.metric).toBe("roc_auc");
    expect(c.state).toBe("idle");
    expect(optionLabel("roc_auc", "roc_auc")).toBe("roc_auc (optimized)");
    expect(optionLabel("f1", "roc_auc")).toBe("f1");
  });
});

describe("Final model panel", () => {
  it("is hidden until the kernel offers the choice", async () => {
    const { model, one } = mount();
    expect(one("final-choice")!.hidden).toBe(true);
    model.set("final_choice", OFFER);
    await tick();
    expect(one("final-choice")!.hidden).toBe(false);
    const select = one("final-choice-select") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "roc_auc (optimized)",
      "log_loss",
      "accuracy",
      "f1",
    ]);
    expect(select.value).toBe("roc_auc");
  });

  it("sends best_by on change, disables the select while working, shows the outcome", async () => {
    const { model, one } = mount({ final_choice: OFFER });
    await tick();
    const select = one("final-choice-select") as HTMLSelectElement;
    select.value = "f1";
    select.dispatchEvent(new Event("change"));
    expect(model.sent).toContainEqual({ type: "best_by", metric: "f1" });
    model.set("final_choice", { ...OFFER, metric: "f1", state: "working", message: "choosing the final model by f1…" });
    await tick();
    expect(select.disabled).toBe(true);
    expect(one("final-choice-status")!.getAttribute("data-state")).toBe("working");
    const done = "trial 3 (linear) chosen by f1 (the search optimized roc_auc): out-of-fold f1 0.83";
    model.set("final_choice", { ...OFFER, metric: "f1", state: "idle", message: done });
    await tick();
    expect(select.disabled).toBe(false);
    expect(select.value).toBe("f1");
    expect(one("final-choice-status")!.textContent).toBe(done);
  });

  it("shows a failure as an alert and keeps the select usable", async () => {
    const { model, one } = mount({ final_choice: OFFER });
    model.set("final_choice", { ...OFFER, state: "failed", message: "ValueError: no model could be scored" });
    await tick();
    expect(one("final-choice-status")!.getAttribute("role")).toBe("alert");
    expect((one("final-choice-select") as HTMLSelectElement).disabled).toBe(false);
  });
});
