// A stand-in for anywidget's model over a plain object, for the dev harness (no Jupyter).
// It implements exactly what the widget uses: get/set/save_changes/on/off/send, and plays a
// tiny kernel: select_trial fills trial_details, run/pause/resume/cancel move the phase,
// forecast_series shows another series' forecast.
export class FakeModel {
  constructor(state, { trialDetails = {}, forecasts = {} } = {}) {
    this.state = { ...state };
    this.listeners = new Map();
    this.sent = [];
    this.saves = 0;
    this.trialDetails = trialDetails;
    this.forecasts = forecasts;
    this.log = false; // the harness turns this on to echo messages to the console
  }
  get(name) {
    return this.state[name];
  }
  set(name, value) {
    const changed = JSON.stringify(this.state[name]) !== JSON.stringify(value);
    this.state[name] = value;
    if (changed) this.emit(`change:${name}`);
  }
  /** Set several traits at once, like a kernel hold_sync batch. */
  update(patch) {
    for (const [k, v] of Object.entries(patch)) this.set(k, v);
  }
  save_changes() {
    this.saves += 1;
  }
  on(event, cb) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(cb);
  }
  off(event, cb) {
    if (!event) return this.listeners.clear();
    if (!cb) return this.listeners.delete(event);
    this.listeners.get(event)?.delete(cb);
  }
  emit(event) {
    for (const cb of [...(this.listeners.get(event) ?? [])]) cb();
  }
  send(msg) {
    this.sent.push(msg);
    if (this.log) console.log("model.send", JSON.stringify(msg));
    const phases = { run: "profiling", pause: "paused", resume: "searching", cancel: "cancelled" };
    if (msg.type === "select_trial") {
      this.set(
        "trial_details",
        this.trialDetails[msg.trial_id] ?? { trial_id: msg.trial_id, learner: "?", status: "ok" },
      );
    } else if (msg.type === "forecast_series") {
      const f = this.get("forecast") ?? {};
      this.set("forecast", this.forecasts[msg.series_id] ?? { ...f, series_id: msg.series_id });
    } else if (phases[msg.type]) {
      this.set("phase", phases[msg.type]);
    } else if (msg.type === "extend") {
      const st = this.get("status") ?? {};
      this.set("status", { ...st, budget: (st.budget ?? 0) + msg.seconds });
    }
  }
  listenerCount() {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
