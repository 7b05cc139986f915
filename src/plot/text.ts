/**
 * @file Text in figures: a tiny sub/superscript markup (`σ_1`, `λ_max`, `s_{k,i}`, `10^{-3}`), its SVG
 * rendering as `<tspan>`s, and width estimates from the DejaVu Sans metrics so that layout needs no
 * browser. Subscripts use `dy` shifts rather than `baseline-shift`, which Firefox ignores.
 */
import { DEJAVU_SANS_ADVANCES, FALLBACK_ADVANCE, UNITS_PER_EM } from "./font-metrics.js";

/** One run of label text: plain, subscript or superscript. */
export interface TextRun {
  text: string;
  shift: "none" | "sub" | "super";
}

/** Font-size ratio of sub/superscripts to the surrounding text. */
const SCRIPT_SCALE = 0.72;
/** Vertical shifts in em of the base font: positive is down (SVG y axis). */
const SUB_SHIFT = 0.28;
const SUPER_SHIFT = -0.42;

const ADVANCE = new Map<number, number>();
for (const [first, widths] of DEJAVU_SANS_ADVANCES) {
  widths.forEach((w, j) => {
    if (w >= 0) ADVANCE.set(first + j, w);
  });
}

/**
 * Split label markup into runs: `_x…`/`^x…` script a run of letters and digits (a leading sign too for
 * `^`), `_{…}`/`^{…}` script the braced text, `\_` `\^` `\\` are literal. Anything else is plain text.
 */
export function parseMarkup(s: string): TextRun[] {
  const runs: TextRun[] = [];
  let plain = "";
  const flush = (): void => {
    if (plain) runs.push({ text: plain, shift: "none" });
    plain = "";
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "\\" && i + 1 < s.length && "_^\\".includes(s[i + 1]!)) {
      plain += s[i + 1];
      i += 2;
      continue;
    }
    if (c === "_" || c === "^") {
      const shift = c === "_" ? "sub" : "super";
      let text = "";
      let j = i + 1;
      if (s[j] === "{") {
        const close = s.indexOf("}", j);
        if (close > j) {
          text = s.slice(j + 1, close);
          j = close + 1;
        }
      } else {
        const m = /^(?:[-+\u2212]?[\p{L}\p{N}]+)/u.exec(s.slice(j));
        if (m && (shift === "super" || /^[\p{L}\p{N}]/u.test(m[0]))) {
          text = m[0];
          j += m[0].length;
        }
      }
      if (text) {
        flush();
        runs.push({ text, shift });
        i = j;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return runs;
}

/** The text a reader sees, markup removed: `λ_max (Lanczos)` → `λmax (Lanczos)`. */
export function plainText(s: string): string {
  return parseMarkup(s)
    .map((r) => r.text)
    .join("");
}

/** Escape a label so that it renders literally (no sub/superscripts). */
export function escapeMarkup(s: string): string {
  return s.replace(/[\\_^]/g, (c) => `\\${c}`);
}

/** Advance width of plain text in px at the given font size (px), from DejaVu Sans metrics (kerning ignored). */
export function plainWidth(text: string, fontSize: number): number {
  let units = 0;
  for (const ch of text) units += ADVANCE.get(ch.codePointAt(0)!) ?? FALLBACK_ADVANCE;
  return (units / UNITS_PER_EM) * fontSize;
}

/** Width in px of label markup at the given font size (px); sub/superscripts are set at 72 %. */
export function textWidth(s: string, fontSize: number): number {
  let w = 0;
  const runs = parseMarkup(s);
  runs.forEach((r, i) => {
    const rw = plainWidth(r.text, r.shift === "none" ? fontSize : fontSize * SCRIPT_SCALE);
    // A superscript right after a subscript is stacked above it (‖x‖_F^2): only the wider one counts.
    const prev = runs[i - 1];
    if (r.shift === "super" && prev?.shift === "sub") w += Math.max(0, rw - plainWidth(prev.text, fontSize * SCRIPT_SCALE));
    else w += rw;
  });
  return w;
}

/**
 * Break label markup into lines no wider than `maxWidth` px at spaces (never inside `{…}`); a word
 * longer than a line gets a line of its own.
 */
export function wrapText(s: string, fontSize: number, maxWidth: number): string[] {
  const words = s.split(/ (?![^{]*\})/);
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && textWidth(candidate, fontSize) > maxWidth) {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/** Escape text for SVG/XML content or attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** Attribute map for an SVG element; undefined values are omitted. */
export type Attrs = Record<string, string | number | undefined>;

/** Serialise attributes in the given order (numbers as written; round them before). */
export function attrs(a: Attrs): string {
  let out = "";
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out += ` ${k}="${escapeXml(String(v))}"`;
  return out;
}

/** A `<text>` element for label markup at (x, y) in px; the baseline is at y, font size in px. */
export function svgText(s: string, x: number, y: number, fontSize: number, extra: Attrs = {}): string {
  const runs = parseMarkup(s);
  let body = "";
  let offset = 0; // current baseline offset from y, px
  let pendingDx = 0; // horizontal correction after a stacked sub/superscript pair, px
  runs.forEach((r, i) => {
    const target = r.shift === "sub" ? SUB_SHIFT * fontSize : r.shift === "super" ? SUPER_SHIFT * fontSize : 0;
    const dy = round2(target - offset);
    offset = target;
    const size = r.shift === "none" ? undefined : round2(fontSize * SCRIPT_SCALE);
    let dx = pendingDx;
    pendingDx = 0;
    const prev = runs[i - 1];
    if (r.shift === "super" && prev?.shift === "sub") {
      // Stack the superscript over the preceding subscript, then continue after the wider of the two.
      const subW = plainWidth(prev.text, fontSize * SCRIPT_SCALE);
      const supW = plainWidth(r.text, fontSize * SCRIPT_SCALE);
      dx -= subW;
      pendingDx = Math.max(0, subW - supW);
    }
    if (runs.length === 1 && r.shift === "none") body = escapeXml(r.text);
    else
      body += `<tspan${attrs({ dx: dx === 0 ? undefined : round2(dx), dy: dy === 0 ? undefined : dy, "font-size": size })}>${escapeXml(r.text)}</tspan>`;
  });
  return `<text${attrs({ x: round2(x), y: round2(y), "font-size": fontSize, ...extra })}>${body}</text>`;
}

/** Round to 2 decimals (0.01 px is far below what any renderer resolves), normalising −0. */
export function round2(v: number): number {
  const r = Math.round(v * 100) / 100;
  return r === 0 ? 0 : r;
}
