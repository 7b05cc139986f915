/**
 * @file The sweep spec (docs/sweeps.md): a base run config (any `dlnlab run` config, or `preset: NAME`
 * with overrides), axes named by config path or `run` flag, their product (with zipped groups or a
 * seeded random search), and its deterministic expansion into validated points, each with the hash
 * of its resolved run spec. Portable: the CLI, workers and the browser lab expand specs the same way.
 */
import { z } from "zod";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import stableStringify from "fast-json-stable-stringify";
import { resolveRunConfig, type RunConfig } from "../config/schema.js";
import { ConfigError, validateRunConfig } from "../config/validate.js";
import { FIELD_FLAGS } from "../config/flags.js";
import { findPreset, PRESETS } from "../config/presets.js";
import type { SimulationSpec } from "../engine/simulate.js";
import { Rng } from "../engine/rng.js";
import { singlePathSharpnesses } from "../theory/sharpness.js";

/** A sweep that cannot be expanded; the message is one line naming the spec field. */
export class SweepSpecError extends Error {
  override readonly name = "SweepSpecError";
}

/** Sweeps larger than this many points need `force` (a typo in `points` should not start a week-long job). */
export const MAX_POINTS = 1e8;

const RangeAxis = z.strictObject({
  from: z.number().describe("First value."),
  to: z.number().describe("Last value (included)."),
  points: z.int().gte(1, { message: "must be an integer >= 1" }).describe("Number of values, from and to included."),
  scale: z.enum(["linear", "log"]).default("linear").describe("linear: evenly spaced; log: evenly spaced in log (from, to > 0)."),
});
const ValuesAxis = z.strictObject({
  values: z.array(z.unknown()).min(1, { message: "needs at least one value" }).describe("The values, in order (numbers, lists, words)."),
});
const CountAxis = z.strictObject({
  range: z.int().gte(1, { message: "must be an integer >= 1" }).describe("The integers 0, 1, …, range − 1 (e.g. replicate seeds)."),
});

/** One axis: evenly spaced numbers, a list of values, or 0 … n − 1. */
export const AxisSchema = z.union([RangeAxis, ValuesAxis, CountAxis], {
  error: "expected { from, to, points[, scale] }, { values: [...] } or { range: N }",
});

/** The sweep spec as written in YAML/JSON. */
export const SweepSpecSchema = z.strictObject({
  name: z.string().optional().describe("A label for the sweep (figure titles)."),
  base: z.record(z.string(), z.unknown()).default({})
    .describe("The run config every point starts from (fields as in docs/config.md), or `preset: NAME` plus overrides."),
  axes: z.record(z.string(), AxisSchema)
    .refine((a) => Object.keys(a).length > 0, { message: "needs at least one axis" })
    .describe("Axes by config path (`lr`, `init.scales`, `init.scales.1`, `target.sigma.0`), run flag (`--lr`) or `h` (lr = h/λ_single)."),
  zip: z.array(z.array(z.string()).min(2, { message: "a zip group needs at least two axes" })).default([])
    .describe("Groups of axes that vary together (equal lengths) instead of forming a product."),
  random: z.strictObject({
    samples: z.int().gte(1, { message: "must be an integer >= 1" }).describe("Number of random points."),
    seed: z.int().default(0).describe("Seed of the draw."),
  }).optional().describe("Random search: draw points instead of the product (ranges uniformly, log ranges log-uniformly, values uniformly)."),
  predict: z.boolean().default(false).describe("Add the theory's predictions (windows, regime, predicted split) to every row."),
  measure: z.strictObject({
    every: z.union([z.int().gte(1), z.literal("auto")], { error: 'must be an integer >= 1 or "auto"' }).default("auto")
      .describe("Sharpness samples for max_sharpness and first_unstable_step every N steps (auto: about 100 per run)."),
  }).default({ every: "auto" }).describe("Sampling of the per-run summaries."),
  trajectories: z.strictObject({
    every: z.int().gte(1, { message: "must be an integer >= 1" }).describe("A row every N steps (GD steps), and one at the run's final step."),
  }).optional().describe("Per-run trajectories in the second table `trajectories` (DIR/trajectories-*.parquet): loss, s and balance of every run along its steps."),
});

