// @vitest-environment happy-dom
// The widget rendered into a DOM with the dev harness's fake model and states.
import { describe, expect, it } from "vitest";
import widget from "../src/index";
import { FakeModel, STATES, mount, tick } from "./mount";

describe("render", () => {
  it.each(Object.keys(STATES))("renders the %s state without throwing", (name) => {
    const { el, q } = mount(name);
    expect(el.querySelectorAll(".ans-fail").length).toBe(0);
    for (const id of [
      "phase",
      "progress",
      "leaderboard",
      "trial-details",
      "best-score-chart",
      "guardrails",
      "featurization",
      "error",
    ]) {
      expect(q(id).length, id).toBe(1);
    }
  });

  it("renders every panel of the interactive widget", () => {
    const { q } = mount("binary");
    for (const id of [
      "run",
      "pause",
      "resume",
      "cancel",
      "extend",
      "target-select",
      "task-select",
      "metric-select",
      "budget-input",
      "data-panel",
    ]) {
      expect(q(id).length, id).toBe(1);
    }
    expect(q("phase")[0].textContent).toBe("searching");
    expect(q("leaderboard-row").length).toBe(12);
    expect(q("task-select")[0]).toHaveProperty("value", "binary");
    expect(q("metric-select")[0]).toHaveProperty("value", "roc_auc");
    expect(q("pause")[0]).toHaveProperty("disabled", false);
    expect(q("run")[0]).toHaveProperty("disabled", true);
    expect(q("error")[0].hidden).toBe(true);
    expect(q("explanations").length).toBe(1);
    expect(q("forecast").length).toBe(1);
  });

  it("leaves data, config and controls out of the read-only widget", () => {
    const { q } = mount("readonly");
    for (const id of ["run", "pause", "target-select", "task-select", "budget-input", "data-panel"]) {
      expect(q(id).length, id).toBe(0);
    }
    expect(q("leaderboard-row").length).toBe(12);
    expect(q("phase")[0].textContent).toBe("finished");
  });

  it("sends the button's message", () => {
    const { model, q } = mount("binary");
    q("pause")[0].click();
    q("extend")[0].click();
    expect(model.sent).toEqual([{ type: "pause" }, { type: "extend", seconds: 30 }]);
  });

  it("disables Run and shows each config error beside its field", async () => {
    const { model, q } = mount("configuring");
    expect(q("run")[0]).toHaveProperty("disabled", true);
    expect(q("config-error").length).toBe(1);
    expect(q("config-error")[0].dataset.field).toBe("time_budget");
    model.set("config_errors", {});
    await tick();
    expect(q("config-error").length).toBe(0);
    expect(q("run")[0]).toHaveProperty("disabled", false);
    model.set("config_errors", { target: "choose a target", bogus: "unknown setting" });
    await tick();
    expect([...q("config-error")].map((e) => e.dataset.field).sort()).toEqual(["bogus", "target"]);
  });

  it("writes config and target when the user edits them", () => {
    const { model, q } = mount("configuring");
    const budget = q("budget-input")[0] as HTMLInputElement;
    budget.value = "120";
    budget.dispatchEvent(new Event("change"));
    expect(model.get("config").time_budget).toBe(120);
    const task = q("task-select")[0] as HTMLSelectElement;
    task.value = "regression";
    task.dispatchEvent(new Event("change"));
    expect(model.get("config")).toMatchObject({ task: "regression", metric: "auto" });
    const target = q("target-select")[0] as HTMLSelectElement;
    target.value = "tenure";
    target.dispatchEvent(new Event("change"));
    expect(model.get("target")).toBe("tenure");
    expect(model.saves).toBe(3);
  });

  it("selects a trial on click and keeps sort and selection across updates", async () => {
    const { model, el, q } = mount("binary");
    const row = [...q("leaderboard-row")].find((r) => r.dataset.trialId === "3")!;
    row.click();
    expect(model.sent).toContainEqual({ type: "select_trial", trial_id: 3 });
    await tick();
    expect(q("trial-details")[0].textContent).toContain("lightgbm");

    const header = el.querySelector<HTMLElement>('th[data-column="duration"]')!;
    header.click(); // ascending
    const order = () => [...q("leaderboard-row")].map((r) => r.dataset.trialId);
    const before = order();
    const lb = model.get("leaderboard");
    model.set("leaderboard", [...lb, { ...lb[1], trial_id: 99, duration: 0.001, rank: null }]);
    await tick();
    expect(order()[0]).toBe("99");
    expect(order().slice(1)).toEqual(before);
    expect(el.querySelector('tr[data-trial-id="3"]')!.classList.contains("ans-selected")).toBe(true);
  });

  it("counts stopped trials apart from failed ones in the leaderboard's header", async () => {
    const { model, q } = mount("binary");
    const lb = model.get("leaderboard");
    const base = lb[1];
    model.set("leaderboard", [
      ...lb.map((r: Record<string, unknown>) => ({ ...r, status: "ok", error: "" })),
      { ...base, trial_id: 90, status: "failed", error: "ValueError: boom", rank: null },
      { ...base, trial_id: 91, status: "cancelled", error: "cancelled by you", rank: null },
      { ...base, trial_id: 92, status: "timeout", error: "stopped: the search's time ran out", rank: null },
    ]);
    await tick();
    const aside = q("leaderboard-panel")[0].textContent!;
    expect(aside).toContain("1 failed");
    expect(aside).toContain("2 stopped");
    const badgeOf = (id: string) =>
      [...q("leaderboard-row")].find((r) => r.dataset.trialId === id)!.querySelector(".ans-status")!.innerHTML;
    expect(badgeOf("90")).toContain("failed");
    expect(badgeOf("91")).not.toContain("ans-badge-failed");
  });

  it("shows the error trait and hides it again", async () => {
    const { model, q } = mount("binary");
    model.set("error", "boom");
    await tick();
    expect(q("error")[0].hidden).toBe(false);
    expect(q("error")[0].textContent).toContain("boom");
    model.set("error", "");
    await tick();
    expect(q("error")[0].hidden).toBe(true);
  });

  it("survives traits of the wrong type", async () => {
    const { model, q } = mount("binary");
    model.update({ leaderboard: null, history: "x", trial_details: [], status: null, guardrails: {}, data_info: [] });
    await tick();
    expect(q("leaderboard-row").length).toBe(0);
    expect(q("trial-details")[0].textContent).toContain("Click a leaderboard row");
  });

  it("unsubscribes everything on cleanup", () => {
    const { state } = STATES.binary();
    const model = new FakeModel(state);
    const el = document.createElement("div");
    const cleanup = widget.render({ model, el });
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(el.children.length).toBe(0);
  });
});
