/**
 * @file WebAssembly SIMD backend: the kernels of asm/kernels.ts (compiled by scripts/build-wasm.mjs)
 * run on a workspace's own `WebAssembly.Memory`, sized once at creation and never grown, so the
 * Float64Array views a model holds stay valid. Uses only the ECMAScript and WebAssembly JS APIs
 * (no Node built-ins), so it works in Node, worker threads and browsers.
 */
import { KERNELS_WASM_BASE64 } from "./kernels-wasm.generated.js";
import {
  axpyJs, gemmJs, hadamardAddJs, hadamardJs, jsBackend, tanhJs, TANH_CONSTANTS, transposeJs, type Backend, type Workspace,
} from "./js-kernels.js";

// The WebAssembly JS API as far as it is used here; declared locally because the portable core is
// type-checked without DOM or Node typings.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}

/** gemm_xx(m, n, k, aByteOffset, bByteOffset, cByteOffset, beta) of asm/kernels.ts. */
type GemmExport = (m: number, n: number, k: number, a: number, b: number, c: number, beta: number) => void;
/** axpy(n, alpha, xByteOffset, yByteOffset) of asm/kernels.ts. */
type AxpyExport = (n: number, alpha: number, x: number, y: number) => void;
/** tanh_d(n, z, t, d1, d2, wantD2, constants) of asm/kernels.ts (byte offsets). */
type TanhExport = (n: number, z: number, t: number, d1: number, d2: number, wantD2: number, c: number) => void;
/** hadamard(n, x, y, out) of asm/kernels.ts (byte offsets). */
type HadamardExport = (n: number, x: number, y: number, out: number) => void;
/** transpose(rows, cols, a, out) of asm/kernels.ts (byte offsets). */
type TransposeExport = (rows: number, cols: number, a: number, out: number) => void;
/** hadamard_add(n, a, b, c, d, e, out) of asm/kernels.ts (byte offsets). */
type HadamardAddExport = (n: number, a: number, b: number, c: number, d: number, e: number, out: number) => void;

const PAGE_BYTES = 65536;
/** wasm32 memories hold at most 2^16 pages (4 GiB). */
const MAX_PAGES = 65536;

/**
 * The constant table of the elementwise kernels (asm/kernels.ts explains why they read constants from
 * memory): entry i is 16 bytes, one value in both lanes, in the order of the K_* indices there.
 * Numbers are stored as doubles; `{ i64 }` entries as 64-bit integers (bit patterns). A function, not
 * a module constant: ./kernels.js imports this module, so its constants are not yet initialised
 * while this one is evaluated.
 */
function kernelConstants(): (number | { i64: bigint })[] {
  return [
    ...[...TANH_CONSTANTS.poly].reverse(), // 0 … 11: 1/13!, …, 1/2!
    TANH_CONSTANTS.invLn2, // 12
    TANH_CONSTANTS.round, // 13
    TANH_CONSTANTS.ln2Hi, // 14
    TANH_CONSTANTS.ln2Lo, // 15
    TANH_CONSTANTS.clamp, // 16
    1, // 17
    4, // 18
    -2, // 19
    0.5, // 20
    -0, // 21: the sign bit
    { i64: 0x7fffffffffffffffn }, // 22: all but the sign bit
    { i64: 1023n }, // 23: the exponent bias
  ];
}
/** Bytes reserved for the constant table after a workspace's doubles (24 entries). */
const CONSTANT_BYTES = 16 * 24;

/** Write the constant table at byte offset `at` (16-byte aligned) of `buffer`. */
function writeConstants(buffer: ArrayBuffer, at: number): void {
  const table = kernelConstants();
  if (16 * table.length !== CONSTANT_BYTES) throw new Error("kernel constant table: size mismatch");
  const f = new Float64Array(buffer, at, 2 * table.length);
  const i = new BigInt64Array(buffer, at, 2 * table.length);
  table.forEach((v, k) => {
    if (typeof v === "number") f[2 * k] = f[2 * k + 1] = v;
    else i[2 * k] = i[2 * k + 1] = v.i64;
  });
}

/**
 * Hidden, non-enumerable properties caching where a view lives: the memory it belongs to and its
 * byte offset there. Reading `byteOffset` and `buffer` costs ~7–10 ns each in Node 20 (V8 does
 * not inline them), more than a whole 4×4 product; two cached property loads cost ~2 ns
 * (measured: 63 → 19 ns per 4×4 gemm call through the workspace).
 */
const HOME: unique symbol = Symbol("dlnlab.wasmMemory");
const OFFSET: unique symbol = Symbol("dlnlab.wasmByteOffset");
type Addressed = Float64Array & { [HOME]?: ArrayBufferLike; [OFFSET]?: number };

