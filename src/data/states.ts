/**
 * @file Exact network states as named NumPy arrays (the layout of `initial.npz`, `final.npz` and
 * `--init-from`): `W{k}_{l}` is layer l of pathway k (both 1-based, layer 1 applied first) as an
 * out×in float64 matrix, `b{k}_{l}` its bias (MLPs with biases), and the target `Y = U diag(S) Vᵀ`
 * with `U`, `S`, `V` (U, V with the singular vectors as columns); MLPs also carry their input `X`
 * (d_in × n, one sample per column). A network maps x ↦ Σ_k W{k}_{L_k} φ(⋯ φ(W{k}_1 x + b{k}_1) ⋯),
 * φ = identity for the linear network, so in NumPy `F = sum(W[k][L] @ … @ W[k][1] for k)`.
 */
import type { Simulation, SimulationSpec } from "../engine/simulate.js";
import type { Target } from "../engine/target.js";
import { balancedToLayers } from "../engine/measure/hessian-blocks.js";
import { NpyFormatError, type NpyArray } from "./npz.js";

/** One parameter block of θ: its array name, shape and offset. */
interface Block {
  name: string;
  shape: number[];
  offset: number;
}

/**
 * The blocks of θ of a full-matrix DLN or MLP run in θ order: pathway by pathway, layer by layer,
 * each layer's weights (row-major) then its bias. A DLN is the bias-free case with h_k = d_in = d.
 */
function parameterBlocks(spec: SimulationSpec): Block[] {
  const d = spec.width;
  const mlp = spec.model === "mlp" ? spec.mlp : undefined;
  const dIn = mlp?.input ? mlp.input.length : d;
  const blocks: Block[] = [];
  let offset = 0;
  spec.depths.forEach((L, k) => {
    const h = mlp ? mlp.hidden[k]! : d;
    for (let l = 0; l < L; l++) {
      const rows = l === L - 1 ? d : h;
      const cols = l === 0 ? dIn : h;
      blocks.push({ name: `W${k + 1}_${l + 1}`, shape: [rows, cols], offset });
      offset += rows * cols;
      if (mlp?.bias) {
        blocks.push({ name: `b${k + 1}_${l + 1}`, shape: [rows], offset });
        offset += rows;
      }
    }
  });
  return blocks;
}

/** True when `spec` describes a model whose state these files hold (the linear network and the MLP). */
export function hasStateFiles(spec: SimulationSpec): boolean {
  return spec.model === undefined || spec.model === "dln" || spec.model === "mlp";
}

function targetArrays(target: Target): [string, NpyArray][] {
  const d = target.d;
  return [
    ["Y", { shape: [d, d], data: Float64Array.from(target.Y) }],
    ["U", { shape: [d, d], data: Float64Array.from(target.U) }],
    ["S", { shape: [d], data: Float64Array.from(target.sigma) }],
    ["V", { shape: [d, d], data: Float64Array.from(target.V) }],
  ];
}

/**
 * Full matrices of an exact reduced (SVS) state: with per-layer, per-mode scalars x_{k,l,i},
 * W_{k,1} = U diag(x_{k,1}) Vᵀ and W_{k,l} = U diag(x_{k,l}) Uᵀ for l ≥ 2 (docs/theory.md §2).
 */
function reducedLayers(sim: Simulation): Float64Array {
  const { depths, width: d } = sim.spec;
  const x = sim.system.kind === "balanced" ? balancedToLayers(sim.system.state, depths, d) : sim.system.state;
  const { U, V } = sim.target;
  const theta = new Float64Array(depths.reduce((a, L) => a + L, 0) * d * d);
  let layer = 0;
  for (const L of depths) {
    for (let l = 0; l < L; l++, layer++) {
      const right = l === 0 ? V : U;
      const o = layer * d * d;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          let acc = 0;
          for (let i = 0; i < d; i++) acc += U[a * d + i]! * x[layer * d + i]! * right[b * d + i]!;
          theta[o + a * d + b] = acc;
        }
      }
    }
  }
  return theta;
}

