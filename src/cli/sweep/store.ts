/**
 * @file Where a sweep's results live: `DIR/spec.json` (the validated spec), `DIR/runs-NNNNNN.parquet`
 * chunks written atomically as runs finish (DuckDB writes a temporary name, then it is renamed), each
 * carrying the spec, its hash, the dlnlab version and the column descriptions as Parquet key-value
 * metadata, and `DIR/.dlnlab.lock` with the pid of the sweep writing DIR (the lock of src/cli/io.ts).
 * With `trajectories` in the spec, chunk N's trajectory rows are `DIR/trajectories-NNNNNN.parquet`,
 * renamed into place before `runs-NNNNNN.parquet`: a runs chunk present means its trajectories are,
 * and a trajectories chunk without its runs chunk (a write cut between the two) is removed on open.
 * SQL runs over the views `runs` and `trajectories`.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { VERSION } from "../../version.js";
import { UsageError } from "../errors.js";
import { acquireDirLock, makeDirs, type DirLock } from "../io.js";
import type { Cell, Row, RunColumn } from "../../sweep/rows.js";
import type { SweepSpec } from "../../sweep/spec.js";

/** File name pattern of result chunks. */
const CHUNK = /^runs-(\d{6})\.parquet$/;
/** File name pattern of trajectory chunks (the rows of the runs chunk with the same number). */
const TRAJECTORY_CHUNK = /^trajectories-(\d{6})\.parquet$/;

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** SQL identifier. */
function ident(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** Result chunks present in DIR, in order (trajectory chunks with `pattern`). */
export function chunkFiles(dir: string, pattern: RegExp = CHUNK): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => join(dir, f)) : [];
}

/** Shard directories of a sharded sweep, DIR/shards/I-of-N (written by `dlnlab sweep --shard I/N`), in order. */
export function shardDirs(dir: string): { path: string; index: number; count: number }[] {
  const root = join(dir, "shards");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => ({ name, m: /^(\d+)-of-(\d+)$/.exec(name) }))
    .filter((x) => x.m)
    .map(({ name, m }) => ({ path: join(root, name), index: Number(m![1]), count: Number(m![2]) }))
    .sort((a, b) => a.count - b.count || a.index - b.index);
}

/** Result chunks of DIR and of its shard directories: the files of the table `runs` (of `trajectories` with `pattern`). */
export function allChunkFiles(dir: string, pattern: RegExp = CHUNK): string[] {
  return [...chunkFiles(dir, pattern), ...shardDirs(dir).flatMap((s) => chunkFiles(s.path, pattern))];
}

/**
 * An in-memory DuckDB connection with the view `runs` over DIR's chunks and those of its shards (if
 * any), and `trajectories` over their trajectory chunks (if any). The file lists are taken once:
 * chunks appear by rename, so shards still running add whole files. A trajectory chunk counts only
 * beside its runs chunk (the runs chunk is renamed last).
 */
export async function openRuns(dir: string): Promise<{ connection: DuckDBConnection; close: () => void; files: string[] }> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const files = allChunkFiles(dir);
  const present = new Set(files);
  const trajectories = allChunkFiles(dir, TRAJECTORY_CHUNK).filter((f) => present.has(runsChunkOf(f)));
  const view = async (name: string, list: string[]) => {
    if (list.length > 0) await connection.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet([${list.map((f) => sqlString(resolve(f))).join(", ")}], union_by_name = true)`);
  };
  await view("runs", files);
  await view("trajectories", trajectories);
  return { connection, files, close: () => { connection.closeSync(); instance.closeSync(); } };
}

/** The runs chunk whose rows a trajectory chunk belongs to. */
function runsChunkOf(trajectoryFile: string): string {
  return trajectoryFile.replace(/trajectories-(\d{6})\.parquet$/, "runs-$1.parquet");
}

/** Key-value metadata of a chunk file, as strings. */
export async function chunkMetadata(connection: DuckDBConnection, file: string): Promise<Record<string, string>> {
  const reader = await connection.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(file)})`);
  const out: Record<string, string> = {};
  for (const row of reader.getRowObjectsJS()) out[String(row.k)] = String(row.v);
  return out;
}

/**
 * DIR/spec.json for this spec: written (atomically) when absent, otherwise it must have the same hash;
 * results of another spec in DIR are refused with a message naming --out.
 */
