#!/usr/bin/env python3
"""Independent check of variant_parity.json (issue 9's variants).

Recomputes every part of the fixture from the JSON alone, without torch:

* "stimulus": the spike probability of every sample, step and fibre, from the formulas
  (power envelope at the bin's start; the exact integral of the power-2 envelope over the
  bin; phase-delay jitter), written here independently of spikeloc_reference.py (1e-12).
* "gradients": loss, penalty, scores, spike counts, decision margin and the gradients of the
  raw weights, with the float64 numpy forward pass and backpropagation through time of
  check_core_fixture.py, through the constraints (w = |w| * sign per row, d|w|/dw = sign(w),
  0 at 0) and the dropout mask, which is recomputed here from its key.
* "midpoint_error": classes, accuracy, the seed's error and the paper's midpoint error.

usage: python3 reference/check_variant_fixture.py [path/to/variant_parity.json]
"""

import json
import math
import sys

import numpy as np

from check_core_fixture import TOL, compute_case, rel

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


# ---------------------------------------------------------------------------
# Dropout mask (the definition shared with the Swift side)

def mix(z):
    """SplitMix64's finaliser, 64-bit wrapping."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def dropout_keep(key, p, batch, steps, units):
    """keep[n, t, j] iff u >= p, u = (mix(S + e * golden) >> 11) * 2^-53, e = t * units + j,
    S = mix(key ^ mix(n + golden)) for sample n (its position in the batch)."""
    keep = np.zeros((batch, steps, units), dtype=bool)
    for n in range(batch):
        s = mix(key ^ mix(n + GOLDEN))
        for t in range(steps):
            for j in range(units):
                e = t * units + j
                u = (mix(s + e * GOLDEN) >> 11) * 2.0 ** -53
                keep[n, t, j] = u >= p
    return keep


def dropout_factor(case):
    """[B, T, N] factors on the hidden spikes that feed the read-out (None without dropout)."""
    if case.get("dropout_p") is None:
        return None
    p = float(case["dropout_p"])
    B, T, N = case["batch"], case["steps"], case["layers"][-1]["neurons"]
    keep = dropout_keep(int(case["dropout_key"]), p, B, T, N)
    scale = float(np.float32(1.0 / (1.0 - p)))
    return keep * scale, keep


# ---------------------------------------------------------------------------
# Gradient cases

def row_signs(case, name, rows):
    """+1/-1 per row of a constrained matrix, None when it is used as it is."""
    kind = case["constraints"][name]
    if kind == "none":
        return None
    s = np.ones(rows)
    if kind == "signed-rows":
        s[np.array(case["inhibitory_rows"][name], dtype=int)] = -1
    elif kind != "non-negative":
        raise ValueError(kind)
    return s


def compute_variant(case):
    """The case in float64 with raw weights: effective weights, then compute_case, then the
    chain rule back through |w| * sign. Returns compute_case's dict with raw gradients."""
    eff = json.loads(json.dumps(case))  # a deep copy with the effective weights
    pre = case["inputs"]
    chains = {}
    mats = [("w1", case["layers"][0], pre, case["layers"][0]["neurons"]),
            ("w2", case["readout"], case["layers"][0]["neurons"], case["readout"]["classes"])]
    for (name, holder, rows, cols), target in zip(mats, [eff["layers"][0], eff["readout"]]):
        w = np.array(holder["w"], dtype=np.float64).reshape(rows, cols)
        s = row_signs(case, name, rows)
        if s is not None:
            target["w"] = (np.abs(w) * s[:, None]).ravel().tolist()
            chains[name] = np.sign(w) * s[:, None]            # d(|w| s)/dw, 0 at w = 0
    factor = dropout_factor(case)
    r = compute_case(eff, hidden_factor=None if factor is None else factor[0])
    grads = {}
    for name, g in r["grads"].items():
        if name.startswith("tau") and not case["learn_tau"]:
            continue
        grads[name] = g * chains[name] if name in chains else g
    r["grads"] = grads
    return r


