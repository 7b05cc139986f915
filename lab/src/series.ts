/**
 * @file The page-side store of one run: the records as packed rows (exactly as the worker made them;
 * unpacked on demand for the CSV and JSON exports, which must equal the CLI's) and growable float64
 * columns of what the plots draw, so a redraw never touches record objects. DOM-free.
 */
import type { TrajectoryRecord } from "../../src/engine/types.js";
import { columnOffsets, recordLayout, unpackRecord, type RecordLayout } from "./packing.js";

/** A growable Float64Array (doubling), read through `data` up to `length`. */
export class Column {
  data = new Float64Array(1024);
  length = 0;

  /** Append one value. */
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** One run's records (K pathways, d modes, `top` eigenvalues) and the columns the plots read. NaN marks "not measured". */
export class RunData {
  readonly layout: RecordLayout;
  private rows: Float64Array;
  private count = 0;
  private lastRecord: TrajectoryRecord | undefined;
  readonly step = new Column();
  /** Σ η_τ (GD) or the integration time (gradient flow). */
  readonly time = new Column();
  readonly loss = new Column();
  /** λ_max where measured, else NaN. */
  readonly sharpness = new Column();
  /** 2/η_t (NaN for gradient flow). */
  readonly stability = new Column();
  /** s[k][i] in column k·d + i. */
  readonly s: Column[];
  /** Balance index per mode. */
  readonly balance: Column[];

  constructor(readonly K: number, readonly d: number, top: number) {
    this.layout = recordLayout(K, d, top);
    this.rows = new Float64Array(this.layout.stride * 256);
    this.s = Array.from({ length: K * d }, () => new Column());
    this.balance = Array.from({ length: d }, () => new Column());
  }

  /** Number of records. */
  get length(): number {
    return this.count;
  }

  /** Record i (0 = first), as the engine made it. */
  record(i: number): TrajectoryRecord {
    return unpackRecord(this.rows, this.layout, i * this.layout.stride);
  }

  /** The last record, if any. */
  get last(): TrajectoryRecord | undefined {
    if (this.count > 0 && !this.lastRecord) this.lastRecord = this.record(this.count - 1);
    return this.lastRecord;
  }

  /** Append `n` packed rows (layout `this.layout`), in step order. */
  append(rows: Float64Array, n: number): void {
    const w = this.layout.stride;
    if ((this.count + n) * w > this.rows.length) {
      const grown = new Float64Array(Math.max(2 * this.rows.length, (this.count + n) * w));
      grown.set(this.rows.subarray(0, this.count * w));
      this.rows = grown;
    }
    this.rows.set(rows.subarray(0, n * w), this.count * w);
    const o = columnOffsets(this.layout);
    for (let j = 0; j < n; j++) {
      const p = j * w;
      this.step.push(rows[p + o.step]!);
      this.time.push(rows[p + o.time]!);
      this.loss.push(rows[p + o.loss]!);
      this.sharpness.push(rows[p + o.count]! > 0 ? rows[p + o.sharpness]! : Number.NaN);
      const lr = rows[p + o.lr]!;
      this.stability.push(Number.isNaN(lr) ? Number.NaN : 2 / lr);
      for (let c = 0; c < this.K * this.d; c++) this.s[c]!.push(rows[p + o.s + c]!);
      for (let i = 0; i < this.d; i++) this.balance[i]!.push(rows[p + o.balance + i]!);
    }
    this.count += n;
    this.lastRecord = undefined;
  }
}