let compiled: object | null | undefined;

/** Decode standard base64 (RFC 4648, with or without padding) without atob or Buffer. */
export function decodeBase64(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const value = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) value[alphabet.charCodeAt(i)] = i;
  let end = text.length;
  while (end > 0 && text[end - 1] === "=") end--;
  const out = new Uint8Array(Math.floor((end * 6) / 8));
  let bits = 0;
  let nbits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? value[code]! : -1;
    if (v < 0) throw new Error(`invalid base64 character at ${i}`);
    bits = ((bits << 6) | v) & 0xffffff;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out[o++] = (bits >> nbits) & 0xff;
    }
  }
  return out;
}

/** The WebAssembly namespace of this realm, or null. */
function wasmApi(): WasmApi | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api && typeof api.Module === "function" && typeof api.Memory === "function" ? api : null;
}

/** The compiled kernel module, compiled on first use; null when WebAssembly or SIMD is unavailable. */
function kernelModule(api: WasmApi): object | null {
  if (compiled === undefined) {
    try {
      // Throws a CompileError on engines without SIMD (the module uses v128 throughout).
      compiled = new api.Module(decodeBase64(KERNELS_WASM_BASE64));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/**
 * The WebAssembly SIMD backend, or null where WebAssembly or SIMD is unavailable (never throws).
 * Each `workspace(capacity)` gets its own fixed memory of ⌈8·capacity / 65536⌉ pages; `gemm` runs in
 * WebAssembly when A, B and C all live in that workspace and falls back to `gemmJs` otherwise.
 */
export function createWasmBackend(): Backend | null {
  const api = wasmApi();
  if (api === null) return null;
  const module = kernelModule(api);
  if (module === null) return null;
  try {
    // Instantiate once up front so an engine that compiles but refuses to instantiate reports null here.
    makeWorkspace(api, module, 1);
  } catch {
    return null;
  }
  return {
    name: "wasm",
    // A workspace WebAssembly cannot hold (over its 4 GiB, or a memory the process may not reserve, as
    // under `ulimit -v` of 12–32 GB) is a plain-JS one instead: the same maths to rounding, slower; its
    // `backend` says "js". Bad capacities still throw.
    workspace: (capacity: number) => {
      try {
        return makeWorkspace(api, module, capacity);
      } catch (err) {
        if (err instanceof RangeError && Number.isSafeInteger(capacity) && capacity >= 0) return jsBackend.workspace(capacity);
        throw err;
      }
    },
  };
}

/** Record on `view` (non-enumerable, read-only) that it lives at `byteOffset` in `buffer`. */
function stamp(view: Float64Array, buffer: ArrayBufferLike, byteOffset: number): void {
  Object.defineProperty(view, HOME, { value: buffer });
  Object.defineProperty(view, OFFSET, { value: byteOffset });
}

function makeWorkspace(api: WasmApi, module: object, capacity: number): Workspace {
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new RangeError(`workspace capacity must be a non-negative integer number of doubles, got ${capacity}`);
  }
  // The doubles handed out by alloc come first, then the kernels' constant table (16-byte aligned).
  const constants = Math.ceil((capacity * 8) / 16) * 16;
  const pages = Math.max(1, Math.ceil((constants + CONSTANT_BYTES) / PAGE_BYTES));
  if (pages > MAX_PAGES) throw new RangeError(`workspace of ${capacity} doubles exceeds the 4 GiB WebAssembly limit`);
  // maximum = initial: memory.grow fails instead of detaching the views handed out by alloc.
  const memory = new api.Memory({ initial: pages, maximum: pages });
  const instance = new api.Instance(module, { env: { memory } });
  const buffer = memory.buffer;
  const heap = new Float64Array(buffer, 0, capacity);
  writeConstants(buffer, constants);

  /** Byte offset of `x` in this workspace's memory, or −1 when `x` lives elsewhere. */
  function addressOf(x: Addressed): number {
    const home = x[HOME];
    if (home === buffer) return x[OFFSET]!;
    if (home !== undefined || x.buffer !== buffer) return -1;
    // A view of this memory that alloc did not hand out (e.g. a model's subarray of an alloc'd
    // block): views never move and the memory never grows, so the offset can be cached for good.
    const offset = x.byteOffset;
    if (Object.isExtensible(x)) stamp(x, buffer, offset);
    return offset;
  }
  const nn = instance.exports.gemm_nn as GemmExport;
  const tn = instance.exports.gemm_tn as GemmExport;
  const nt = instance.exports.gemm_nt as GemmExport;
  const tt = instance.exports.gemm_tt as GemmExport;
  const axpy = instance.exports.axpy as AxpyExport;
  const tanh = instance.exports.tanh_d as TanhExport;
  const hadamard = instance.exports.hadamard as HadamardExport;
  const hadamardAdd = instance.exports.hadamard_add as HadamardAddExport;
  const transpose = instance.exports.transpose as TransposeExport;
  let used = 0;

  function tooShort(what: string, n: number, arrays: Float64Array[]): never {
    throw new RangeError(`${what} of ${n} elements: arrays too short (lengths ${arrays.map((a) => a.length).join(", ")})`);
  }

  return {
    backend: "wasm",
    alloc(length: number): Float64Array {
      if (!Number.isSafeInteger(length) || length < 0) {
        throw new RangeError(`alloc length must be a non-negative integer, got ${length}`);
      }
      if (used + length > capacity) {
        throw new Error(`workspace exhausted: asked for ${length} doubles, ${capacity - used} left`);
      }
      const view = heap.subarray(used, used + length);
      stamp(view, buffer, used * 8);
      used += length;
      return view;
    },
    gemm(m, n, k, a, transA, b, transB, c, beta): void {
      const pa = addressOf(a);
      const pb = addressOf(b);
      const pc = addressOf(c);
      if (pa < 0 || pb < 0 || pc < 0) {
        gemmJs(m, n, k, a, transA, b, transB, c, beta);
        return;
      }
      // Out-of-range offsets would silently read or overwrite a neighbouring buffer of the workspace.
      if (a.length < m * k || b.length < k * n || c.length < m * n) {
        throw new RangeError(
          `gemm ${m}×${n}×${k}: arrays too short (A ${a.length} < ${m * k}, B ${b.length} < ${k * n} or C ${c.length} < ${m * n})`,
        );
      }
      const kernel = transA ? (transB ? tt : tn) : transB ? nt : nn;
      kernel(m, n, k, pa, pb, pc, beta);
    },
    axpy(n, alpha, x, y): void {
      const px = addressOf(x);
      const py = addressOf(y);
      if (px < 0 || py < 0) {
        axpyJs(n, alpha, x, y);
        return;
      }
      if (x.length < n || y.length < n) {
        throw new RangeError(`axpy of ${n} elements: arrays too short (x ${x.length}, y ${y.length})`);
      }
      axpy(n, alpha, px, py);
    },
    tanh(n, z, t, d1, d2): void {
      const pz = addressOf(z);
      const pt = addressOf(t);
      const p1 = addressOf(d1);
      const p2 = d2 === null ? 0 : addressOf(d2);
      if (pz < 0 || pt < 0 || p1 < 0 || p2 < 0) {
        tanhJs(n, z, t, d1, d2);
        return;
      }
      if (z.length < n || t.length < n || d1.length < n || (d2 !== null && d2.length < n)) {
        tooShort("tanh", n, d2 === null ? [z, t, d1] : [z, t, d1, d2]);
      }
      tanh(n, pz, pt, p1, p2, d2 === null ? 0 : 1, constants);
    },
    hadamard(n, x, y, out): void {
      const px = addressOf(x);
      const py = addressOf(y);
      const po = addressOf(out);
      if (px < 0 || py < 0 || po < 0) {
        hadamardJs(n, x, y, out);
        return;
      }
      if (x.length < n || y.length < n || out.length < n) tooShort("hadamard", n, [x, y, out]);
      hadamard(n, px, py, po);
    },
    hadamardAdd(n, a, b, c, d, e, out): void {
      const pa = addressOf(a);
      const pb = addressOf(b);
      const pc = addressOf(c);
      const pd = addressOf(d);
      const pe = addressOf(e);
      const po = addressOf(out);
      if (pa < 0 || pb < 0 || pc < 0 || pd < 0 || pe < 0 || po < 0) {
        hadamardAddJs(n, a, b, c, d, e, out);
        return;
      }
      if (a.length < n || b.length < n || c.length < n || d.length < n || e.length < n || out.length < n) {
        tooShort("hadamardAdd", n, [a, b, c, d, e, out]);
      }
      hadamardAdd(n, pa, pb, pc, pd, pe, po);
    },
    transpose(rows, cols, a, out): void {
      const pa = addressOf(a);
      const po = addressOf(out);
      if (pa < 0 || po < 0) {
        transposeJs(rows, cols, a, out);
        return;
      }
      if (a.length < rows * cols || out.length < rows * cols) tooShort("transpose", rows * cols, [a, out]);
      transpose(rows, cols, pa, po);
    },
  };
}