/** A validated sweep spec. */
export type SweepSpec = z.output<typeof SweepSpecSchema>;
/** One axis of a validated spec. */
export type Axis = z.output<typeof AxisSchema>;

/** One point of a sweep: its axis values, validated run config and resolved engine spec. */
export interface SweepPoint {
  /** Position in the expansion (0-based; the same for every expansion of the same spec). */
  index: number;
  /** Axis values of this point, by axis name. */
  values: Record<string, unknown>;
  config: RunConfig;
  spec: SimulationSpec;
  /** Normalised step h = η·λ_single (λ_single = max_k L_k σ_1^{2−2/L_k}); NaN when σ_1 is unknown. */
  h: number;
  /** Config hash: first 16 hex digits of the SHA-256 of the resolved spec's JSON. */
  hash: string;
}

/** Column name of an axis in the results table: its name with every non-alphanumeric run as "_". */
export function axisColumn(name: string): string {
  return "axis_" + name.replace(/^-+/, "").replace(/[^A-Za-z0-9]+/g, "_").replace(/_$/, "");
}

/** The values of one axis, in order. */
export function axisValues(name: string, axis: Axis): unknown[] {
  if ("values" in axis) return axis.values;
  if ("range" in axis) return Array.from({ length: axis.range }, (_, i) => i);
  const { from, to, points, scale } = axis;
  if (scale === "log" && !(from > 0 && to > 0)) throw new SweepSpecError(`axes.${name}.scale: log needs from > 0 and to > 0`);
  if (points === 1) return [from];
  return Array.from({ length: points }, (_, i) => {
    const u = i / (points - 1);
    // The end points are `from` and `to` exactly (exp(log x) need not round back to x).
    if (i === 0) return from;
    if (i === points - 1) return to;
    return scale === "log" ? Math.exp(Math.log(from) + u * (Math.log(to) - Math.log(from))) : from + u * (to - from);
  });
}

/** The config path an axis sets (flag names through the `run` flag table); "h" stays "h". */
export function axisPath(name: string): string[] {
  if (name.startsWith("--")) {
    const flag = FIELD_FLAGS.find((f) => f.flag === name);
    if (!flag) throw new SweepSpecError(`axes.${name}: unknown flag (see dlnlab run --help)`);
    return [...flag.path];
  }
  return name.split(".");
}

/** Set `value` at `path` of a plain object, creating objects and cloning arrays on the way. */
function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur: Record<string, unknown> | unknown[] = obj;
  for (let j = 0; j < path.length - 1; j++) {
    const key = path[j]!;
    const next = (cur as Record<string, unknown>)[key];
    const copy = Array.isArray(next) ? [...next] : next !== null && typeof next === "object" ? { ...(next as object) } : /^\d+$/.test(path[j + 1]!) ? [] : {};
    (cur as Record<string, unknown>)[key] = copy;
    cur = copy as Record<string, unknown>;
  }
  (cur as Record<string, unknown>)[path[path.length - 1]!] = value;
}

/** A deep copy of JSON data (configs are plain JSON). */
function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** The base config as a raw run config (a preset expanded, its own fields on top). */
export function baseConfig(base: Record<string, unknown>): Record<string, unknown> {
  const { preset, ...rest } = base;
  if (preset === undefined) return clone(rest);
  const p = typeof preset === "string" ? findPreset(preset) : undefined;
  if (!p) throw new SweepSpecError(`base.preset: unknown preset ${JSON.stringify(preset)}; one of ${PRESETS.map((x) => x.name).join(", ")}`);
  return { ...clone(p.config), ...clone(rest) };
}

