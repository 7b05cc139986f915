/**
 * @file One Web Worker per core (navigator.hardwareConcurrency) running a sweep's points in
 * contiguous ranges, handed out as workers become free so that fast and slow ranges balance. Stop
 * terminates the workers at once (a kernel block does not read messages until it returns).
 */
import { BLOCK_RUNS } from "../../src/sweep/batch.js";
import type { Row } from "../../src/sweep/rows.js";
import type { SweepSpec } from "../../src/sweep/spec.js";
import type { FromSweepWorker } from "./sweep-protocol.js";

/** What the pool tells the page. */
export interface PoolListener {
  rows(rows: Row[]): void;
  done(): void;
  error(message: string): void;
}

/**
 * Points per task: ranges small enough that every worker gets several (the page draws as each block
 * lands and the last ranges balance), and at most one kernel block.
 */
export function taskSize(points: number, workers: number): number {
  return Math.max(1, Math.min(BLOCK_RUNS, Math.ceil(points / (8 * workers))));
}

/** A running sweep. */
export class SweepPool {
  private readonly workers: Worker[] = [];
  private next = 0;
  private running = 0;
  private stopped = false;

  constructor(
    private readonly spec: SweepSpec,
    private readonly count: number,
    workers: number,
    private readonly listener: PoolListener,
  ) {
    const size = taskSize(count, workers);
    const n = Math.max(1, Math.min(workers, Math.ceil(count / size)));
    for (let w = 0; w < n; w++) {
      const worker = new Worker(new URL("./sweep-worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (e: MessageEvent<FromSweepWorker>) => this.receive(worker, e.data, size);
      worker.onerror = (e) => {
        e.preventDefault();
        this.fail(`a sweep worker stopped: ${e.message}`);
      };
      this.workers.push(worker);
      // Two tasks in flight per worker: the next one waits in the worker's queue, so a worker never
      // idles while the page is busy drawing and has not yet read its "done".
      this.launch(worker, size);
      this.launch(worker, size);
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  private launch(worker: Worker, size: number): void {
    if (this.stopped || this.next >= this.count) return;
    const from = this.next;
    const to = Math.min(this.count, from + size);
    this.next = to;
    this.running++;
    worker.postMessage({ type: "run", task: from, spec: this.spec, from, to });
  }

  private receive(worker: Worker, msg: FromSweepWorker, size: number): void {
    if (this.stopped) return;
    if (msg.type === "rows") this.listener.rows(msg.rows);
    else if (msg.type === "error") this.fail(msg.message);
    else {
      this.running--;
      this.launch(worker, size);
      if (this.running === 0 && this.next >= this.count) {
        this.terminate();
        this.listener.done();
      }
    }
  }

  private fail(message: string): void {
    if (this.stopped) return;
    this.terminate();
    this.listener.error(message);
  }

  private terminate(): void {
    this.stopped = true;
    for (const w of this.workers) w.terminate();
  }

  /** Stop at once; rows already received stay. */
  stop(): void {
    this.terminate();
  }
}
