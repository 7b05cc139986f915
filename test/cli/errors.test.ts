/**
 * @file errorLine, the one line an experiment's failure is reported with by `dlnlab reproduce`: it is
 * never empty (an empty text made a failed experiment count as done), a zod error gives its first
 * issue (its message is the issues as JSON, which the structured clone from a worker dropped), and a
 * multi-line message its first non-empty line.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { errorLine } from "../../src/cli/errors.js";

describe("errorLine", () => {
  it("gives a zod error's first issue as path: message, counting the rest", () => {
    const r = z.strictObject({ a: z.object({ b: z.number() }), c: z.string() }).safeParse({ a: { b: "x" }, c: 1 });
    expect(r.success).toBe(false);
    expect(errorLine(r.error)).toMatch(/^a\.b: .+ \(and 1 more\)$/);
  });

  it("takes the first non-empty line, and never returns an empty text", () => {
    expect(errorLine(new Error("\n\n  first real line\nsecond"))).toBe("first real line");
    expect(errorLine(new RangeError(""))).toBe("RangeError");
    expect(errorLine("plain string")).toBe("plain string");
    expect(errorLine(undefined)).toBe("undefined");
  });
});
