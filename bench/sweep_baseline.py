#!/usr/bin/env python3
"""NumPy baseline of the batched sweep benchmark (bench/sweep.ts): the depth-balanced reduced dynamics
of many runs at once, written the way a researcher vectorises a sweep in NumPy: arrays of shape
K × runs, a ← a − η r a^{L−1} with r = Σ_k a_k^L − σ per run, every run for every step (no early stop).
Inputs are the ones bench/sweep.ts builds (same grid of step sizes and init asymmetries), so the final
states can be compared. Prints one JSON object: seconds per step (median, min, max of the repeats) and
ns per pathway update, per size.

Usage: python3 bench/sweep_baseline.py --runs 4096,100000 --steps 2000 --repeats 3
"""
import argparse
import json
import time

import numpy as np


def inputs(K, L, runs):
    """h from 2.2 to 2.8 (inside the re-balancing window: no run diverges) × init ratio 0.5 … 0.999."""
    j = np.arange(runs)
    h = 2.2 + 0.6 * (j % 64) / 63
    ratio = 0.5 + 0.499 * (j // 64 % 64) / 63
    lam_single = L  # σ = 1: λ_single = L σ^{2−2/L} = L
    eta = h / lam_single
    alpha = np.empty((K, runs))
    for k in range(K):
        alpha[k] = 1e-3 * ratio ** k
    return eta, alpha ** (1.0 / L)


def run(K, L, runs, steps, repeats):
    eta, a0 = inputs(K, L, runs)
    times = []
    a = None
    for _ in range(repeats):
        a = a0.copy()
        t0 = time.perf_counter()
        for _ in range(steps):
            p = a ** (L - 1)
            r = np.sum(p * a, axis=0) - 1.0
            a -= (eta * r) * p
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    return {
        "median": med, "min": times[0], "max": times[-1],
        "nsPerUpdate": med / (steps * runs * K) * 1e9,
        "checksum": float(np.nansum(a)),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", default="4096,100000")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--K", type=int, default=4)
    p.add_argument("--L", type=int, default=4)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    out = {"numpy": np.__version__, "results": {}}
    for runs in (int(x) for x in args.runs.split(",")):
        out["results"][str(runs)] = run(args.K, args.L, runs, args.steps, args.repeats)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