def check_gradient_case(case):
    r = compute_variant(case)
    errs = {"scores": rel(r["scores"], case["scores"]),
            "loss": abs(r["loss"] - case["loss"]) / max(1.0, abs(case["loss"])),
            "penalty": abs(r["penalty"] - case["penalty"]) / max(1.0, abs(case["penalty"]))}
    if set(r["grads"]) != set(case["gradients"]):
        errs["gradient names"] = np.inf
    for k in r["grads"]:
        errs[f"grad {k}"] = rel(r["grads"][k], case["gradients"].get(k, []))
    ok = {k: e <= (1e-5 if k in ("loss", "penalty") else TOL) for k, e in errs.items()}
    ok["hidden_spike_counts"] = r["hidden_spike_counts"] == case["hidden_spike_counts"]
    ok["min_margin"] = abs(r["margin"] - case["min_margin"]) < 1e-5 and r["margin"] > 1e-4
    factor = dropout_factor(case)
    if factor is not None:
        ok["dropout_mask"] = factor[1].astype(int).ravel().tolist() == case["dropout_mask"]
        ok["dropout_scale"] = float(np.float32(1 / (1 - float(case["dropout_p"])))) == case["dropout_scale"]
    worst = max((e, k) for k, e in errs.items() if k.startswith("grad"))
    print(f"  {case['name']:22s} loss {r['loss']:.7f} (fixture {case['loss']:.7f})  penalty {r['penalty']:.6f}"
          f"  margin {r['margin']:.3g}  scores rel {errs['scores']:.1e}  worst grad rel {worst[0]:.1e} ({worst[1][5:]})")
    bad = {k: errs.get(k, v) for k, v in ok.items() if not v}
    if bad:
        print("    MISMATCH:", bad)
    return not bad


# ---------------------------------------------------------------------------
# Stimulus

def probability(case):
    """p[n][t][c] from the formulas, element by element over the fibres (vectorised over time)."""
    anf, T = case["anf_per_ear"], case["steps"]
    dt = case["dt_ms"] / 1000.0
    f, rmax, k = case["stimulus_frequency_hz"], case["rate_max_hz"], case["envelope_power"]
    jitter = case["jitter"]
    out = np.zeros((len(case["ipds"]), T, 2 * anf))
    t = np.arange(T) * dt
    for n, ipd in enumerate(case["ipds"]):
        for c in range(2 * anf):
            j = c % anf
            delay = j * (math.pi / 2) / (anf - 1)                # linspace(0, pi/2, anf)
            if jitter is not None:
                delay += jitter[c]
            if c >= anf:
                delay += ipd
            a = 2 * math.pi * (f * t + case["phi0"]) + delay     # phase at the bin's start
            if case["envelope"] == "integral":
                # integral over [t, t + dt] of rmax ((1 + sin(a + 2 pi f s)) / 2)^2 ds
                w = 2 * math.pi * f
                b = a + w * dt
                F = lambda x: 1.5 * x - 2 * np.cos(x) - np.sin(2 * x) / 4   # antiderivative of (1+sin x)^2
                out[n, :, c] = rmax / 4 * (F(b) - F(a)) / w
            else:
                out[n, :, c] = rmax * dt * ((1 + np.sin(a)) / 2) ** k
    return out


def check_stimulus_case(case):
    ours = probability(case)
    theirs = np.array(case["probability"], dtype=np.float64)
    err = np.abs(ours - theirs).max() if ours.shape == theirs.shape else np.inf
    print(f"  {case['name']:22s} max |dp| {err:.2e}  (p in [{theirs.min():.3g}, {theirs.max():.3g}])")
    return err <= 1e-12


# ---------------------------------------------------------------------------
# Midpoint error

def check_midpoint(m):
    C = m["classes"]
    ipd = np.array(m["true_ipds"], dtype=np.float32)
    # the class in single precision, as torch computes ((ipd + pi/2) * C / pi).long() on float32
    cls = ((ipd + np.float32(np.pi / 2)) * np.float32(C) / np.float32(np.pi)).astype(np.int64)
    pred = np.array(m["predicted_classes"])
    mid = lambda k: (k + 0.5) / C * np.pi - np.pi / 2
    acc = 100.0 * np.mean(cls == pred)
    err = np.mean(np.abs(ipd.astype(np.float64) - mid(pred))) * 180 / np.pi
    merr = np.mean(np.abs(mid(cls) - mid(pred))) * 180 / np.pi
    ok = (cls.tolist() == m["true_classes"] and abs(acc - m["accuracy_percent"]) < 1e-12
          and abs(err - m["abs_error_deg"]) < 1e-9 and abs(merr - m["midpoint_error_deg"]) < 1e-9)
    print(f"  midpoint_error: accuracy {acc:.1f}%  seed error {err:.6f} deg (fixture {m['abs_error_deg']:.6f})"
          f"  midpoint error {merr:.6f} deg (fixture {m['midpoint_error_deg']:.6f})")
    return ok


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "Tests/SpikingCoreTests/Fixtures/variant_parity.json"
    with open(path) as f:
        fx = json.load(f)
    results = []
    print("stimulus")
    results += [check_stimulus_case(c) for c in fx["stimulus"]]
    print("gradients")
    results += [check_gradient_case(c) for c in fx["gradients"]]
    print("midpoint_error")
    results.append(check_midpoint(fx["midpoint_error"]))
    ok = all(results)
    print(f"all {len(results)} parts agree" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