/** λ_single = max_k L_k σ_1^{2−2/L_k} of a validated config, or NaN when σ_1 is not a given spectrum. */
export function lambdaSingle(c: RunConfig): number {
  const sigma1 = c.target.matrix ? Number.NaN : (c.target.sigma ?? [1])[0]!;
  if (!(sigma1 > 0)) return Number.NaN;
  return Math.max(...singlePathSharpnesses(c.depths, sigma1));
}

/** Parse and validate a raw spec (defaults applied); errors name the field. */
export function parseSweepSpec(raw: unknown, file = "spec"): SweepSpec {
  const r = SweepSpecSchema.safeParse(raw);
  if (!r.success) {
    // An unknown field explains the rest (a misspelt key also makes the real one "missing"): it comes first.
    const issue = r.error.issues.find((i) => i.code === "unrecognized_keys") ?? r.error.issues[0]!;
    const path = [...issue.path, ...(issue.code === "unrecognized_keys" ? [issue.keys[0]!] : [])].map(String).join(".");
    const text = issue.code === "unrecognized_keys" ? "unknown field" : issue.message.replace(/^Invalid input: /, "");
    throw new SweepSpecError(`${file}: ${path || "spec"}: ${text}`);
  }
  const spec = r.data;
  const names = Object.keys(spec.axes);
  const seen = new Set<string>();
  spec.zip.forEach((group, g) => {
    for (const a of group) {
      if (!names.includes(a)) throw new SweepSpecError(`${file}: zip.${g}: ${JSON.stringify(a)} is not an axis`);
      if (seen.has(a)) throw new SweepSpecError(`${file}: zip.${g}: axis ${a} is zipped twice`);
      seen.add(a);
    }
  });
  for (const name of names) axisPath(name);
  return spec;
}

/** A dimension of the product: one axis, or a zip group of axes of equal length. */
interface Dimension {
  axes: string[];
  values: unknown[][];
  length: number;
}

function dimensions(spec: SweepSpec): Dimension[] {
  const zipped = new Map<string, string[]>();
  for (const group of spec.zip) for (const a of group) zipped.set(a, group);
  const dims: Dimension[] = [];
  for (const name of Object.keys(spec.axes)) {
    const group = zipped.get(name);
    if (group && group[0] !== name) continue;
    const axes = group ?? [name];
    const values = axes.map((a) => axisValues(a, spec.axes[a]!));
    const length = values[0]!.length;
    values.forEach((v, j) => {
      if (v.length !== length) throw new SweepSpecError(`zip: axes ${axes[0]} (${length} values) and ${axes[j]} (${v.length}) differ in length`);
    });
    dims.push({ axes, values, length });
  }
  return dims;
}

/** Number of points the spec expands to (without building them). */
export function countPoints(spec: SweepSpec): number {
  if (spec.random) return spec.random.samples;
  return dimensions(spec).reduce((n, d) => n * d.length, 1);
}

/** The axis values of point `index` (product order: the last axis varies fastest). */
function productValues(dims: Dimension[], index: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let rest = index;
  for (let j = dims.length - 1; j >= 0; j--) {
    const d = dims[j]!;
    const i = rest % d.length;
    rest = Math.floor(rest / d.length);
    d.axes.forEach((a, m) => (out[a] = d.values[m]![i]));
  }
  return out;
}

/** Seeded random-search values: one draw per dimension per point, in axis order. */
function randomValues(spec: SweepSpec, dims: Dimension[], rng: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of dims) {
    const u = rng.uniform();
    const first = spec.axes[d.axes[0]!]!;
    if (d.axes.length === 1 && "from" in first) {
      const { from, to, scale } = first;
      out[d.axes[0]!] = scale === "log" ? Math.exp(Math.log(from) + u * (Math.log(to) - Math.log(from))) : from + u * (to - from);
    } else {
      const i = Math.min(d.length - 1, Math.floor(u * d.length));
      d.axes.forEach((a, m) => (out[a] = d.values[m]![i]));
    }
  }
  return out;
}

