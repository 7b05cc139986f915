/**
 * src/data/npz.ts against NumPy's own files: every dtype and order it claims to read, written by
 * numpy.savez / savez_compressed (skipped cleanly when python3 with numpy is absent), and the
 * round trip of what it writes, read back by numpy.load. Values are small integers and exact binary
 * fractions, so every comparison is exact equality (float32 → float64 of such numbers is exact).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeNpy, decodeNpz, encodeNpy, encodeNpz, NpyFormatError } from "../../src/data/npz.js";

const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" }).status === 0;
const python = (code: string, ...args: string[]) => {
  const r = spawnSync("python3", ["-c", code, ...args], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};

describe(".npy encoding", () => {
  it("writes a version-1.0 header padded to 64 bytes and decodes it back exactly", () => {
    const a = { shape: [2, 3], data: Float64Array.from([1, -2.5, 3e-300, Number.MAX_VALUE, 0.1, -0]) };
    const bytes = encodeNpy(a);
    const headerLength = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLength) % 64).toBe(0);
    expect(bytes.length).toBe(10 + headerLength + 48);
    const back = decodeNpy(bytes);
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(a.data));
    expect(Object.is(back.data[5], -0)).toBe(true);
  });

  it("refuses what it cannot read, naming the array", () => {
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), "W1_1")).toThrow(/W1_1: not a \.npy array/);
    const bytes = encodeNpy({ shape: [4], data: new Float64Array(4) });
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 8), "b1_1")).toThrow(/b1_1: truncated data/);
    const int = encodeNpy({ shape: [1], data: new Float64Array(1) });
    const at = Buffer.from(int).indexOf("<f8");
    int[at + 1] = "i".charCodeAt(0);
    expect(() => decodeNpy(int, "S")).toThrow(/S: dtype <i8 is not supported/);
    expect(() => decodeNpz(new Uint8Array([1, 2, 3]))).toThrow(NpyFormatError);
  });
});

describe.skipIf(!hasNumpy)(".npz against NumPy", () => {
  it("reads float64 and float32, little- and big-endian, C and Fortran order, 1-3 dimensions, stored and deflated", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlnlab-npz-"));
    for (const [file, save] of [["plain.npz", "savez"], ["packed.npz", "savez_compressed"]] as const) {
      python(`
import numpy as np, sys
a = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 8 - 1
np.${save}(sys.argv[1], c=a, f=np.asfortranarray(a), f4=a.astype("<f4"), be=a.astype(">f8"), bef4=np.asfortranarray(a.astype(">f4")),
           m=np.asfortranarray(a[0]), v=a[1, 2], s=np.float64(2.5))
`, join(dir, file));
      const arrays = decodeNpz(new Uint8Array(readFileSync(join(dir, file))));
      // The same array in C order, computed here: entry (i, j, k) = (12i + 4j + k)/8 − 1.
      const expected = Array.from({ length: 24 }, (_, n) => n / 8 - 1);
      for (const name of ["c", "f", "f4", "be", "bef4"]) {
        expect(arrays.get(name)!.shape, `${file} ${name}`).toEqual([2, 3, 4]);
        expect(Array.from(arrays.get(name)!.data), `${file} ${name}`).toEqual(expected);
      }
      expect(arrays.get("m")!.shape).toEqual([3, 4]);
      expect(Array.from(arrays.get("m")!.data)).toEqual(expected.slice(0, 12));
      expect(Array.from(arrays.get("v")!.data)).toEqual(expected.slice(20, 24));
      expect(arrays.get("s")).toEqual({ shape: [], data: Float64Array.from([2.5]) });
    }
  });

  it("writes archives numpy.load reads with the same shapes and bits", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlnlab-npz-"));
    const m = new Map([
      ["W1_1", { shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6]) }],
      ["S", { shape: [3], data: Float64Array.from([0.5, 0.25, 1e-310]) }],
    ]);
    const path = join(dir, "out.npz");
    writeFileSync(path, encodeNpz(m));
    const out = JSON.parse(python(`
import numpy as np, json, sys
z = np.load(sys.argv[1])
print(json.dumps({k: {"shape": list(z[k].shape), "dtype": str(z[k].dtype), "c": bool(z[k].flags.c_contiguous), "values": [float(x) for x in z[k].ravel()]} for k in z.files}))
`, path));
    expect(Object.keys(out).sort()).toEqual(["S", "W1_1"]);
    // Row-major entry order (numpy's ravel() of W1_1 is 1..6); Python's float repr round-trips, so the
    // subnormal 1e-310 compares bit for bit.
    expect(out.W1_1).toEqual({ shape: [2, 3], dtype: "float64", c: true, values: [1, 2, 3, 4, 5, 6] });
    expect(out.S).toEqual({ shape: [3], dtype: "float64", c: true, values: [0.5, 0.25, 1e-310] });
  });
});
