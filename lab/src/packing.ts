/**
 * @file Records as rows of one Float64Array, for the trip from the worker to the page: a transferred
 * buffer costs nothing to receive, while 10⁵ record objects with their nested arrays cost the page
 * ~0.3 s of deserialisation and ~0.2 s of garbage collection (measured, record every step of the
 * 10⁵-step reference run). Every float64 survives exactly, so unpacked records print the same CSV. DOM-free.
 */
import type { TrajectoryRecord } from "../../src/engine/types.js";

/** Row layout for K pathways, d modes and `top` measured eigenvalues. */
export interface RecordLayout {
  K: number;
  d: number;
  top: number;
  /** Doubles per row: step, time, lr, loss, drift, sharpness count, sharpness[top], residual[d], s[K·d], balance[d], gap[d], leaf[K·d]. */
  stride: number;
}

/** The layout of records with K pathways, d modes and `top` sharpness values. */
export function recordLayout(K: number, d: number, top: number): RecordLayout {
  return { K, d, top, stride: 6 + top + 3 * d + 2 * K * d };
}

/** Write record `r` at `offset` of `out` (which must hold `layout.stride` doubles from there). */
export function packRecord(r: TrajectoryRecord, L: RecordLayout, out: Float64Array, offset: number): void {
  let p = offset;
  out[p++] = r.step;
  out[p++] = r.time;
  out[p++] = r.lr;
  out[p++] = r.loss;
  out[p++] = r.drift;
  // A count, not NaN, marks "not measured" (−1): a measured eigenvalue may itself be NaN.
  out[p++] = r.sharpness === null ? -1 : r.sharpness.length;
  for (let j = 0; j < L.top; j++) out[p++] = r.sharpness?.[j] ?? Number.NaN;
  for (let i = 0; i < L.d; i++) out[p++] = r.residual[i]!;
  for (let k = 0; k < L.K; k++) for (let i = 0; i < L.d; i++) out[p++] = r.s[k]![i]!;
  for (let i = 0; i < L.d; i++) out[p++] = r.balanceIndex[i]!;
  for (let i = 0; i < L.d; i++) out[p++] = r.gap[i]!;
  for (let k = 0; k < L.K; k++) for (let i = 0; i < L.d; i++) out[p++] = r.leaf[k]![i]!;
}

/** The record stored at `offset` (inverse of packRecord). */
export function unpackRecord(buf: Float64Array, L: RecordLayout, offset: number): TrajectoryRecord {
  let p = offset;
  const next = () => buf[p++]!;
  const take = (n: number) => Array.from({ length: n }, next);
  const step = next();
  const time = next();
  const lr = next();
  const loss = next();
  const drift = next();
  const measured = next();
  const sharp = take(L.top);
  const residual = take(L.d);
  const s = Array.from({ length: L.K }, () => take(L.d));
  const balanceIndex = take(L.d);
  const gap = take(L.d);
  const leaf = Array.from({ length: L.K }, () => take(L.d));
  return { step, time, lr, loss, residual, s, balanceIndex, gap, leaf, drift, sharpness: measured < 0 ? null : sharp.slice(0, measured) };
}

/** Offsets of columns in a row (for reading one quantity without unpacking the record). */
export function columnOffsets(L: RecordLayout): { step: number; time: number; lr: number; loss: number; count: number; sharpness: number; s: number; balance: number } {
  const sharpness = 6;
  const residual = sharpness + L.top;
  const s = residual + L.d;
  const balance = s + L.K * L.d;
  return { step: 0, time: 1, lr: 2, loss: 3, count: 5, sharpness, s, balance };
}
