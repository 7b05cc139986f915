/**
 * @file `dlnlab theory <sub>`: the closed forms and solvers of src/theory (docs/theory.md §3–§6) on the
 * command line, as aligned tables or, with --json, one JSON object whose keys outside tooling relies on.
 */
import { Command, Option } from "@commander-js/extra-typings";
import * as theory from "../../theory/index.js";
import { UsageError } from "../errors.js";
import { printJson, table } from "../format.js";
import { parseInteger, parseIntegerList, parseNonNegative, parseNumberList, parsePositive } from "../parse.js";

/** Library argument name → the flag that supplies it (RangeError messages start with the argument name). */
const FLAG_OF: Record<string, string> = {
  depths: "--depths",
  depth: "--depth",
  s: "--s",
  sigma: "--sigma",
  lr: "--lr",
  initScales: "--init-scales",
  approximation: "--approximation",
};

/**
 * Run a theory computation, turning its RangeError ("lr: …", "s[1]: …") into a UsageError that
 * names the flag ("--lr: …", "--s (item 2): …"), so the CLI prints one line and exits with code 2.
 */
function withFlags<T>(compute: () => T): T {
  try {
    return compute();
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    const m = /^(\w+)(?:\[(\d+)\])?: ([\s\S]*)$/.exec(err.message);
    const flag = m ? FLAG_OF[m[1]!] : undefined;
    if (!m || !flag) throw new UsageError(err.message);
    const item = m[2] === undefined ? "" : ` (item ${Number(m[2]) + 1})`;
    throw new UsageError(`${flag}${item}: ${m[3]}`);
  }
}

/** A number for tables: 7 significant digits, no trailing zeros; ∞ for +Infinity. */
function num(x: number): string {
  if (x === Infinity) return "∞";
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e7) return String(Number(x.toPrecision(7)));
  return x.toExponential(6).replace(/\.?0+e/, "e");
}

/** "label  value  note" lines, aligned. */
function facts(rows: [string, string, string?][]): string {
  return table(rows.map(([a, b, c]) => [a, b, c ?? ""]), { header: false }) + "\n";
}

/** A table with a header row, ending in a newline. */
function grid(rows: string[][]): string {
  return table(rows) + "\n";
}

const DEPTHS_HELP = "pathway depths L_k >= 1, comma-separated (K = number of entries), e.g. 4,4 or 3,5,7";
const JSON_HELP = "print one JSON object on stdout instead of the table";

function depthsOf(raw: string): number[] {
  return parseIntegerList("--depths", raw, 1);
}

