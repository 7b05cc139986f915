/**
 * @file The width table in src/plot/font-metrics.ts must equal the advance widths in the shipped
 * DejaVuSans.ttf (read here with a minimal TrueType reader: cmap format 4 + hmtx). On mismatch the
 * test prints the table to paste. Exact comparison: both are integers in font units.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEJAVU_SANS_ADVANCES, UNITS_PER_EM } from "../../src/plot/font-metrics.js";
import { FONT_FILES } from "../../src/plot/render.js";

/** Advance width (font units) of each code point's glyph, −1 for code points without a glyph. */
function readAdvances(path: string): { unitsPerEm: number; advance: (cp: number) => number } {
  const buf = readFileSync(path);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tables = new Map<string, number>();
  for (let i = 0; i < dv.getUint16(4); i++) {
    const o = 12 + 16 * i;
    tables.set(buf.toString("latin1", o, o + 4), dv.getUint32(o + 8));
  }
  const head = tables.get("head")!;
  const hhea = tables.get("hhea")!;
  const hmtx = tables.get("hmtx")!;
  const cmap = tables.get("cmap")!;
  const numHMetrics = dv.getUint16(hhea + 34);
  let f4 = -1;
  for (let i = 0; i < dv.getUint16(cmap + 2); i++) {
    const platform = dv.getUint16(cmap + 4 + 8 * i);
    const encoding = dv.getUint16(cmap + 6 + 8 * i);
    if (platform === 3 && encoding === 1) f4 = cmap + dv.getUint32(cmap + 8 + 8 * i);
  }
  const segX2 = dv.getUint16(f4 + 6);
  const ends = f4 + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const offsets = deltas + segX2;
  const glyph = (cp: number): number => {
    for (let s = 0; s < segX2 / 2; s++) {
      if (cp > dv.getUint16(ends + 2 * s)) continue;
      const start = dv.getUint16(starts + 2 * s);
      if (cp < start) return 0;
      const delta = dv.getInt16(deltas + 2 * s);
      const ro = dv.getUint16(offsets + 2 * s);
      if (ro === 0) return (cp + delta) & 0xffff;
      const g = dv.getUint16(offsets + 2 * s + ro + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  return {
    unitsPerEm: dv.getUint16(head + 18),
    advance: (cp) => {
      const g = glyph(cp);
      return g === 0 ? -1 : dv.getUint16(hmtx + 4 * Math.min(g, numHMetrics - 1));
    },
  };
}

describe("DejaVu Sans metrics", () => {
  it("match the shipped font file", () => {
    const font = readAdvances(FONT_FILES[0]!);
    expect(font.unitsPerEm).toBe(UNITS_PER_EM);
    const actual = DEJAVU_SANS_ADVANCES.map(([first, widths]) => [first, widths.map((_, j) => font.advance(first + j))] as const);
    const table = actual.map(([first, w]) => `  [0x${first.toString(16).toUpperCase()}, [${w.join(", ")}]],`).join("\n");
    expect(actual, `font-metrics.ts is stale; the font says:\n${table}`).toEqual(DEJAVU_SANS_ADVANCES);
  });
});
