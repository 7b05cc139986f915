/**
 * @file Small DOM helpers shared by the page's modules.
 */

/** The element with this id (index.html must have it). */
export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id} in index.html`);
  return el as T;
}

/** Set text and the exact value (for copy-paste and tests) of an element. */
export function show(el: HTMLElement, text: string, value?: number | readonly number[] | null): void {
  if (el.textContent !== text) el.textContent = text;
  if (value === undefined || value === null) el.removeAttribute("data-value");
  else el.dataset.value = Array.isArray(value) ? value.join(",") : String(value);
}

/** A message in the page's note bar (uncaught errors, copy feedback, URL problems). */
export function note(text: string): void {
  const el = byId("notes");
  el.textContent = text;
  el.hidden = false;
}
