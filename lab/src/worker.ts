/**
 * @file The simulation worker: runs the unchanged engine (`Simulation` from src/engine) off the main
 * thread, in time-budgeted slices of `advance`, and posts the records made in each slice as one batch.
 * Between slices it yields to its message queue, so pause, step, speed and reset take effect within
 * one slice (≤ SLICE_MS) even at full speed.
 */
import { Simulation } from "../../src/engine/simulate.js";
import { nextChunk } from "../../src/engine/run.js";
import { getDefaultBackend } from "../../src/engine/linalg/kernels.js";
import { packRecord, recordLayout, type RecordLayout } from "./packing.js";
import type { FromWorker, Speed, Timing, ToWorker } from "./protocol.js";

/** The dedicated-worker global as far as it is used (the lab is type-checked with DOM typings only). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Engine work per slice (ms): short enough that commands answer within about a frame. */
const SLICE_MS = 20;
/** Tick interval (ms) when a speed limit is set: about one display frame. */
const THROTTLED_TICK_MS = 16;
/** Largest backlog of steps a throttled run may catch up at once (seconds of playback). */
const MAX_CREDIT_SECONDS = 0.25;

const backend = getDefaultBackend();

/** One run in progress. */
class Run {
  readonly sim: Simulation;
  readonly layout: RecordLayout;
  /** Records made since the last flush, packed as rows. */
  private pending: Float64Array;
  private pendingCount = 0;
  running: boolean;
  speed: Speed;
  /** Steps the speed limit allows but that were not taken yet (1 at the start: step 0 is recorded at once). */
  credit = 1;
  engineMs = 0;
  wallMs = 0;
  lastTick = performance.now();
  /**
   * Steps per `advance` call, adapted so that one call takes a fraction of a slice. It starts at one
   * step: a step of a wide network can take seconds, and nothing answers while a call runs.
   */
  chunk = 1;

  constructor(
    readonly runId: number,
    spec: ConstructorParameters<typeof Simulation>[0],
    speed: Speed,
    paused: boolean,
  ) {
    this.layout = recordLayout(spec.depths.length, spec.width, spec.sharpness.top);
    this.pending = new Float64Array(this.layout.stride * 64);
    this.sim = new Simulation(spec, {
      backend,
      keepRecords: false,
      onRecord: (r) => {
        const w = this.layout.stride;
        if ((this.pendingCount + 1) * w > this.pending.length) {
          const grown = new Float64Array(this.pending.length * 2);
          grown.set(this.pending);
          this.pending = grown;
        }
        packRecord(r, this.layout, this.pending, this.pendingCount * w);
        this.pendingCount++;
      },
    });
    this.speed = speed;
    this.running = !paused;
  }

  timing(): Timing {
    return { steps: this.sim.step, engineSeconds: this.engineMs / 1000, wallSeconds: this.wallMs / 1000, backend: this.sim.system.backend };
  }

  /** Advance at most `limit` steps, timing the engine; returns the steps taken. */
  advance(limit: number): number {
    const before = this.sim.step;
    const t0 = performance.now();
    this.sim.advance(limit);
    const dt = performance.now() - t0;
    this.engineMs += dt;
    // Aim one call at a quarter of a slice (at most ×4 change per call, as the CLI does).
    this.chunk = nextChunk(this.chunk, dt, SLICE_MS / 4);
    return this.sim.step - before;
  }

  /** Post what was recorded since the last flush, and the end of the run if it ended. */
  flush(): void {
    if (this.pendingCount > 0) {
      // A copy of just the filled rows, transferred: the page receives it without deserialising.
      const rows = this.pending.slice(0, this.pendingCount * this.layout.stride);
      scope.postMessage({ type: "records", runId: this.runId, rows, count: this.pendingCount, timing: this.timing() }, [rows.buffer]);
      this.pendingCount = 0;
    } else if (!this.sim.done) {
      // Steps without a record still move the progress bar.
      scope.postMessage({ type: "progress", runId: this.runId, timing: this.timing() });
    }
    if (this.sim.done) {
      scope.postMessage({ type: "done", runId: this.runId, status: this.sim.status!, stop: this.sim.stopInfo, timing: this.timing() });
    }
  }
}

let run: Run | null = null;

/**
 * The only tick allowed to run: every `schedule` call takes a new ticket, so a tick queued before a
 * reset, a restart or a speed change is dropped instead of starting a second chain of ticks.
 */
let ticket = 0;

// A zero-delay yield: MessageChannel tasks are not clamped to 4 ms like nested setTimeout(0).
const channel = new MessageChannel();
channel.port1.onmessage = (event: MessageEvent<number>) => tick(event.data);

function schedule(r: Run): void {
  if (!r.running || r.sim.done) return;
  const t = ++ticket;
  if (r.speed === Infinity) channel.port2.postMessage(t);
  else setTimeout(() => tick(t), THROTTLED_TICK_MS);
}

function tick(t: number): void {
  const r = run;
  if (!r || t !== ticket || !r.running || r.sim.done) return;
  const now = performance.now();
  r.wallMs += now - r.lastTick;
  if (r.speed !== Infinity) r.credit = Math.min(r.credit + (r.speed * (now - r.lastTick)) / 1000, r.speed * MAX_CREDIT_SECONDS + 1);
  r.lastTick = now;
  try {
    const start = performance.now();
    while (!r.sim.done && performance.now() - start < SLICE_MS) {
      if (r.speed === Infinity) {
        r.advance(r.chunk);
      } else {
        const allowed = Math.floor(r.credit);
        if (allowed < 1) break;
        r.credit -= r.advance(Math.min(allowed, r.chunk));
      }
    }
  } catch (err) {
    fail(r, err);
    return;
  }
  const end = performance.now();
  r.wallMs += end - r.lastTick;
  r.lastTick = end;
  r.flush();
  schedule(r);
}

function fail(r: Run, err: unknown): void {
  scope.postMessage({ type: "error", runId: r.runId, message: err instanceof Error ? err.message : String(err) });
  run = null;
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case "start": {
      try {
        run = new Run(msg.runId, msg.spec, msg.speed, msg.paused);
      } catch (err) {
        scope.postMessage({ type: "error", runId: msg.runId, message: err instanceof Error ? err.message : String(err) });
        run = null;
        return;
      }
      if (run.running) schedule(run);
      return;
    }
    case "pause":
      if (run) run.running = false;
      return;
    case "resume":
      if (run && !run.sim.done) {
        run.running = true;
        run.lastTick = performance.now();
        schedule(run);
      }
      return;
    case "step":
      if (run && !run.running && !run.sim.done) {
        const t0 = performance.now();
        try {
          // One record interval: exactly one new point in the plots.
          run.advance(run.sim.nextRecordStep(run.sim.step) - run.sim.step + 1);
        } catch (err) {
          fail(run, err);
          return;
        }
        run.wallMs += performance.now() - t0;
        run.flush();
      }
      return;
    case "speed":
      if (run) {
        run.speed = msg.speed;
        run.credit = 0;
        run.lastTick = performance.now();
        // Replaces the pending tick, so a switch to full speed does not wait for a throttled timeout.
        schedule(run);
      }
      return;
    case "reset":
      run = null;
      ticket++;
      return;
  }
};

scope.postMessage({ type: "ready", backend: backend.name });
