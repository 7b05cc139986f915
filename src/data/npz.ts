/**
 * @file NumPy's `.npz` format, portable (Uint8Array in and out, no Node modules): a zip archive (the
 * container is fflate's) of `.npy` files, one per array. Written: float64 little-endian, C order,
 * format version 1.0, entries stored uncompressed, exactly what `numpy.savez` reads. Read: what
 * `numpy.savez` and `numpy.savez_compressed` write for real arrays — `<f8`, `>f8`, `<f4`, `>f4`, C or
 * Fortran order, header versions 1–3 — returned as C-order float64. The .npy header is a tiny fixed
 * format (magic, version, length, a Python dict literal), parsed here rather than through a library.
 */
import { unzipSync, zipSync } from "fflate";

/** One n-dimensional float64 array in C (row-major) order. */
export interface NpyArray {
  /** Shape, e.g. [rows, cols]; [] for a scalar. */
  shape: number[];
  /** The entries, row-major; length = product of the shape. */
  data: Float64Array;
}

/** A .npy or .npz file that cannot be read; the message names the array. */
export class NpyFormatError extends Error {
  override readonly name = "NpyFormatError";
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Encode one float64 array as a .npy file (version 1.0, `<f8`, C order). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) throw new RangeError(`npy: shape ${array.shape.join("×")} holds ${count} entries, data has ${array.data.length}`);
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(", ")})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  // Magic (6) + version (2) + length (2) + header + "\n", padded with spaces to a multiple of 64 bytes.
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + 8 * count);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, out.byteOffset + 10 + header.length, 8 * count);
  for (let i = 0; i < count; i++) view.setFloat64(8 * i, array.data[i]!, true);
  return out;
}

/** Decode a .npy file of real floats into C-order float64; `name` labels errors. */
export function decodeNpy(bytes: Uint8Array, name = "array"): NpyArray {
  const fail = (why: string): never => {
    throw new NpyFormatError(`${name}: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail("not a .npy array (bad magic bytes)");
  const major = bytes[6]!;
  const wide = major >= 2;
  if (major < 1 || major > 3) fail(`unsupported .npy version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = wide ? 12 : 10;
  if (start + headerLength > bytes.length) fail("truncated header");
  let header = "";
  for (let i = 0; i < headerLength; i++) header += String.fromCharCode(bytes[start + i]!);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail("malformed header (needs descr, fortran_order and shape)");
  const shape = shapeText!.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) fail(`bad shape (${shapeText})`);
  const kinds: Record<string, { size: number; little: boolean }> = {
    "<f8": { size: 8, little: true }, ">f8": { size: 8, little: false }, "<f4": { size: 4, little: true }, ">f4": { size: 4, little: false },
  };
  const kind = kinds[descr!] ?? fail(`dtype ${descr} is not supported (float64 or float32 expected)`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLength;
  if (bytes.length - dataStart < count * kind.size) fail(`truncated data (${count} entries of ${kind.size} bytes expected)`);
  const raw = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = dataStart + i * kind.size;
    raw[i] = kind.size === 8 ? view.getFloat64(at, kind.little) : view.getFloat32(at, kind.little);
  }
  if (fortran === "False" || shape.length < 2) return { shape, data: raw };
  // Fortran order: the first index varies fastest. Reorder into C order.
  const data = new Float64Array(count);
  const strides = shape.map((_, j) => shape.slice(0, j).reduce((a, b) => a * b, 1));
  const index = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < count; c++) {
    let f = 0;
    for (let j = 0; j < shape.length; j++) f += index[j]! * strides[j]!;
    data[c] = raw[f]!;
    for (let j = shape.length - 1; j >= 0; j--) {
      if (++index[j]! < shape[j]!) break;
      index[j] = 0;
    }
  }
  return { shape, data };
}

/** Encode named arrays as a .npz archive (entries `NAME.npy`, stored uncompressed, in the given order). */
export function encodeNpz(arrays: ReadonlyMap<string, NpyArray>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, a] of arrays) files[`${name}.npy`] = [encodeNpy(a), { level: 0 }];
  // A fixed timestamp: the same arrays give the same bytes (zip's DOS time starts in 1980).
  return zipSync(files, { mtime: new Date(1980, 0, 1) });
}

/** Decode a .npz archive (stored or deflated) into its arrays, by name without `.npy`. */
export function decodeNpz(bytes: Uint8Array): Map<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    throw new NpyFormatError(`not a .npz (zip) archive (${(err as Error).message})`);
  }
  const out = new Map<string, NpyArray>();
  for (const [file, content] of Object.entries(files)) {
    if (file.endsWith("/")) continue;
    const name = file.replace(/\.npy$/, "");
    out.set(name, decodeNpy(content, name));
  }
  return out;
}