/**
 * The hash of a resolved run spec or sweep spec: first 16 hex digits of SHA-256 of its JSON with keys
 * sorted (fast-json-stable-stringify), so the hash does not depend on the order fields were written in.
 */
export function specHash(spec: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(stableStringify(spec)))).slice(0, 16);
}

/** Build one point from its axis values; invalid configs name the axes and the field. */
export function makePoint(base: Record<string, unknown>, values: Record<string, unknown>, index: number): SweepPoint {
  // setPath copies every object and array on the paths it sets, and zod builds new objects, so the
  // base itself is never written to and needs no deep copy per point.
  const raw = { ...base };
  for (const [name, value] of Object.entries(values)) {
    const path = axisPath(name);
    // An axis over one way of giving the step replaces the base's other way (lr = h/λ_single).
    if (path.length === 1 && path[0] === "h") delete raw.lr;
    if (path.length === 1 && path[0] === "lr") delete raw.h;
    setPath(raw, path, value);
    // A flag that implies a type (e.g. --init-std ⇒ gaussian) does so on an axis too.
    const flag = name.startsWith("--") ? FIELD_FLAGS.find((f) => f.flag === name) : undefined;
    if (flag?.impliesType) setPath(raw, [...flag.path.slice(0, -1), "type"], flag.impliesType);
  }
  let config: RunConfig;
  let spec: SimulationSpec;
  try {
    config = validateRunConfig(raw);
    spec = resolveRunConfig(config);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof RangeError) {
      const where = Object.entries(values).map(([a, v]) => `${a}=${JSON.stringify(v)}`).join(", ");
      throw new SweepSpecError(`point ${index} (${where}): ${err.message}`);
    }
    throw err;
  }
  const lam = lambdaSingle(config);
  // resolveRunConfig builds the spec in a fixed key order (zod's output follows the schema), so plain
  // JSON is canonical here; the sorted stringify of specHash costs as much as the rest of the point.
  const hash = bytesToHex(sha256(utf8ToBytes(JSON.stringify(spec)))).slice(0, 16);
  return { index, values, config, spec, h: spec.lr * lam, hash };
}

/** Options of `expandSweep`. */
export interface ExpandOptions {
  /** Allow more than MAX_POINTS points. */
  force?: boolean;
  /** Only these point indices (default all), e.g. the missing points of a resumed sweep or a shard. */
  only?: (index: number) => boolean;
  /** Only indices from ≤ i < to (default all): a product sweep then visits no other index (a worker's share of a large sweep). */
  range?: readonly [number, number];
}

/**
 * Expand a spec into its points, deterministically: product order (last axis fastest, zip groups
 * in the place of their first axis) or the seeded random draw. Every point is validated.
 */
export function expandSweep(spec: SweepSpec, options: ExpandOptions = {}): SweepPoint[] {
  const n = countPoints(spec);
  if (n > MAX_POINTS && !options.force) {
    throw new SweepSpecError(`axes: the sweep has ${n.toExponential(2)} points, more than ${MAX_POINTS.toExponential(0)}; pass --force to run it anyway`);
  }
  const base = baseConfig(spec.base);
  const dims = dimensions(spec);
  const rng = spec.random ? new Rng(spec.random.seed) : null;
  const points: SweepPoint[] = [];
  const [from, to] = options.range ?? [0, n];
  // A random search draws every index before `from` too: the stream gives each index its own draw.
  for (let i = rng ? 0 : Math.max(0, from); i < Math.min(n, to); i++) {
    // The random stream is consumed for every index, so a subset is the same points as in the full draw.
    const values = rng ? randomValues(spec, dims, rng) : productValues(dims, i);
    if (i < from) continue;
    if (options.only && !options.only(i)) continue;
    points.push(makePoint(base, values, i));
  }
  return points;
}

/** Hash of the spec itself (its validated form), stored with every result file. */
export function sweepHash(spec: SweepSpec): string {
  return specHash(spec);
}