/** Add `theory` and its subcommands to the program. */
export function registerTheory(program: Command): void {
  const cmd = program
    .command("theory")
    .summary("closed-form predictions: sharpness, allocation, step-size windows, WCR, stopping boundary")
    .description("What the theory of Kim & Lee (2026) predicts, in milliseconds (docs/theory.md §3–§6).")
    .addHelpText(
      "after",
      "\nThe same functions the experiments use for theory lines. All quantities are\n" +
        "for one mode of target singular value σ; step sizes are GD learning rates.\n" +
        "See docs/theory.md.",
    );

  cmd
    .command("sharpness")
    .summary("sharpness of an allocation: Σ_k L_k s_k^(2−2/L_k)")
    .description("Hessian eigenvalue of one mode at the zero-loss point with coefficients s_k.")
    .addHelpText(
      "after",
      "\n  λ = Σ_k L_k |s_k|^(2−2/L_k)   (depth 1 contributes 1, depth 2 contributes 2|s|)\n" +
        "  GD is linearly stable there iff lr < 2/λ.\n" +
        "JSON keys: sharpness, contributions (per pathway), sigma (= Σ s_k), etaStable (= 2/λ).",
    )
    .requiredOption("--depths <list>", DEPTHS_HELP)
    .requiredOption("--s <list>", "per-pathway mode coefficients s_k, comma-separated, one per depth")
    .option("--json", JSON_HELP)
    .action((opts) => {
      const depths = depthsOf(opts.depths);
      const s = parseNumberList("--s", opts.s);
      const lambda = withFlags(() => theory.modeSharpness(depths, s));
      const contributions = depths.map((L, k) => theory.pathwaySharpness(L, s[k]!));
      const out = { sharpness: lambda, contributions, sigma: s.reduce((a, b) => a + b, 0), etaStable: 2 / lambda, depths, s };
      if (opts.json) return printJson(out);
      process.stdout.write(
        grid([
          ["pathway", "depth", "s_k", "L_k s_k^(2-2/L_k)"],
          ...depths.map((L, k) => [String(k + 1), String(L), num(s[k]!), num(contributions[k]!)]),
        ]) +
          "\n" +
          facts([
            ["sharpness λ", num(lambda), "Σ_k L_k |s_k|^(2−2/L_k)"],
            ["σ = Σ_k s_k", num(out.sigma)],
            ["GD stable for lr <", num(out.etaStable), "2/λ"],
          ]),
      );
    });

  cmd
    .command("allocation")
    .summary("flattest allocation of σ over pathways (KKT of docs/theory.md §3)")
    .description("Minimise Σ_k L_k s_k^(2−2/L_k) subject to Σ_k s_k = σ, s_k >= 0.")
    .addHelpText(
      "after",
      "\nDeep pathways (L > 2) take s_k = (μ/(2(L_k−1)))^(L_k/(L_k−2)), μ from a 1-D root\n" +
        "solve. Depth-2 pathways have constant marginal 2 and depth-1 pathways constant\n" +
        "sharpness 1: when several of them share an interval of optima, the equal split\n" +
        "among them is returned and they are listed in 'free'.\n" +
        "JSON keys: s, sharpness, mu (KKT multiplier), free (0-based pathway indices),\n" +
        "etaBalanced (= 2/sharpness).",
    )
    .requiredOption("--depths <list>", DEPTHS_HELP)
    .option("--sigma <x>", "target singular value σ >= 0", "1")
    .option("--json", JSON_HELP)
    .action((opts) => {
      const depths = depthsOf(opts.depths);
      const sigma = parseNonNegative("--sigma", opts.sigma);
      const a = withFlags(() => theory.optimalAllocation(depths, sigma));
      const out = { s: a.s, sharpness: a.sharpness, mu: a.mu, free: a.free, etaBalanced: 2 / a.sharpness, depths, sigma };
      if (opts.json) return printJson(out);
      process.stdout.write(
        `Flattest allocation of σ = ${num(sigma)} over depths ${depths.join(",")}\n\n` +
          grid([
            ["pathway", "depth", "s_k", "share", "L_k s_k^(2-2/L_k)", "marginal 2(L_k-1)s_k^(1-2/L_k)"],
            ...depths.map((L, k) => [
              String(k + 1) + (a.free.includes(k) ? "*" : ""),
              String(L),
              num(a.s[k]!),
              sigma > 0 ? `${(100 * a.s[k]! / sigma).toFixed(2)}%` : "-",
              num(theory.pathwaySharpness(L, a.s[k]!)),
              num(theory.marginalSharpness(L, a.s[k]!)),
            ]),
          ]) +
          "\n" +
          facts([
            ["sharpness λ_bal", num(a.sharpness), "minimum over all allocations"],
            ["KKT multiplier μ", num(a.mu), "marginal of every active pathway"],
            ["GD stable for lr <", num(out.etaBalanced), "2/λ_bal"],
          ]) +
          (a.free.length > 1
            ? `\n* pathways ${a.free.map((k) => k + 1).join(",")} share an interval of optima (equal marginals); the equal split is shown.\n`
            : ""),
      );
    });

  cmd
    .command("window")
    .summary("step-size thresholds: 2/λ_single, 2/λ_bal, η_WCR and the re-balancing window, as η and as h")
    .description("Re-balancing window (2/λ_single, min(2/λ_bal, η_WCR)) of a mode with target σ, as step sizes η and as normalised steps h = η·λ_single.")
    .addHelpText(
      "after",
      "\nEvery bound is printed as a step size η and as h = η·λ_single, λ_single = max_k L_k σ^(2−2/L_k)\n" +
        "(the scale of `dlnlab run --h`; 2/λ_single is h = 2).\n" +
        "JSON keys (step sizes, docs/theory.md §4–§5):\n" +
        "  etaSingle    2/λ_single. Heterogeneous depths: the SHARPEST single-path minimum,\n" +
        "               2/max_k L_k σ^(2−2/L_k). etaSinglePerPathway lists 2/λ_k per pathway;\n" +
        "               GF ends on the shallow (or largest-init) pathway, and a run re-balances\n" +
        "               only above that pathway's own 2/λ_k.\n" +
        "  etaBalanced  2/λ of the optimal allocation (2/(L K^(2/L−1) σ^(2−2/L)) homogeneous).\n" +
        "  etaWcr       c_L/(L σ^(2−2/L)) of the SHALLOWEST pathway (L = min_k L_k): the\n" +
        "               worst-case-return ceiling of the deep chain.\n" +
        "  also lower, upper, binding (balanced|wcr), empty, lambdaSingle,\n" +
        "  lambdaBalanced, cL, and h: the same bounds as h = η·λ_single (single, singlePerPathway,\n" +
        "  balanced, wcr, lower, upper).",
    )
    .requiredOption("--depths <list>", DEPTHS_HELP)
    .option("--sigma <x>", "target singular value σ > 0", "1")
    .option("--json", JSON_HELP)
    .action((opts) => {
      const depths = depthsOf(opts.depths);
      const sigma = parsePositive("--sigma", opts.sigma);
      const w = withFlags(() => theory.stabilityWindow(depths, sigma));
      const toH = (eta: number) => eta * w.lambdaSingle;
      const h = {
        single: toH(w.etaSingle),
        singlePerPathway: w.etaSinglePerPathway.map(toH),
        balanced: toH(w.etaBalanced),
        wcr: toH(w.etaWcr),
        lower: toH(w.lower),
        upper: toH(w.upper),
      };
      if (opts.json) return printJson({ ...w, h, depths, sigma });
      const hetero = depths.some((L) => L !== depths[0]);
      process.stdout.write(
        `Step-size thresholds for depths ${depths.join(",")}, σ = ${num(sigma)} (λ_single = ${num(w.lambdaSingle)}, h = η·λ_single)\n\n` +
          grid([
            ["threshold", "lr = η", "h = η·λ_single", "meaning"],
            ["2/λ_single", num(w.etaSingle), num(h.single), hetero ? "sharpest single-path minimum becomes unstable" : "single-path minimum becomes unstable"],
            ["2/λ_bal", num(w.etaBalanced), num(h.balanced), "flattest (optimal) allocation becomes unstable"],
            ["η_WCR", num(w.etaWcr), num(h.wcr), `worst overshoot crosses 0 (c_${Math.min(...depths)} = ${num(w.cL)}${hetero ? ", shallowest pathway" : ""})`],
          ]) +
          "\n" +
          (w.empty
            ? `re-balancing window: empty (lr: ${num(w.lower)} >= ${num(w.upper)}; h: ${num(h.lower)} >= ${num(h.upper)})\n`
            : `re-balancing window: ${num(w.lower)} < lr < ${num(w.upper)}, i.e. ${num(h.lower)} < h < ${num(h.upper)}  (upper end set by ${w.binding === "balanced" ? "2/λ_bal" : "η_WCR"})\n`) +
          (hetero ? `per-pathway 2/λ_single: lr ${w.etaSinglePerPathway.map(num).join(", ")}; h ${h.singlePerPathway.map(num).join(", ")}\n` : ""),
      );
    });

  cmd
    .command("wcr")
    .summary("worst-case-return constant c_L of the deep chain (and η_WCR with --sigma)")
    .description("Worst-case-return constant c_L of the deep chain (docs/theory.md §5).")
    .addHelpText(
      "after",
      "\nc_L is the unique h > 1 at which the worst overshoot M(h) = max_{z∈(0,1)} g_h(z)\n" +
        "of the normalised chain map g_h(z) = z − (h/L)(z^L − 1)z^(L−1) maps to 0\n" +
        "(c_2 = 3√3 − 2, c_1 = 2). With --sigma also η_WCR = c_L/(L σ^(2−2/L)).\n" +
        "JSON keys: c, depth, zStar (worst start at h = c_L), overshoot (M(c_L));\n" +
        "with --sigma also sigma, lambdaSingle, etaWcr.",
    )
    .requiredOption("--depth <L>", "chain depth L >= 1")
    .option("--sigma <x>", "target singular value σ > 0 (optional: adds η_WCR)")
    .option("--json", JSON_HELP)
    .action((opts) => {
      const depth = parseInteger("--depth", opts.depth, 1);
      const sigma = opts.sigma === undefined ? undefined : parsePositive("--sigma", opts.sigma);
      const c = withFlags(() => theory.wcrConstant(depth));
      const worst = theory.worstOvershoot(depth, c);
      const out: Record<string, unknown> = { c, depth, zStar: worst.z, overshoot: worst.overshoot };
      if (sigma !== undefined) {
        out.sigma = sigma;
        out.lambdaSingle = theory.singlePathSharpness(depth, sigma);
        out.etaWcr = theory.wcrStep(depth, sigma);
      }
      if (opts.json) return printJson(out);
      const rows: [string, string, string?][] = [
        [`c_${depth}`, num(c), "normalised step h = η λ_single"],
        ["ratio to classical h = 2", num(c / 2)],
        ["worst start z*", num(worst.z), "maximiser of g_h on (0,1) at h = c_L"],
        ["worst overshoot M", num(worst.overshoot), "g_h(z*) at h = c_L; g_h(M) = 0"],
      ];
      if (sigma !== undefined) {
        rows.push(["λ_single", num(out.lambdaSingle as number), `L σ^(2−2/L), σ = ${num(sigma)}`]);
        rows.push(["η_WCR", num(out.etaWcr as number), "c_L / λ_single"]);
      }
      process.stdout.write(facts(rows));
    });

  cmd
    .command("boundary")
    .summary("predicted final split of large-step GD (stopping boundary λ = 2/lr)")
    .description("Where GD with step lr in the re-balancing window stops (docs/theory.md §4, §6).")
    .addHelpText(
      "after",
      "\nGD follows gradient flow to the end point of its initial leaf, then drifts\n" +
        "toward the flattest allocation until the zero-loss sharpness is 2/lr.\n" +
        "K = 2: exact (the dominant pathway keeps the larger share; equal to the\n" +
        "central-flow end point). K > 2: the end point of the central flow of GD\n" +
        "(default, docs/theory.md §11), or one of two approximations: leaf-ray (a\n" +
        "straight ray in leaf coordinates, off by up to 0.2) and drift-flow (the\n" +
        "second-order GD leaf drift). GD itself stops slightly past the boundary\n" +
        "(final sharpness ≈ 0.99·2/lr), on the balanced side.\n" +
        "The dominant pathway is the one the GF end point favours: the largest init\n" +
        "scale for equal depths (pathway 1 by default), the shallower one under equal\n" +
        "tiny init. A lr outside (2/λ_single of the dominant pathway, min(2/λ_bal,\n" +
        "η_WCR)) is an error naming the threshold it crosses.\n" +
        "JSON keys: s, sharpness, dominant (0-based), method (exact|central-flow|leaf-ray|\n" +
        "drift-flow|gf-endpoint), tau, gfEndpoint, optimum, initScales.",
    )
    .requiredOption("--depths <list>", DEPTHS_HELP)
    .option("--sigma <x>", "target singular value σ > 0", "1")
    .requiredOption("--lr <eta>", "GD step size η > 0")
    .option(
      "--init-scales <list>",
      "end-to-end init scales α_k > 0 (per-layer a_k = α_k^(1/L_k)); default α_k = 1e-6·0.9^(k−1): tiny, pathway 1 largest",
    )
    .addOption(
      new Option("--approximation <name>", "end-point model for K > 2 (K = 2 is exact): central-flow, or the approximations leaf-ray, drift-flow")
        .choices(["central-flow", "leaf-ray", "drift-flow"]).default("central-flow"),
    )
    .option("--allow-above-wcr", "predict also for η_WCR <= lr < 2/λ_bal (the transient may flip a sign there)")
    .option("--json", JSON_HELP)
    .action((opts) => {
      const { depths, sigma, lr, initScales } = endPointArgs(opts);
      const b = withFlags(() =>
        theory.stoppingBoundary(depths, sigma, lr, {
          ...(initScales ? { initScales } : {}),
          approximation: opts.approximation as theory.BoundaryApproximation,
          allowAboveWcr: opts.allowAboveWcr === true,
        }),
      );
      if (opts.json) return printJson({ ...b, lr, depths, sigma });
      process.stdout.write(
        `Stopping boundary for depths ${depths.join(",")}, σ = ${num(sigma)}, lr = ${num(lr)} (2/lr = ${num(2 / lr)})\n\n` +
          grid([
            ["pathway", "depth", "init α_k", "GF end s_k", "predicted s_k", "optimal s_k"],
            ...depths.map((L, k) => [
              String(k + 1) + (k === b.dominant ? " (dominant)" : ""),
              String(L),
              num(b.initScales[k]!),
              num(b.gfEndpoint[k]!),
              num(b.s[k]!),
              num(b.optimum[k]!),
            ]),
          ]) +
          "\n" +
          facts([
            ["predicted sharpness", num(b.sharpness), b.method === "gf-endpoint" ? "< 2/lr: GF end point already stable" : "= 2/lr"],
            ["method", b.method + (b.tau !== null && b.method === "leaf-ray" ? ` (τ = ${num(b.tau)})` : "")],
          ]),
      );
    });

  cmd
    .command("central")
    .summary("predicted trajectory of large-step GD: the central flow's entry, re-balancing duration, end split")
    .description("Integrate the reduced central flow of GD for one mode (docs/theory.md §11) and summarise it.")
    .addHelpText(
      "after",
      "\nThe central flow is an ODE for the time average of GD at the Edge of Stability:\n" +
        "gradient flow until the sharpness reaches 2/lr, then gradient flow projected onto\n" +
        "{sharpness ≤ 2/lr}, with x the predicted squared oscillation amplitude of GD.\n" +
        "Time is in GD steps. The re-balancing duration is the time the balancing gap\n" +
        "Var_k(s_k) takes from 10% to 90% of its drop from its peak to its final value.\n" +
        "JSON keys: s, sharpness, entryStep, exitStep, duration, t10, t90, endStep,\n" +
        "trajectory (samples: step, s, sharpness, x, loss; with --trajectory only).",
    )
    .requiredOption("--depths <list>", DEPTHS_HELP)
    .option("--sigma <x>", "target singular value σ > 0", "1")
    .requiredOption("--lr <eta>", "GD step size η > 0")
    .option(
      "--init-scales <list>",
      "end-to-end init scales α_k > 0 (per-layer a_k = α_k^(1/L_k)); default α_k = 1e-6·0.9^(k−1): tiny, pathway 1 largest",
    )
    .option("--trajectory", "include the sampled trajectory in the JSON output")
    .option("--json", JSON_HELP)
    .action((opts) => {
      const { depths, sigma, lr, initScales } = endPointArgs(opts);
      const p = withFlags(() => theory.centralFlowPrediction(depths, sigma, lr, initScales ? { initScales } : {}));
      const { trajectory, ...summary } = p;
      if (opts.json) return printJson({ ...summary, ...(opts.trajectory ? { trajectory } : {}), lr, depths, sigma });
      const opt = withFlags(() => theory.optimalAllocation(depths, sigma));
      const step = (x: number | null) => (x === null ? "-" : num(x));
      process.stdout.write(
        `Central flow for depths ${depths.join(",")}, σ = ${num(sigma)}, lr = ${num(lr)} (2/lr = ${num(2 / lr)})\n\n` +
          grid([
            ["pathway", "depth", "end s_k", "optimal s_k"],
            ...depths.map((L, k) => [String(k + 1), String(L), num(p.s[k]!), num(opt.s[k]!)]),
          ]) +
          "\n" +
          facts([
            ["reaches the edge at step", step(p.entryStep), p.entryStep === null ? "never: GD behaves like gradient flow" : "sharpness = 2/lr"],
            ["re-balancing duration", step(p.duration), p.duration === null ? "" : `steps (gap 10% → 90% of its drop: ${num(p.t10!)} → ${num(p.t90!)})`],
            ["leaves the edge at step", step(p.exitStep), p.exitStep === null ? "stays at the edge as x → 0" : ""],
            ["final sharpness", num(p.sharpness), p.entryStep === null ? "< 2/lr" : "= 2/lr"],
            ["integrated to step", num(p.endStep)],
          ]),
      );
    });

  cmd
    .command("rank")
    .summary("rank-k balancing: which modes of a spectrum a step re-balances")
    .description("Which modes of a target spectrum a step re-balances (docs/theory.md §4).")
    .addHelpText(
      "after",
      "\nHomogeneous depth L, K pathways, spectrum σ_1 >= σ_2 >= …: mode i leaves the\n" +
        "single-path attractor when λ_single(σ_i) = L σ_i^(2−2/L) > 2/lr. The count is a\n" +
        "prediction when lr is also below 2/λ_bal(σ_1) and η_WCR(σ_1).\n" +
        "JSON keys: rank, rebalanced, onset (2/λ_single(σ_i) per mode), etaBalanced,\n" +
        "etaWcr, belowBalanced, belowWcr, admissible.",
    )
    .requiredOption("--depths <list>", "equal pathway depths, e.g. 4,4 (K = number of entries)")
    .requiredOption("--sigma <list>", "target singular values σ_1 >= σ_2 >= … >= 0, comma-separated")
    .requiredOption("--lr <eta>", "GD step size η > 0")
    .option("--json", JSON_HELP)
    .action((opts) => {
      const depths = depthsOf(opts.depths);
      const sigmas = parseNumberList("--sigma", opts.sigma, parseNonNegative);
      const lr = parsePositive("--lr", opts.lr);
      const r = withFlags(() => theory.rebalancedRank(depths, sigmas, lr));
      if (opts.json) return printJson({ ...r, lr, depths, sigma: sigmas });
      process.stdout.write(
        grid([
          ["mode", "σ_i", "onset 2/λ_single(σ_i)", "re-balanced at lr"],
          ...sigmas.map((s, i) => [String(i + 1), num(s), num(r.onset[i]!), r.rebalanced[i] ? "yes" : "no"]),
        ]) +
          "\n" +
          facts([
            ["re-balanced modes", String(r.rank)],
            ["2/λ_bal(σ_1)", num(r.etaBalanced), r.belowBalanced ? "lr below: balanced top mode stable" : "lr NOT below: no stable balanced minimum"],
            ["η_WCR(σ_1)", num(r.etaWcr), r.belowWcr ? "lr below: transient survives" : "lr NOT below: the top mode may flip sign"],
          ]),
      );
    });
}

/** The depths, σ, step and optional init scales that `theory boundary` and `theory central` both take. */
function endPointArgs(opts: { depths: string; sigma: string; lr: string; initScales?: string }): { depths: number[]; sigma: number; lr: number; initScales: number[] | undefined } {
  return {
    depths: depthsOf(opts.depths),
    sigma: parsePositive("--sigma", opts.sigma),
    lr: parsePositive("--lr", opts.lr),
    initScales: opts.initScales === undefined ? undefined : parseNumberList("--init-scales", opts.initScales, parsePositive),
  };
}
