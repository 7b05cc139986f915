#!/usr/bin/env python3
"""NumPy/SciPy baseline for dlnlab's benchmarks: the same workloads as bench/run.ts, written the way
a competent researcher would in Python (vectorised NumPy, SciPy's eigsh on a LinearOperator whose
matvec is a finite-difference Hessian-vector product of the analytic gradient).

`npm run bench` spawns `python3 bench/baseline.py --json ...` and prints ratios against it; run it
alone for a readable table. Every workload's inputs are fixed (seeded), setup is outside the timed
part, and each time is the median of several repeats, reported with its min and max.

Workloads (keys of the JSON "results" object; times in seconds):
  gemm/{NN,TN,NT}/{4,16,64}  one d×d product with `@` (a @ b, a.T @ b, a @ b.T), per call
  axpy/{256,4096,65536}      y += alpha * x, per call
  reduced                     one-mode reduced GD, K = 4 pathways of depth 4, per step
  full                        d = 16, K = 4, depth 4: 2000 GD steps + 21 sharpness measurements, per run
                              (eigsh warm-started from the previous eigenvector)
  full/cold                   the same with eigsh(op, k=1) started afresh each time, as usually written
  step/{4,16,64}              one full-matrix GD step (gradient + update), K = 4, depth 4, per step
  mlp-step/{4,16}/{64,256}    one GD step of the tanh MLP: K = 2 pathways of depth 4, width d = 4 or 16
                              (X = I_d, d samples), hidden width 64 or 256; per step
  mlp-hvp/{4,16}/{64,256}     one Hessian-vector product of that MLP by an analytic R-operator
                              (forward-over-reverse with tanh' and tanh''), at a fixed point, per call
  mlp-hvp-fd/{4,16}/{64,256}  the same by central differences of the analytic gradient (2 gradients)
"""
import argparse
import json
import os
import platform
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print one JSON object (for bench/run.ts) instead of a table")
    p.add_argument("--workloads", default="gemm,axpy,reduced,full,step,mlp", help="comma-separated subset")
    p.add_argument("--repeats", type=int, default=7, help="repeats per micro workload (median reported)")
    p.add_argument("--full-repeats", type=int, default=3, help="repeats of the whole `full` run")
    p.add_argument("--min-time", type=float, default=0.2, help="seconds per repeat of a micro workload")
    p.add_argument("--reduced-steps", type=int, default=100_000,
                   help="steps per repeat of `reduced` (the per-step cost is constant, so 1e6 steps take 10x as long)")
    p.add_argument("--threads", type=int, default=0, help="BLAS threads (0: library default)")
    return p.parse_args()


ARGS = parse_args()
if ARGS.threads > 0:
    # Must be set before NumPy loads OpenBLAS.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.sparse.linalg import LinearOperator, eigsh  # noqa: E402


# ---------------------------------------------------------------------------------------------
# Timing

def stats(per_op):
    s = sorted(per_op)
    return {"median": s[len(s) // 2], "min": s[0], "max": s[-1], "repeats": len(s)}


def measure(fn, repeats, min_time, setup=None):
    """Per-call seconds of fn(): calibrate a batch size so one repeat lasts >= min_time, then time
    `repeats` batches. `setup()` (untimed) runs before each batch."""
    n = 1
    while True:
        if setup:
            setup()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time or n >= 1 << 30:
            break
        n = max(n * 2, int(n * min_time / max(dt, 1e-9) * 1.2))
    out = []
    for _ in range(repeats):
        if setup:
            setup()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t0) / n)
    return stats(out)


# ---------------------------------------------------------------------------------------------
# The model: K pathways of depth L, W[k, l] is layer l+1 of pathway k (applied (l+1)-th), d×d.

def loss_grad(W, Y):
    """Loss ½‖F − Y‖² with F = Σ_k W[k,L−1]⋯W[k,0], and its gradient ∂ℒ/∂W_{k,l} = A_{k,l}ᵀ R B_{k,l}ᵀ
    by prefix products P_l = W_l P_{l−1} and backpropagated residuals M_{l−1} = W_lᵀ M_l (batched over k)."""
    K, L = W.shape[0], W.shape[1]
    P = [W[:, 0]]
    for l in range(1, L):
        P.append(W[:, l] @ P[-1])
    R = P[-1].sum(axis=0) - Y
    G = np.empty_like(W)
    M = np.broadcast_to(R, (K,) + R.shape)
    for l in range(L - 1, 0, -1):
        G[:, l] = M @ P[l - 1].transpose(0, 2, 1)
        M = W[:, l].transpose(0, 2, 1) @ M
    G[:, 0] = M
    return 0.5 * float(np.vdot(R, R)), G


