"""A tiny anywidget used to check the browser harness itself (no automl_nb involved)."""

from __future__ import annotations

import threading
import time

import anywidget
import traitlets

_ESM = """
function initialize({ model }) {
  window.__probe = window.__probe || [];
  model.on("change:progress", () => {
    window.__probe.push([model.get("progress"), Date.now() - model.get("stamp")]);
  });
}
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "probe-root";
  root.dataset.testid = "probe-root";
  const progress = document.createElement("span");
  progress.className = "probe-progress";
  const btn = document.createElement("button");
  btn.className = "probe-btn";
  btn.textContent = "click";
  btn.addEventListener("click", () => {
    model.set("count", model.get("count") + 1);
    model.save_changes();
  });
  const show = () => { progress.textContent = String(model.get("progress")); };
  model.on("change:progress", show);
  show();
  root.append(progress, btn);
  el.append(root);
}
export default { initialize, render };
"""


class ProbeWidget(anywidget.AnyWidget):
    _esm = _ESM
    count = traitlets.Int(0).tag(sync=True)
    progress = traitlets.Int(0).tag(sync=True)
    stamp = traitlets.Float(0.0).tag(sync=True)

    def start(self, n: int = 20, every: float = 0.2) -> threading.Thread:
        """Push progress 1..n from a background thread (one hold_sync batch each)."""

        def loop() -> None:
            for i in range(1, n + 1):
                time.sleep(every)
                with self.hold_sync():
                    self.stamp = time.time() * 1000
                    self.progress = i

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        return t
