/**
 * @file Is there a Slurm cluster to test against? `sinfo` must answer within a few seconds and show a
 * node that takes jobs (idle or mixed). Tests that need Slurm skip with the reason when there is none
 * (so `npm test` works on a laptop), unless DLNLAB_REQUIRE_SLURM=1 (set by .ci/run, which starts a
 * one-node cluster with scripts/slurm/start.sh): then a missing cluster fails the suite instead.
 */
import { spawnSync } from "node:child_process";
import { describe, it } from "vitest";

/** Whether a usable cluster answers, and why not. */
export type SlurmProbe = { ok: true; nodes: string } | { ok: false; reason: string };

/** Ask sinfo for nodes that accept work. */
export function probeSlurm(): SlurmProbe {
  const r = spawnSync("sinfo", ["-h", "-o", "%n %T"], { encoding: "utf8", timeout: 10_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, reason: "sinfo is not installed (scripts/slurm/start.sh sets up a one-node cluster)" };
    if (code === "ETIMEDOUT") return { ok: false, reason: "sinfo did not answer within 10 s (no slurmctld running? start one with scripts/slurm/start.sh)" };
    return { ok: false, reason: `sinfo: ${r.error.message}` };
  }
  if (r.status !== 0) return { ok: false, reason: `sinfo failed: ${(r.stderr || r.stdout).trim().split("\n")[0]} (start a cluster with scripts/slurm/start.sh)` };
  const usable = r.stdout.split("\n").filter((l) => /\s(idle|mixed)$/.test(l.trim()));
  if (usable.length === 0) return { ok: false, reason: `no idle node: sinfo shows ${JSON.stringify(r.stdout.trim())}` };
  return { ok: true, nodes: usable.map((l) => l.trim().split(/\s+/)[0]).join(",") };
}

/**
 * `describe` for tests that need Slurm: runs them when a cluster answers, otherwise registers one
 * skipped test whose name gives the reason; with DLNLAB_REQUIRE_SLURM=1 a missing cluster is a failure.
 */
export function describeWithSlurm(name: string, body: () => void): void {
  const probe = probeSlurm();
  if (probe.ok) {
    describe(name, body);
    return;
  }
  if (process.env.DLNLAB_REQUIRE_SLURM === "1") {
    describe(name, () => {
      it("has a Slurm cluster (DLNLAB_REQUIRE_SLURM=1)", () => {
        throw new Error(`no usable Slurm cluster: ${probe.reason}`);
      });
    });
    return;
  }
  process.stderr.write(`[slurm] skipping "${name}": ${probe.reason}\n`);
  describe(name, () => {
    it.skip(`skipped: ${probe.reason}`, () => {});
  });
}