def symmetric_target(d, seed):
    """Y = Q diag(σ) Qᵀ, Q orthogonal from the QR of a seeded Gaussian, σ = linspace(1, 0.1, d)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    sigma = np.linspace(1.0, 0.1, d)
    return (Q * sigma) @ Q.T


def svs_init(d, K, L, alphas):
    """Depth-balanced SVS init for a symmetric target (U = V, so U Vᵀ = I): every layer α_k^{1/L} I."""
    W = np.zeros((K, L, d, d))
    for k in range(K):
        W[k] = alphas[k] ** (1.0 / L) * np.eye(d)
    return W


FULL = dict(d=16, K=4, L=4, eta=0.1, steps=2000, every=100, seed=0,
            alphas=0.0016 * np.array([1.0, 0.99, 0.98, 0.97]), tol=1e-10, fd_step=1e-5)


def sharpness(W, Y, v0, tol, h):
    """Top Hessian eigenvalue by eigsh (Lanczos/ARPACK) on a central-difference HVP of the gradient."""
    shape = W.shape
    n = W.size

    def hvp(v):
        V = v.reshape(shape)
        return ((loss_grad(W + h * V, Y)[1] - loss_grad(W - h * V, Y)[1]) / (2 * h)).ravel()

    op = LinearOperator((n, n), matvec=hvp, dtype=np.float64)
    vals, vecs = eigsh(op, k=1, which="LA", tol=tol, v0=v0)
    return float(vals[0]), vecs[:, 0]


def run_full(p=FULL, warm=True):
    """2000 GD steps with the top Hessian eigenvalue every 100 steps (21 measurements incl. step 0
    and the final state). With `warm`, eigsh starts from the previous top eigenvector (the strongest
    baseline); without, it starts from ARPACK's own random vector, as `eigsh(op, k=1)` is usually called."""
    Y = symmetric_target(p["d"], p["seed"])
    W = svs_init(p["d"], p["K"], p["L"], p["alphas"])
    v0 = np.random.default_rng(p["seed"] + 1).standard_normal(W.size)
    sharp = []
    loss = None
    for t in range(p["steps"] + 1):
        if t % p["every"] == 0:
            lam, vec = sharpness(W, Y, v0 if warm else None, p["tol"], p["fd_step"])
            if warm:
                v0 = vec
            sharp.append(lam)
        loss, G = loss_grad(W, Y)
        if t < p["steps"]:
            W -= p["eta"] * G
    return loss, sharp


