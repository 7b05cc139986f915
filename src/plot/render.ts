/**
 * @file Node-only output of figures: PNG rasterisation with resvg and the DejaVu Sans files shipped in
 * the `dejavu-fonts-ttf` package (no system fonts, so text renders the same on every machine), and
 * atomic writing of `name.svg` + `name.png`.
 */
import { Resvg } from "@resvg/resvg-js";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);

/** Paths of the font files every PNG is rendered with (DejaVu Sans regular and bold). */
export const FONT_FILES: readonly string[] = [
  require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"),
  require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf"),
];

/** Options of `svgToPng`. */
export interface PngOptions {
  /** Pixels per SVG px; default 2 (a 640 px wide figure becomes 1280 px, crisp in print). */
  scale?: number;
}

/** Rasterise SVG markup to PNG bytes at `scale` × its size (default 2), on a white background. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 2;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`svgToPng: scale must be a positive number, got ${scale}`);
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: {
      loadSystemFonts: false,
      fontFiles: [...FONT_FILES],
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
    logLevel: "off",
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

let tempCounter = 0;

/** Write `data` to `path` atomically: a temporary file in the same directory, then a rename. */
async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${++tempCounter}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Write `dir/name.svg` and `dir/name.png` (PNG at `options.scale`, default 2), creating `dir`; returns both paths. */
export async function writeFigure(dir: string, name: string, svg: string, options: PngOptions = {}): Promise<{ svg: string; png: string }> {
  if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) throw new RangeError(`writeFigure: unsafe figure name "${name}"`);
  await mkdir(dir, { recursive: true });
  const paths = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`) };
  const png = svgToPng(svg, options);
  await writeAtomic(paths.svg, svg);
  await writeAtomic(paths.png, png);
  return paths;
}