/** The current state of a DLN or MLP run as named arrays (weights, biases, target, MLP input). */
export function stateArrays(sim: Simulation): Map<string, NpyArray> {
  const spec = sim.spec;
  if (!hasStateFiles(spec)) throw new RangeError(`state files: model ${spec.model} has no W/b layout`);
  const reduced = sim.system.kind === "balanced" || sim.system.kind === "layers";
  const theta = reduced ? reducedLayers(sim) : sim.system.state;
  const out = new Map<string, NpyArray>();
  for (const b of parameterBlocks(spec)) {
    const n = b.shape.reduce((a, c) => a * c, 1);
    out.set(b.name, { shape: b.shape, data: Float64Array.from(theta.subarray(b.offset, b.offset + n)) });
  }
  for (const [name, a] of targetArrays(sim.target)) out.set(name, a);
  const input = spec.model === "mlp" ? spec.mlp?.input : undefined;
  if (spec.model === "mlp") {
    const d = spec.width;
    const X = input ? Float64Array.from(input.flat()) : Float64Array.from({ length: d * d }, (_, j) => (j % (d + 1) === 0 ? 1 : 0));
    out.set("X", { shape: [input ? input.length : d, d], data: X });
  }
  return out;
}

/** Arrays a state file may hold besides the parameters; they describe the run and are not read back. */
const DESCRIPTIVE = new Set(["Y", "U", "S", "V", "X"]);

/**
 * The parameter vector θ of a full-matrix DLN or MLP run from named arrays, checking that every
 * `W{k}_{l}` (and `b{k}_{l}` with biases) is present with the shape the run needs and that no
 * other parameter array is there. Throws NpyFormatError with a one-line message naming the array.
 */
export function stateFromArrays(spec: SimulationSpec, arrays: ReadonlyMap<string, NpyArray>): Float64Array {
  const blocks = parameterBlocks(spec);
  const last = blocks[blocks.length - 1]!;
  const theta = new Float64Array(last.offset + last.shape.reduce((a, b) => a * b, 1));
  const K = spec.depths.length;
  for (const b of blocks) {
    const a = arrays.get(b.name);
    const [k, l] = b.name.slice(1).split("_").map(Number) as [number, number];
    const what = b.name.startsWith("b") ? `the bias of layer ${l} of pathway ${k}` : `layer ${l} of pathway ${k} (out×in)`;
    if (!a) throw new NpyFormatError(`${b.name} is missing: the run needs ${what}, shape ${b.shape.join("×")}`);
    if (a.shape.length !== b.shape.length || a.shape.some((n, j) => n !== b.shape[j])) {
      throw new NpyFormatError(`${b.name} has shape ${a.shape.join("×") || "() (a scalar)"}; the run needs ${b.shape.join("×")} for ${what}`);
    }
    const bad = a.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new NpyFormatError(`${b.name} has a non-finite entry (${a.data[bad]}) at flat index ${bad}`);
    theta.set(a.data, b.offset);
  }
  const known = new Set(blocks.map((b) => b.name));
  for (const name of arrays.keys()) {
    if (known.has(name) || DESCRIPTIVE.has(name)) continue;
    const m = /^([Wb])(\d+)_(\d+)$/.exec(name);
    if (m && m[1] === "b") throw new NpyFormatError(`${name}: the run has no biases (set mlp.bias / --bias on to use them)`);
    if (m) {
      const k = Number(m[2]);
      throw new NpyFormatError(k > K ? `${name}: the run has ${K} pathways` : `${name}: pathway ${k} has depth ${spec.depths[k - 1]}`);
    }
    throw new NpyFormatError(`${name}: unexpected array (expected W{k}_{l}${spec.model === "mlp" && spec.mlp?.bias ? ", b{k}_{l}" : ""}, Y, U, S, V, X)`);
  }
  return theta;
}
