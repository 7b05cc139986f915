/**
 * @file The experiment form: the preset picker and one control per CLI flag (fields.ts), grouped, with
 * the advanced groups folded. It writes every edit into the session and redraws from it, so the form,
 * the URL and the CLI command never disagree.
 */
import { byId } from "./dom.js";
import { DERIVED_KEYS, FIELD_GROUPS, FIELDS, type FieldDef } from "./fields.js";
import { flagNumber } from "./format.js";
import { BASES, SKIPPED_EXPERIMENTS } from "./presets.js";
import { parsed, type Session } from "./session.js";
import { DEFAULT_BASE, baseTexts, isApplicable, type BaseConfig } from "./state.js";

/** The form's controls, bound to a session. */
export class Form {
  private readonly inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();

  constructor(private readonly session: Session) {
    this.buildPresetPicker();
    this.buildFields();
  }

  private buildPresetPicker(): void {
    const select = byId<HTMLSelectElement>("f-preset");
    const add = (parent: HTMLElement, value: string, text: string) => {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      parent.append(o);
    };
    add(select, "", DEFAULT_BASE.label);
    const groups: [string, BaseConfig["kind"]][] = [["Embedded presets (dlnlab run --preset)", "preset"], ["Paper figures (reproduction suite, quick size)", "experiment"]];
    for (const [label, kind] of groups) {
      const bases = BASES.filter((b) => b.kind === kind);
      if (bases.length === 0) continue;
      const group = document.createElement("optgroup");
      group.label = label;
      for (const b of bases) add(group, `${b.kind}:${b.id}`, b.label);
      select.append(group);
    }
    if (SKIPPED_EXPERIMENTS.length > 0) {
      const box = byId("preset-skipped");
      box.querySelector("ul")!.replaceChildren(
        ...SKIPPED_EXPERIMENTS.map((m) => {
          const li = document.createElement("li");
          li.textContent = m;
          return li;
        }),
      );
      box.hidden = false;
    }
    select.addEventListener("change", () => {
      this.session.setBase(BASES.find((b) => `${b.kind}:${b.id}` === select.value) ?? DEFAULT_BASE);
    });
  }

  private buildFields(): void {
    const root = byId("fields");
    for (const group of FIELD_GROUPS) {
      const box = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = group.title;
      box.append(legend);
      for (const f of group.fields) box.append(this.buildField(f));
      if (group.fields.every((f) => f.advanced)) {
        const details = document.createElement("details");
        const summary = document.createElement("summary");
        summary.textContent = group.title;
        legend.classList.add("visually-hidden");
        details.append(summary, box);
        root.append(details);
      } else {
        root.append(box);
      }
    }
  }

  private buildField(f: FieldDef): HTMLElement {
    const wrap = document.createElement("div");
    wrap.className = "field";
    wrap.dataset.key = f.key;
    const id = `f-${f.key}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = f.label + " ";
    if (f.unit) {
      const unit = document.createElement("span");
      unit.className = "unit";
      unit.textContent = f.unit;
      label.append(unit);
    }
    let control: HTMLInputElement | HTMLSelectElement;
    if (f.control === "select") {
      const select = document.createElement("select");
      for (const o of f.options ?? []) {
        const opt = document.createElement("option");
        opt.value = o.value;
        opt.textContent = o.text;
        select.append(opt);
      }
      select.addEventListener("change", () => this.session.input(f.key, select.value));
      control = select;
    } else {
      const input = document.createElement("input");
      input.type = "text";
      input.inputMode = f.inputmode ?? "text";
      input.autocomplete = "off";
      input.spellcheck = false;
      input.addEventListener("input", () => this.session.input(f.key, input.value));
      control = input;
    }
    control.id = id;
    control.name = f.key;
    control.setAttribute("aria-describedby", `h-${f.key} e-${f.key}`);
    const help = document.createElement("p");
    help.className = "help";
    help.id = `h-${f.key}`;
    help.textContent = f.help;
    const error = document.createElement("p");
    error.className = "error";
    error.id = `e-${f.key}`;
    error.setAttribute("aria-live", "polite");
    wrap.append(label, control, help, error);
    this.inputs.set(f.key, control);
    return wrap;
  }

  /** Show the session's values and messages; `typing` is the control being edited (left as typed). */
  render(typing?: string): void {
    const s = this.session;
    const texts = s.texts();
    byId<HTMLSelectElement>("f-preset").value = s.state.base.id ? `${s.state.base.kind}:${s.state.base.id}` : "";
    byId("h-preset").textContent = s.state.base.description;
    const errors = s.evaluation.ok ? new Map<string, string>() : s.evaluation.errors;
    const base = baseTexts(s.state.base);
    for (const f of FIELDS) {
      const control = this.inputs.get(f.key)!;
      const wrap = control.closest<HTMLElement>(".field")!;
      let text: string;
      if (f.key === "K") {
        const depths = parsed<number[]>("depths", texts.get("depths"));
        text = depths ? String(depths.length) : control.value;
      } else if (f.key === "multiple") {
        text = s.theory && s.theory.window.etaSingle > 0 ? flagNumber(Number(s.theory.multiple.toPrecision(6))) : control.value;
      } else {
        text = texts.get(f.key) ?? "";
        wrap.hidden = !isApplicable(f.key, texts);
      }
      if (control instanceof HTMLSelectElement && ![...control.options].some((o) => o.value === text)) {
        // A variant only a config file can set (svs-layers), or no value at all (the model's default).
        const opt = document.createElement("option");
        opt.value = text;
        opt.textContent = text === "" ? "default" : text;
        control.append(opt);
      }
      if (f.key !== typing && control.value !== text) control.value = text;
      // An empty field the base leaves unset means the schema's default, and says so.
      if (control instanceof HTMLInputElement && !DERIVED_KEYS.has(f.key)) control.placeholder = base.get(f.key) === "" ? "default" : "";
      const message = DERIVED_KEYS.has(f.key) ? s.derivedErrors.get(f.key) : errors.get(f.key);
      byId(`e-${f.key}`).textContent = message ?? "";
      if (message) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
      // A message inside a folded group unfolds it, so the reason Run is disabled is never hidden.
      if (message) wrap.closest("details")?.setAttribute("open", "");
    }
    byId("general-error").textContent = s.evaluation.ok ? "" : s.evaluation.general.join(" ");
  }
}