def workload_full(args):
    results = {}
    for key, warm in (("full", True), ("full/cold", False)):
        times = []
        cpu = []
        result = None
        for _ in range(args.full_repeats):
            t0 = time.perf_counter()
            c0 = time.process_time()
            result = run_full(warm=warm)
            cpu.append(time.process_time() - c0)
            times.append(time.perf_counter() - t0)
        out = stats(times)
        loss, sharp = result
        # CPU seconds as well: on a shared machine they vary less than wall time (bench/run.ts prints both ratios).
        out["extra"] = {"finalLoss": loss, "sharpness": sharp, "measurements": len(sharp), "warmStart": warm,
                        "cpuMedian": sorted(cpu)[len(cpu) // 2],
                        "eta": FULL["eta"], "fdStep": FULL["fd_step"], "eigshTol": FULL["tol"]}
        results[key] = out
    return results


def workload_step(args):
    out = {}
    for d in (4, 16, 64):
        Y = symmetric_target(d, 0)
        W0 = svs_init(d, 4, 4, FULL["alphas"])
        W = W0.copy()

        def reset():
            W[...] = W0

        def step():
            _, G = loss_grad(W, Y)
            W[...] -= 0.1 * G  # in place, as a researcher's loop would do (W -= eta * G)

        out[f"step/{d}"] = measure(step, args.repeats, args.min_time, setup=reset)
    return out


REDUCED = dict(K=4, L=4, sigma=1.0, eta=0.1, a0=0.2 * np.array([1.0, 0.99, 0.98, 0.97]) ** 0.25)


def workload_reduced(args):
    """a ← a − η r a^{L−1}, r = Σ_k a_k^L − σ: the per-step NumPy loop, vectorised over the K pathways."""
    L, sigma, eta = REDUCED["L"], REDUCED["sigma"], REDUCED["eta"]
    steps = args.reduced_steps
    final = {}

    def run():
        a = REDUCED["a0"].copy()
        for _ in range(steps):
            r = np.sum(a ** L) - sigma
            a -= eta * r * a ** (L - 1)
        final["a"] = a

    times = []
    for _ in range(max(3, args.repeats // 2)):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) / steps)
    out = stats(times)
    out["extra"] = {"stepsTimed": steps, "K": REDUCED["K"], "finalA": final["a"].tolist(),
                    "perUpdateMedian": out["median"] / REDUCED["K"]}
    return {"reduced": out}


def workload_gemm(args):
    out = {}
    rng = np.random.default_rng(1)
    for d in (4, 16, 64):
        a = rng.standard_normal((d, d))
        b = rng.standard_normal((d, d))
        for name, f in (("NN", lambda: a @ b), ("TN", lambda: a.T @ b), ("NT", lambda: a @ b.T)):
            out[f"gemm/{name}/{d}"] = measure(f, args.repeats, args.min_time)
    return out


def workload_axpy(args):
    out = {}
    rng = np.random.default_rng(2)
    for n in (256, 4096, 65536):
        x = rng.standard_normal(n)
        y = rng.standard_normal(n)

        def f():
            nonlocal y
            y += -1e-9 * x

        out[f"axpy/{n}"] = measure(f, args.repeats, args.min_time)
    return out


# ---------------------------------------------------------------------------------------------
# The multi-pathway MLP (docs/theory.md §7): pathway k maps X = I_d to W[L-1] tanh(⋯ tanh(W[0] X)); every
# pathway has the same depth and hidden width, so each layer is one stacked (K, rows, cols) array and
# every product is one batched matmul over the K pathways. X = I, so W[0] X = W[0] and δ_0 Xᵀ = δ_0.

MLP = dict(K=2, L=4, eta=1e-3, seed=0)


def mlp_params(d, h, p=MLP):
    """Gaussian weights with std 1/√h (pre-activations of order one), seeded."""
    rng = np.random.default_rng(p["seed"])
    K, L = p["K"], p["L"]
    shapes = [(h, d)] + [(h, h)] * (L - 2) + [(d, h)]
    return [rng.standard_normal((K,) + s) / np.sqrt(h) for s in shapes]


def mlp_forward(W):
    """Activations H_l = tanh(Z_l) and tanh' = 1 − H² per hidden layer, and the output Σ_k f_k."""
    H, D1 = [], []
    a = None
    for l in range(len(W) - 1):
        z = W[0].copy() if l == 0 else W[l] @ a
        a = np.tanh(z)
        H.append(a)
        D1.append(1.0 - a * a)
    out = W[-1] @ a
    return H, D1, out.sum(axis=0)


def mlp_loss_grad(W, Y, cache=False):
    """Loss ½‖Σ_k f_k − Y‖² and its gradient by backpropagation (δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ tanh'(Z_l))."""
    H, D1, F = mlp_forward(W)
    R = F - Y
    L = len(W)
    G = [None] * L
    delta = np.broadcast_to(R, (W[0].shape[0],) + R.shape)
    E, Delta = [None] * (L - 1), [None] * (L - 1)
    G[L - 1] = delta @ H[L - 2].transpose(0, 2, 1)
    for l in range(L - 2, -1, -1):
        e = W[l + 1].transpose(0, 2, 1) @ delta
        delta = e * D1[l]
        E[l], Delta[l] = e, delta
        G[l] = delta if l == 0 else delta @ H[l - 1].transpose(0, 2, 1)
    loss = 0.5 * float(np.vdot(R, R))
    return (loss, G, (H, D1, R, E, Delta)) if cache else (loss, G)


def mlp_hvp(W, V, caches):
    """Analytic Hessian-vector product (Pearlmutter's R-operator) from the gradient pass's caches:
    dZ_l = V_l H_{l−1} + W_l dH_{l−1}, dH_l = tanh'·dZ_l, dδ_l = (V_{l+1}ᵀδ_{l+1} + W_{l+1}ᵀdδ_{l+1})·tanh'
    + E_l·tanh''·dZ_l with tanh'' = −2 H tanh', and out_l = dδ_l H_{l−1}ᵀ + δ_l dH_{l−1}ᵀ."""
    H, D1, R, E, Delta = caches
    L = len(W)
    dZ, dH = [], []
    for l in range(L - 1):
        z = V[0].copy() if l == 0 else V[l] @ H[l - 1] + W[l] @ dH[l - 1]
        dZ.append(z)
        dH.append(D1[l] * z)
    dR = (V[-1] @ H[-1] + W[-1] @ dH[-1]).sum(axis=0)
    K = W[0].shape[0]
    delta = np.broadcast_to(R, (K,) + R.shape)
    ddelta = np.broadcast_to(dR, (K,) + dR.shape)
    out = [None] * L
    out[L - 1] = ddelta @ H[L - 2].transpose(0, 2, 1) + delta @ dH[L - 2].transpose(0, 2, 1)
    for l in range(L - 2, -1, -1):
        de = V[l + 1].transpose(0, 2, 1) @ delta + W[l + 1].transpose(0, 2, 1) @ ddelta
        ddelta = de * D1[l] - 2.0 * E[l] * H[l] * D1[l] * dZ[l]
        delta = Delta[l]
        out[l] = ddelta if l == 0 else ddelta @ H[l - 1].transpose(0, 2, 1) + delta @ dH[l - 1].transpose(0, 2, 1)
    return out


def workload_mlp(args):
    out = {}
    eta, eps = MLP["eta"], 1e-5
    for d, h in ((4, 64), (4, 256), (16, 64), (16, 256)):
        Y = symmetric_target(d, 0)
        W0 = mlp_params(d, h)
        W = [w.copy() for w in W0]

        def reset():
            for w, w0 in zip(W, W0):
                w[...] = w0

        def step():
            _, G = mlp_loss_grad(W, Y)
            for w, g in zip(W, G):
                w -= eta * g  # in place, as a researcher's loop would do

        out[f"mlp-step/{d}/{h}"] = measure(step, args.repeats, args.min_time, setup=reset)
        reset()
        V = [np.random.default_rng(1).standard_normal(w.shape) for w in W]
        _, _, caches = mlp_loss_grad(W, Y, cache=True)
        out[f"mlp-hvp/{d}/{h}"] = measure(lambda: mlp_hvp(W, V, caches), args.repeats, args.min_time)

        def hvp_fd():
            gp = mlp_loss_grad([w + eps * v for w, v in zip(W, V)], Y)[1]
            gm = mlp_loss_grad([w - eps * v for w, v in zip(W, V)], Y)[1]
            return [(a - b) / (2 * eps) for a, b in zip(gp, gm)]

        out[f"mlp-hvp-fd/{d}/{h}"] = measure(hvp_fd, args.repeats, args.min_time)
        # The two NumPy HVPs must agree (a check of the baseline itself, printed by bench/run.ts).
        exact = mlp_hvp(W, V, caches)
        rel = max(float(np.max(np.abs(a - b))) for a, b in zip(exact, hvp_fd())) / max(float(np.max(np.abs(a))) for a in exact)
        out[f"mlp-hvp/{d}/{h}"]["extra"] = {"fdRelativeDifference": rel, "nParams": int(sum(w.size for w in W)),
                                            "fdMedian": out[f"mlp-hvp-fd/{d}/{h}"]["median"]}
    return out


WORKLOADS = {"gemm": workload_gemm, "axpy": workload_axpy, "reduced": workload_reduced,
             "full": workload_full, "step": workload_step, "mlp": workload_mlp}


def blas_name():
    try:
        info = np.show_config(mode="dicts")
        return info["Build Dependencies"]["blas"]["name"] + " " + str(info["Build Dependencies"]["blas"].get("version", ""))
    except Exception:  # older NumPy
        return "unknown"


def main():
    results = {}
    for name in [w.strip() for w in ARGS.workloads.split(",") if w.strip()]:
        if name not in WORKLOADS:
            sys.exit(f"baseline.py: unknown workload {name!r} (known: {', '.join(WORKLOADS)})")
        results.update(WORKLOADS[name](ARGS))
    meta = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "blas": blas_name(), "blasThreads": ARGS.threads or "default"}
    if ARGS.json:
        json.dump({"meta": meta, "results": results}, sys.stdout)
        sys.stdout.write("\n")
        return
    print(f"NumPy {meta['numpy']}, SciPy {meta['scipy']}, {meta['blas']}, Python {meta['python']}")
    for key, r in results.items():
        print(f"{key:18s} median {r['median']:.3e} s  (min {r['min']:.3e}, max {r['max']:.3e}, {r['repeats']} repeats)")
        if "extra" in r:
            print(f"{'':18s} {json.dumps(r['extra'])[:200]}")


if __name__ == "__main__":
    main()
