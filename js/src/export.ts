// The Export area: a button per export (report, code, ONNX). A click asks the kernel to make
// the file (`{type: "export", kind}`); the kernel answers with a `download` message holding
// the file's bytes (base64) and name, and the browser saves it (a Blob and an `<a download>`).
// Progress and errors (an export the model or the task cannot do) come in the `exports` trait.
import { h, panel, replace } from "./dom";
import { getDict, isRecord, send, subscribe, traits } from "./traits";
import type { AnyModel, ExportKind, ExportState } from "./types";

export const EXPORTS: { kind: ExportKind; label: string; title: string }[] = [
  { kind: "report", label: "Report", title: "The run report: one self-contained HTML file (aml.report)" },
  { kind: "code", label: "Code", title: "A standalone Python script that builds the final model (aml.to_code)" },
  { kind: "onnx", label: "ONNX", title: "The final model as ONNX (aml.export_onnx; extra automl_nb[onnx])" },
];

/** Phases in which the run has ended, so its final model may be exported. */
const ENDED = ["finished", "cancelled"];

/** Whether the export buttons are enabled: the run ended with a final model. */
export function canExport(phase: string, hasModel: boolean): boolean {
  return ENDED.includes(phase) && hasModel;
}

/** A `download` message from the kernel, or null for any other message. */
export function downloadOf(msg: unknown): { id: string; filename: string; mime: string; data: string } | null {
  if (!isRecord(msg) || msg.type !== "download") return null;
  const { filename, mime, data } = msg;
  if (typeof filename !== "string" || typeof data !== "string") return null;
  const id = typeof msg.id === "string" ? msg.id : "";
  return { id, filename, mime: typeof mime === "string" ? mime : "application/octet-stream", data };
}

/** Downloads already saved: a widget shown twice in a page saves each file once. */
const saved = new Set<string>();

/** Save base64 `data` as the file `filename` through the browser's downloads. */
export function saveFile(filename: string, mime: string, data: string): void {
  const bin = atob(data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const a = h("a", { href: url, download: filename, style: "display:none" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function mountExport(model: AnyModel, parent: HTMLElement): () => void {
  const { section, body, aside } = panel("export", "Export", "export");
  parent.append(section);
  const buttons = EXPORTS.map((e) =>
    h("button", {
      type: "button",
      class: "ans-btn",
      testid: `export-${e.kind}`,
      title: e.title,
      text: e.label,
      disabled: true,
      onclick: () => send(model, { type: "export", kind: e.kind }),
    }),
  );
  const status = h("div", { class: "ans-export-status", testid: "export-status", "aria-live": "polite" });
  replace(body, h("div", { class: "ans-controls", role: "toolbar", "aria-label": "Exports" }, buttons), status);

  const render = () => {
    const enabled = canExport(traits.phase(model), Object.keys(traits.best(model)).length > 0);
    const states = getDict<Record<string, ExportState>>(model, "exports");
    aside.textContent = enabled ? "" : "after the run ends with a final model";
    EXPORTS.forEach((e, i) => {
      const s = states[e.kind];
      buttons[i].disabled = !enabled || (isRecord(s) && s.state === "working");
    });
    replace(
      status,
      EXPORTS.map((e) => {
        const s = states[e.kind];
        if (!isRecord(s) || !s.message) return null;
        const failed = s.state === "failed";
        return h(
          failed ? "pre" : "div",
          {
            class: failed ? "ans-error-box" : "ans-hint",
            testid: `export-${e.kind}-${s.state}`,
            role: failed ? "alert" : null,
          },
          `${e.label}: ${s.message}`,
        );
      }),
    );
  };
  let alive = true; // a listener the model keeps after this panel is gone does nothing
  const onMessage = (msg: unknown) => {
    const d = downloadOf(msg);
    if (!alive || !d || (d.id && saved.has(d.id))) return;
    if (d.id) saved.add(d.id);
    saveFile(d.filename, d.mime, d.data);
  };
  model.on("msg:custom", onMessage);
  const off = subscribe(model, ["phase", "best", "exports"], render);
  return () => {
    alive = false;
    off();
    model.off("msg:custom", onMessage);
    section.remove();
  };
}
