/**
 * @file PNG output: signature and IHDR size, text really rendered with the shipped font, and atomic
 * figure writing.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lineChart, svgToPng, writeFigure } from "../../src/plot/index.js";
import type { LineChartSpec } from "../../src/plot/index.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, which must be the first chunk. */
function ihdr(png: Uint8Array): { width: number; height: number } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(String.fromCharCode(...png.slice(12, 16))).toBe("IHDR");
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

const spec = (title: string): LineChartSpec => ({
  title,
  x: { label: "step t" },
  y: { label: "loss" },
  series: [{ name: "loss", points: [0, 1, 2, 3].map((x) => ({ x, y: 4 - x })) }],
});

describe("svgToPng", () => {
  it("returns PNG bytes at 2× the SVG size by default, and at the given scale", () => {
    const svg = lineChart(spec("A"));
    const png = svgToPng(svg);
    expect([...png.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(ihdr(png)).toEqual({ width: 1280, height: 800 });
    expect(ihdr(svgToPng(svg, { scale: 1 }))).toEqual({ width: 640, height: 400 });
  });

  it("draws text with the shipped font (titles of equal layout but different letters differ)", () => {
    // Same layout, different glyphs: identical PNGs would mean no text was drawn (no font found).
    const a = svgToPng(lineChart(spec("Small step")), { scale: 1 });
    const b = svgToPng(lineChart(spec("Large step")), { scale: 1 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    const bare = (t: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="2" y="15" font-family="DejaVu Sans">${t}</text></svg>`;
    expect(Buffer.from(svgToPng(bare("σ₁ λ"))).equals(Buffer.from(svgToPng(bare(""))))).toBe(false);
  });

  it("rejects a non-positive scale", () => {
    expect(() => svgToPng(lineChart(spec("A")), { scale: 0 })).toThrow(/scale/);
  });
});

describe("writeFigure", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("writes name.svg and name.png, creating the directory, leaving no temporary files", async () => {
    const root = await mkdtemp(join(tmpdir(), "dlnlab-plot-"));
    dirs.push(root);
    const dir = join(root, "figs", "run-1");
    const svg = lineChart(spec("A"));
    const paths = await writeFigure(dir, "loss", svg);
    expect(paths).toEqual({ svg: join(dir, "loss.svg"), png: join(dir, "loss.png") });
    expect(await readFile(paths.svg, "utf8")).toBe(svg);
    expect([...(await readFile(paths.png)).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect((await readdir(dir)).sort()).toEqual(["loss.png", "loss.svg"]);
  });

  it("refuses names that would escape the directory", async () => {
    await expect(writeFigure(tmpdir(), "../x", "<svg/>")).rejects.toThrow(/unsafe/);
  });
});
