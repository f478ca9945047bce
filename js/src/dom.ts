// Tiny DOM helpers: no framework, every panel builds plain elements with `h`.

type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;
export type Child = Node | string | number | null | undefined | false | Child[];

/**
 * Create an element. Attributes: `class`, `text`, `testid` (→ data-testid), `on<event>`
 * (listener), booleans (present when true), everything else via setAttribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else if (k === "testid") el.dataset.testid = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(typeof c === "number" ? String(c) : c);
  }
}

/** Replace all children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** The muted one-liner a panel shows when it has nothing yet. */
export function empty(text: string): HTMLElement {
  return h("div", { class: "ans-empty", text });
}

/** A panel: a titled section whose body the panel module owns. */
export function panel(
  name: string,
  title: string,
  testid: string = name,
): { section: HTMLElement; body: HTMLElement; aside: HTMLElement } {
  const aside = h("span", { class: "ans-panel-aside" });
  const body = h("div", { class: "ans-panel-body" });
  const section = h(
    "section",
    { class: `ans-panel ans-panel-${name}`, testid, "aria-label": title },
    h("header", { class: "ans-panel-head" }, h("h3", { class: "ans-panel-title", text: title }), aside),
    body,
  );
  return { section, body, aside };
}

/** A coloured pill, e.g. a phase, a guardrail status or a column kind. */
export function badge(text: string, variant: string, extra: Attrs = {}): HTMLElement {
  return h("span", { class: `ans-badge ans-badge-${variant}`, text, ...extra });
}

/** The mark of a column whose kind or transformer you set (column_kinds, column_transformers,
 * featurization="off"); null for the others. */
export function setByYou(set: boolean | undefined, title = "set by you"): HTMLElement | null {
  return set ? badge("set by you", "set-by-you", { testid: "set-by-you", title }) : null;
}

/** Show an error inside a panel (a render bug must never blank the whole widget). */
export function renderFailure(body: HTMLElement, e: unknown): void {
  console.error("automl_nb studio:", e);
  replace(body, h("div", { class: "ans-empty ans-fail", text: `Could not render this panel: ${String(e)}` }));
}

/** Build a `<select>` whose options are `[value, label]` pairs. */
export function select(options: [string, string][], value: string, attrs: Attrs = {}): HTMLSelectElement {
  const el = h("select", attrs);
  for (const [v, label] of options) el.append(h("option", { value: v, text: label }));
  el.value = value;
  return el;
}

/**
 * Put a config error for `field` into `slot`, or empty the slot. The `config-error` element
 * exists only while there is an error, so a test's `getByTestId("config-error")` finds exactly
 * the errors shown (no hidden placeholders).
 */
export function fieldError(slot: HTMLElement, field: string, message: string | undefined): void {
  replace(
    slot,
    message
      ? h("div", {
          class: "ans-field-error",
          testid: "config-error",
          "data-field": field,
          role: "alert",
          text: message,
        })
      : null,
  );
}

/**
 * Give a `<select>` these `[value, label]` options and select `value`. The options are
 * replaced only when they changed, so a kernel update never closes an open select.
 */
const optionKeys = new WeakMap<HTMLSelectElement, string>();
export function setOptions(el: HTMLSelectElement, options: [string, string][], value: string): void {
  const key = JSON.stringify(options);
  if (optionKeys.get(el) !== key) {
    optionKeys.set(el, key);
    el.replaceChildren(...options.map(([v, label]) => h("option", { value: v, text: label })));
  }
  el.value = value;
}