export function claimSpec(dir: string, spec: SweepSpec, specHash: string): void {
  const specPath = join(dir, "spec.json");
  if (existsSync(specPath)) {
    const previous = JSON.parse(readFileSync(specPath, "utf8")) as { hash?: string };
    if (previous.hash !== specHash) {
      throw new UsageError(`--out: ${dir} holds results of another sweep spec (hash ${previous.hash}, this one ${specHash}); use a new directory`);
    }
    return;
  }
  makeDirs(dir);
  // A per-process temporary name: shards starting at once may all write the (identical) file.
  const tmp = join(dir, `.spec.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify({ hash: specHash, version: VERSION, spec }, null, 2) + "\n");
  renameSync(tmp, specPath);
}

/** Writes a sweep's result chunks and holds its lock. */
export class SweepStore {
  private seq: number;
  private constructor(
    readonly dir: string,
    private readonly connection: DuckDBConnection,
    private readonly closeDb: () => void,
    private readonly lock: DirLock,
    private readonly columns: readonly RunColumn[],
    private readonly trajectoryColumns: readonly RunColumn[],
    private readonly metadata: Record<string, string>,
    lastSeq: number,
  ) {
    this.seq = lastSeq + 1;
  }

  /**
   * Open DIR for a sweep: take the lock, refuse results of another spec, and return the store with
   * the (point, hash) pairs already done.
   */
  static async open(
    dir: string, spec: SweepSpec, specHash: string, columns: readonly RunColumn[], trajectoryColumns: readonly RunColumn[] = [],
  ): Promise<{ store: SweepStore; done: Map<number, string> }> {
    const lock = acquireDirLock(dir);
    try {
      claimSpec(dir, spec, specHash);
      // Leftovers of an interrupted write never count: only renamed chunks are results, and a
      // trajectory chunk only with its runs chunk (those points are computed again).
      for (const f of readdirSync(dir)) if (f.startsWith(".chunk-")) rmSync(join(dir, f));
      const own = new Set(chunkFiles(dir));
      for (const f of chunkFiles(dir, TRAJECTORY_CHUNK)) if (!own.has(runsChunkOf(f))) rmSync(f);
      const { connection, close, files } = await openRuns(dir);
      const done = new Map<number, string>();
      for (const file of files) {
        const meta = await chunkMetadata(connection, file);
        if (meta.sweep_hash !== specHash) throw new UsageError(`--out: ${file} belongs to another sweep (hash ${meta.sweep_hash}); use a new directory`);
      }
      if (files.length > 0) {
        const reader = await connection.runAndReadAll("SELECT point, hash FROM runs");
        for (const [p, h] of reader.getRowsJS()) done.set(Number(p), String(h));
      }
      const chunks = chunkFiles(dir);
      const last = chunks.length > 0 ? Number(CHUNK.exec(chunks[chunks.length - 1]!.slice(dir.length + 1))?.[1] ?? -1) : -1;
      const metadata = { sweep_hash: specHash, dlnlab_version: VERSION, spec: JSON.stringify(spec) };
      return { store: new SweepStore(dir, connection, close, lock, columns, trajectoryColumns, metadata, last), done };
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /**
   * Write rows as one new chunk, atomically, with their runs' trajectory rows (if any) as the
   * trajectory chunk of the same number, renamed into place first.
   */
  async write(rows: readonly Row[], trajectories: readonly Row[] = []): Promise<string | null> {
    if (rows.length === 0) return null;
    const seq = String(this.seq++).padStart(6, "0");
    if (trajectories.length > 0) await this.writeFile(`trajectories-${seq}.parquet`, this.trajectoryColumns, trajectories);
    return this.writeFile(`runs-${seq}.parquet`, this.columns, rows);
  }

  private async writeFile(name: string, columns: readonly RunColumn[], rows: readonly Row[]): Promise<string> {
    const tmp = join(this.dir, `.chunk-${process.pid}-${name}`);
    const c = this.connection;
    await c.run(`CREATE OR REPLACE TABLE chunk (${columns.map((col) => `${ident(col.name)} ${col.type}`).join(", ")})`);
    const appender = await c.createAppender("chunk");
    for (const row of rows) {
      for (const col of columns) appendCell(appender, col.type, row[col.name] ?? null);
      appender.endRow();
    }
    appender.closeSync();
    const kv = Object.entries({ ...this.metadata, columns: JSON.stringify(columns) }).map(([k, v]) => `${k}: ${sqlString(v)}`).join(", ");
    await c.run(`COPY chunk TO ${sqlString(tmp)} (FORMAT parquet, KV_METADATA {${kv}})`);
    renameSync(tmp, join(this.dir, name));
    return name;
  }

  /** Close the database and release the lock. */
  close(): void {
    this.closeDb();
    this.lock.release();
  }
}

type Appender = Awaited<ReturnType<DuckDBConnection["createAppender"]>>;

function appendCell(a: Appender, type: RunColumn["type"], v: Cell): void {
  if (v === null || (typeof v === "number" && !Number.isFinite(v))) return a.appendNull();
  switch (type) {
    case "DOUBLE": return a.appendDouble(Number(v));
    case "BIGINT": return a.appendBigInt(BigInt(v as number));
    case "BOOLEAN": return a.appendBoolean(Boolean(v));
    case "VARCHAR": return a.appendVarchar(String(v));
  }
}

