// Best score over time: every finished trial as a point, the best so far as a step line.
import { empty, panel, renderFailure, replace } from "./dom";
import { bestSoFar, fmtNum, fmtSeconds, type BestPoint } from "./format";
import { bestScoreAlt } from "./describe";
import { ACCENT, BACKGROUND, figure, MUTED, Plot } from "./plots";
import { chartMarks, logOf } from "./steering";
import { subscribe, traits } from "./traits";
import type { AnyModel, HistoryPoint } from "./types";

/** The step line's points, carried on to `now` (the run's elapsed time) when later. */
export function stepLine(history: readonly HistoryPoint[], greaterIsBetter: boolean, now?: number | null): BestPoint[] {
  const line = bestSoFar(history, greaterIsBetter);
  const last = line[line.length - 1];
  if (last && typeof now === "number" && now > last.t) line.push({ t: now, best: last.best });
  return line;
}

export function mountChart(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("chart", "Best score over time", "best-score-chart");
  parent.append(section);

  let lastKey = "";
  // the body's width at the last render (0: it was not laid out, e.g. hidden; the chart is then
  // drawn at a default width and redrawn when the body has one)
  let measured = 0;
  const render = () => {
    const st = traits.status(model);
    const gib = st.greater_is_better !== false;
    const history = traits.history(model);
    const scored = history.filter(
      (p) => typeof p.t === "number" && typeof p.score === "number" && Number.isFinite(p.score),
    );
    measured = Math.floor(body.clientWidth);
    const width = Math.max(260, measured || 460);
    // steering actions: dashed rules with their label at the top (CONTRACT.md, "Steering")
    const marks = chartMarks(logOf(traits.steering(model)));
    // The elapsed time moves every tick; redraw for it only every whole second.
    const key = JSON.stringify([scored, gib, st.metric, width, Math.floor(st.elapsed ?? 0), marks]);
    if (key === lastKey) return;
    lastKey = key;

    const line = stepLine(scored, gib, st.elapsed);
    const best = line.length ? line[line.length - 1].best : null;
    aside.textContent = best != null ? `best ${fmtNum(best)} · ${scored.length} scored` : "";
    if (!scored.length) {
      replace(body, empty("No finished trials yet."));
      return;
    }
    replace(
      body,
      figure(
        "",
        () => ({
          width,
          height: 230,
          marginLeft: 52,
          x: { label: "seconds since start", nice: true, zero: true },
          y: {
            label: `${st.metric ?? "score"} ${gib ? "↑" : "↓"}`,
            nice: true,
            grid: true,
            tickFormat: Math.max(...scored.map((p) => Math.abs(p.score as number))) >= 10000 ? "~s" : undefined,
          },
          color: { legend: true, type: "categorical", scheme: "observable10" },
          marks: [
            marks.length
              ? Plot.ruleX(marks, {
                  x: "t",
                  stroke: MUTED,
                  strokeDasharray: "4,3",
                  strokeOpacity: 0.8,
                  title: (m: { label: string; detail: string }) => `${m.label}: ${m.detail}`,
                })
              : null,
            // labels on three staggered lines, so close actions do not overprint
            ...[0, 1, 2].map((row) =>
              Plot.text(
                marks.filter((_, i) => i % 3 === row),
                {
                  x: "t",
                  frameAnchor: "top",
                  text: "label",
                  textAnchor: "start",
                  dx: 3,
                  dy: 4 + 11 * row,
                  fill: MUTED,
                },
              ),
            ),
            Plot.line(line, { x: "t", y: "best", curve: "step-after", stroke: ACCENT, strokeWidth: 2 }),
            Plot.dot(scored, {
              x: "t",
              y: "score",
              fill: "learner",
              r: 3.5,
              fillOpacity: 0.85,
              stroke: BACKGROUND,
              strokeWidth: 0.5,
              tip: true,
              channels: { trial: "trial_id", learner: "learner", time: (p: HistoryPoint) => fmtSeconds(p.t) },
            }),
          ],
        }),
        undefined,
        () => {
          const alt = bestScoreAlt(scored, st.metric, gib);
          if (!marks.length) return alt;
          const steps = marks.map((m) => `${m.label} at ${fmtSeconds(m.t)}`).join(", ");
          return { ...alt, description: `${alt.description ?? ""} Steering: ${steps}.`.trim() };
        },
      ),
    );
  };

  const off = subscribe(model, ["history", "status"], render, (e) => renderFailure(body, e));
  // Redraw at the new width when the cell resizes (coalesced to one frame).
  let frame = 0;
  const ro =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver((entries) => {
          const w = Math.floor(entries[0]?.contentRect.width ?? 0);
          if (!w || Math.abs(w - measured) < 8) return;
          cancelAnimationFrame(frame);
          frame = requestAnimationFrame(() => {
            try {
              render();
            } catch (e) {
              renderFailure(body, e);
            }
          });
        });
  ro?.observe(body);
  return () => {
    off();
    ro?.disconnect();
    cancelAnimationFrame(frame);
    section.remove();
  };
}
