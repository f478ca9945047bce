// @vitest-environment happy-dom
// Steering: the pure helpers, the panel, the Try next box and the chart's marks.
import { describe, expect, it } from "vitest";
import {
  chartMarks,
  learnersOf,
  logLine,
  markLabel,
  paramsText,
  parseParams,
  parseSeconds,
  toggleMessage,
  toggleTitle,
  tryNextBox,
} from "../src/steering";
import type { SteeringLearner } from "../src/types";
import { FakeModel, binarySteering, mount, tick } from "./mount";

const L = (name: string, state = "searched", baseline = false): SteeringLearner => ({ name, state, baseline });

describe("steering helpers", () => {
  it("toggles block a searched learner and allow a blocked or left-out one", () => {
    const all = [L("dummy", "searched", true), L("linear"), L("knn"), L("mlp", "left out"), L("rf", "blocked")];
    expect(toggleMessage(all[1], all)).toEqual({ type: "block", learner: "linear" });
    expect(toggleMessage(all[3], all)).toEqual({ type: "allow", learner: "mlp" });
    expect(toggleMessage(all[4], all)).toEqual({ type: "allow", learner: "rf" });
    expect(toggleMessage(all[0], all)).toBeNull(); // the baseline
    const last = [L("dummy", "searched", true), L("linear"), L("knn", "blocked")];
    expect(toggleMessage(last[1], last)).toBeNull(); // the last learner searched
    expect(toggleTitle(last[1], last, true)).toContain("the last learner searched cannot be blocked");
    expect(toggleTitle(all[3], all, true)).toContain("click to allow it");
    expect(toggleTitle(all[1], all, false)).toBe("linear: searched");
  });

  it("reads times as seconds, minutes or m:ss, and refuses the rest", () => {
    expect(parseSeconds("90")).toBe(90);
    expect(parseSeconds(" 45 s ")).toBe(45);
    expect(parseSeconds("1.5 min")).toBe(90);
    expect(parseSeconds("2m")).toBe(120);
    expect(parseSeconds("1:30")).toBe(90);
    for (const bad of ["", "0", "-5", "abc", "1:75", "5 h"]) expect(parseSeconds(bad), bad).toBeNull();
  });

  it("edits parameters as JSON and says what is wrong with the text", () => {
    expect(paramsText({ n_neighbors: 7, weights: "uniform" })).toBe(
      '{\n  "n_neighbors": 7,\n  "weights": "uniform"\n}',
    );
    expect(paramsText(null)).toBe("{}");
    expect(parseParams('{"n_neighbors": 9}')).toEqual({ params: { n_neighbors: 9 } });
    expect(parseParams("")).toEqual({ params: {} });
    expect("error" in parseParams("{n_neighbors: 9}") && parseParams("{n_neighbors: 9}")).toBeTruthy();
    expect(parseParams("[1, 2]")).toEqual({ error: 'the parameters must be a JSON object, e.g. {"n_neighbors": 7}' });
  });

  it("labels the log's records and places them on the chart", () => {
    const log = binarySteering().log;
    expect(markLabel(log[0])).toBe("block knn");
    expect(markLabel({ action: "time_left", learner: null })).toBe("time left");
    expect(logLine(log[0])).toBe(
      "9.1 s · block knn — blocked: no new trial of it starts (running ones finish) · Studio",
    );
    expect(chartMarks([...log, { action: "allow", learner: "mlp" }])).toEqual([
      { t: 9.1, label: "block knn", detail: log[0].detail },
      { t: 21.4, label: "try next lightgbm", detail: log[1].detail },
    ]);
    expect(learnersOf({ learners: [{ name: "" } as SteeringLearner, L("knn"), null as never] })).toEqual([L("knn")]);
  });
});

