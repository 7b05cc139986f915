/**
 * @file Dense kernels on contiguous row-major Float64Arrays, behind a small backend interface so a
 * WebAssembly implementation can replace the plain-JS one. A model asks its backend for one
 * fixed-capacity workspace at construction and carves every buffer it needs out of it; the step
 * loops then call `gemm` on those buffers and allocate nothing.
 *
 * The default backend is WebAssembly SIMD (./wasm.ts) where the engine supports it, else plain JS;
 * `getDefaultBackend().name` says which, and `setDefaultBackend(jsBackend)` forces JS.
 */
import { createWasmBackend } from "./wasm.js";
import type { Backend } from "./js-kernels.js";
import { jsBackend } from "./js-kernels.js";

export * from "./js-kernels.js";

/** Chosen on first use, so that merely importing the engine compiles no WebAssembly. */
let defaultBackend: Backend | null = null;

/**
 * The backend new models use unless told otherwise: WebAssembly SIMD ("wasm") when this engine
 * supports it, else plain JS ("js"). Its `name` tells which is in use, in any environment.
 */
export function getDefaultBackend(): Backend {
  if (defaultBackend === null) defaultBackend = createWasmBackend() ?? jsBackend;
  return defaultBackend;
}

/** Replace the default backend, e.g. `setDefaultBackend(jsBackend)` to force plain JS. */
export function setDefaultBackend(backend: Backend): void {
  defaultBackend = backend;
}