describe("steering panel", () => {
  it("sends block and allow from the learner toggles, and the time left", async () => {
    const { model, q } = mount("binary");
    await tick();
    const panel = q("steering")[0];
    expect(panel.hidden).toBe(false);
    const toggles = [...q("steer-learner")];
    expect(toggles.map((t) => t.dataset.learner)).toContain("knn");
    const byName = (n: string) => toggles.find((t) => t.dataset.learner === n) as HTMLButtonElement;
    expect(byName("dummy").disabled).toBe(true);
    expect(byName("lightgbm").getAttribute("aria-pressed")).toBe("true");
    byName("lightgbm").click();
    byName("knn").click();
    byName("mlp").click();
    const input = q("time-left-input")[0] as HTMLInputElement;
    expect(input.placeholder).toBe("18 s now");
    input.value = "2 min";
    (q("time-left-set")[0] as HTMLButtonElement).click();
    input.value = "soon";
    (q("time-left-set")[0] as HTMLButtonElement).click();
    expect(q("time-left-hint")[0].textContent).toContain("give a positive time");
    expect(model.sent).toEqual([
      { type: "block", learner: "lightgbm" },
      { type: "allow", learner: "knn" },
      { type: "allow", learner: "mlp" },
      { type: "set_time_left", seconds: 120 },
    ]);
    expect([...q("steering-record")].map((r) => r.dataset.action)).toEqual(["block", "try_next"]);
  });

  it("closes when the search is over but keeps the log; hidden with neither", async () => {
    const { q, el, model } = mount("readonly");
    await tick();
    expect(q("steering")[0].hidden).toBe(false);
    expect(q("steer-learner")[0].closest<HTMLElement>(".ans-steer-controls")!.hidden).toBe(true);
    expect(el.textContent).toContain("The search is over (time budget used): steering is closed.");
    model.set("steering", {});
    await tick();
    expect(q("steering")[0].hidden).toBe(true);
  });

  it("draws the log's actions on the best-score chart and describes them", async () => {
    const { q } = mount("binary");
    await tick();
    const chart = q("best-score-chart")[0];
    expect(chart.textContent).toContain("block knn");
    expect(chart.textContent).toContain("try next lightgbm");
    expect(chart.querySelector(".ans-sr-only")?.textContent).toContain("Steering: block knn at 9.1 s");
  });
});

describe("try next", () => {
  it("offers a finished trial's parameters, edited, as the next trial", async () => {
    const { model, q } = mount("binary");
    model.send({ type: "select_trial", trial_id: 7 });
    await tick();
    const box = q("try-next-box")[0];
    expect(box).toBeTruthy();
    const editor = q("try-next-params")[0] as HTMLTextAreaElement;
    expect(JSON.parse(editor.value)).toEqual(model.get("trial_details").params);
    editor.value = '{"num_leaves": 11, "learning_rate": 0.05}';
    (q("try-next")[0] as HTMLButtonElement).click();
    expect(model.sent.at(-1)).toEqual({
      type: "try_next",
      learner: "lightgbm",
      params: { num_leaves: 11, learning_rate: 0.05 },
      from_trial: 7,
    });
    editor.value = "{oops";
    (q("try-next")[0] as HTMLButtonElement).click();
    expect(q("try-next-note")[0].textContent).toContain("not JSON");
    expect(model.sent.filter((m: { type: string }) => m.type === "try_next").length).toBe(1);
    // a status tick redraws nothing of the details: the edit stays
    model.set("status", { ...model.get("status"), elapsed: 50 });
    await tick();
    expect((q("try-next-params")[0] as HTMLTextAreaElement).value).toBe("{oops");
  });

  it("is not offered without a run to steer, and disabled for a blocked learner", async () => {
    const details = { trial_id: 6, learner: "knn", params: { n_neighbors: 15 }, status: "failed" };
    const model = new FakeModel({});
    const s = binarySteering();
    const box = tryNextBox(model, details, s)!;
    expect((box.querySelector('[data-testid="try-next"]') as HTMLButtonElement).disabled).toBe(true);
    expect(box.textContent).toContain("knn is blocked: allow it");
    expect(tryNextBox(model, details, { ...s, enabled: false })).toBeNull();
    expect(tryNextBox(model, { ...details, trial_id: null, learner: "ensemble" }, s)).toBeNull();
    const { q } = mount("readonly", { trial_details: details });
    await tick();
    expect(q("try-next-box").length).toBe(0);
  });
});
