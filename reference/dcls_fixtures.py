#!/usr/bin/env python3
"""PyTorch side of the DCLS (learned delays) parity test: writes dcls_parity.json.

Every case is the notebook network of research/Quick_Start_Delay_DCLS.ipynb
(reference/dcls_notebook.py) at some size: inputs -> Dcls1d (D taps) -> the
notebook's LIF layer -> Dcls1d (or, with layers_delayed "input", the plain
dense h2[t] = s[t] @ w2) -> leaky-integrator read-out; loss
NLL(log_softmax(0.01 * sum_t v)), mean over the batch. The forward pass and
autograd run in float32 through dcls 0.1.1's Dcls1d (dcls_notebook.Dcls1d: the
package's module and kernel constructor, with the notebook's rounding, clamping
and zero SIG in 'max' mode) and the notebook's own layer1 / membrane_only
(dcls_notebook.py); weight, P and SIG are set on the modules.

For each case, seeds are tried until the hidden layer spikes in >= 2% of its
neuron-steps, every spike decision is more than 1e-4 from the threshold
(min_margin, float64 of the float32 membrane, over all decisions v_0..v_{T-2}),
and the float32 scores and gradients agree with the same computation in
float64 (the same modules .double()) to 1e-5 of each tensor's largest entry.
Weights are Kaiming-uniform (U(-b, b), b = sqrt(6 / fan_in), as the notebook's
kaiming_uniform_(nonlinearity='relu')), w1 times 1.5 at 200 inputs (a more
active hidden layer: 5-11% of the neuron-steps instead of 3-4%), and weights and
positions are rounded to multiples of 2^-12 (exact, short decimals). Input
spikes are Bernoulli with a rate per channel (U(0.02, 0.2); small: U(0.1, 0.5)).
Positions: small U(-2.5, 2.5) (beyond +-taps//2: gauss does not clamp in the
forward pass), notebook-early N(0, 0.5) clamped, the others U(-taps//2, taps//2);
notebook-max has, as the first 18 entries of p1 and of p2, half-integers and
values beyond +-15 (SPECIAL_POSITIONS) to pin the rounding and the clamp.

Layouts (all flattened row-major, input-major): w1, p1, gradients w1/p1:
index i*hidden + j (input i, hidden neuron j) = Dcls1d.weight[j, i, 0] /
P[0, j, i, 0]; w2, p2: index j*classes + c. spikes[sample][step] = the active
input channels, increasing. scores[b*classes + c] = sum over the T steps of the
read-out membrane (the initial 0 included), unscaled. Floats are written with
the fewest digits that identify their float32 value.

Deterministic (one thread); takes a few seconds. From the repository root:

    python3 reference/dcls_fixtures.py --out Tests/SpikingCoreTests/Fixtures/dcls_parity.json

then check it independently (float64 numpy, hand-written BPTT, no autograd):

    python3 reference/check_dcls_fixture.py Tests/SpikingCoreTests/Fixtures/dcls_parity.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dcls_notebook as dn  # noqa: E402

F32, F64 = torch.float32, torch.float64
GRID = 2.0 ** -12

BASE = dict(steps=100, inputs=200, hidden=30, batch=4, layers_delayed="both",
            rate_lo=0.02, rate_hi=0.2, w1_scale=1.5, w2_scale=1.0, specials=False)

CASES = [
    dict(name="small", inputs=16, hidden=10, steps=20, taps=5, version="gauss", sigma=0.7,
         positions=("uniform", 2.5), rate_lo=0.1, rate_hi=0.5, w1_scale=1.0),
    dict(name="notebook-early", taps=31, version="gauss", sigma=15.0, positions=("normal", 0.5)),
    dict(name="notebook-late", taps=31, version="gauss", sigma=0.23, positions=("uniform", 15.0)),
    dict(name="notebook-max", taps=31, version="max", sigma=0.23, positions=("uniform", 15.0),
         specials=True),
    dict(name="taps25", inputs=40, hidden=12, taps=25, version="gauss", sigma=2.0, positions=("uniform", 12.0)),
    dict(name="taps35", inputs=40, hidden=12, taps=35, version="gauss", sigma=2.0, positions=("uniform", 17.0)),
    dict(name="input-delayed", inputs=40, hidden=12, taps=31, version="gauss", sigma=3.0, positions=("uniform", 15.0),
         layers_delayed="input"),
    # a Gaussian of width |sigma| + 0.27 = 1.07 spans about 13 taps (spikeloc's 16-tap windows)
    dict(name="notebook-mid", taps=31, version="gauss", sigma=0.8, positions=("uniform", 15.0)),
]

# 'max' case: exact half-integers (torch.round: half to even) and values beyond +-15
# (clamped after rounding), written into the first entries of p1 and p2.
SPECIAL_POSITIONS = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 13.5, -14.5, 14.5, 15.0, -15.0,
                     15.5, -15.5, 16.0, -17.25, 20.75, 14.75, -14.25]


def f32(v) -> float:
    """The float with the fewest decimal digits that still identifies float32 `v` (keeps the file small)."""
    return float(np.format_float_scientific(np.float32(v), unique=True))


def f32list(a) -> list:
    return [f32(v) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def on_grid(a):
    return np.round(np.asarray(a, dtype=np.float64) / GRID) * GRID


def draw_case(c: dict, seed: int) -> dict:
    """Inputs and parameters of a case (numpy float64 on the 2^-12 grid, exact in float32)."""
    rng = np.random.default_rng(seed)
    B, T, I, H, C, D = c["batch"], c["steps"], c["inputs"], c["hidden"], dn.NUM_CLASSES, c["taps"]
    rates = rng.uniform(c["rate_lo"], c["rate_hi"], size=I)
    spikes = rng.random((B, T, I)) < rates[None, None, :]
    labels = rng.integers(0, C, size=B)
    b1, b2 = np.sqrt(6.0 / I), np.sqrt(6.0 / H)
    w1 = on_grid(rng.uniform(-b1, b1, size=(I, H)) * c["w1_scale"])
    w2 = on_grid(rng.uniform(-b2, b2, size=(H, C)) * c["w2_scale"])

    def positions(shape):
        kind, a = c["positions"]
        if kind == "normal":
            p = np.clip(rng.normal(0.0, a, size=shape), -(D // 2), D // 2)
        else:
            p = rng.uniform(-a, a, size=shape)
        p = on_grid(p)
        if c["specials"]:
            flat = p.reshape(-1)
            flat[:len(SPECIAL_POSITIONS)] = SPECIAL_POSITIONS
        return p

    p1 = positions((I, H))
    p2 = positions((H, C)) if c["layers_delayed"] == "both" else None
    return dict(spikes=spikes, labels=labels, w1=w1, p1=p1, w2=w2, p2=p2)


def make_dcls(n_in, n_out, D, version, w, p, sigma, dt):
    m = dn.Dcls1d(n_in, n_out, kernel_count=1, groups=1, dilated_kernel_size=D, bias=False,
                  version=version)
    m = m.to(dt)
    with torch.no_grad():
        m.weight.copy_(torch.tensor(w.T[:, :, None], dtype=dt))
        m.P.copy_(torch.tensor(p.T[None, :, :, None], dtype=dt))
        m.SIG.fill_(sigma)
    m.SIG.requires_grad = False
    return m


def layer1_record(cfg, h, tau):
    """dn.layer1's arithmetic, also returning the membranes v_0..v_{T-2} of the decisions."""
    v = torch.zeros((h.shape[0], h.shape[2]), dtype=h.dtype)
    s = torch.zeros_like(v)
    vs = []
    alpha = np.exp(-cfg.dt / tau)
    for t in range(cfg.steps - 1):
        new_v = (alpha * v + h[:, t, :]) * (1 - s)
        vs.append(v)
        s = (v - 1 > 0).to(h.dtype)
        v = new_v
    return torch.stack(vs, dim=1)


def run_case(c: dict, d: dict, dt) -> dict:
    """Forward, loss and gradients through dn's notebook code path in dtype dt."""
    old = dn.dtype
    dn.dtype = dt
    try:
        cfg = dn.Config(hidden=c["hidden"], max_delay_ms=float(c["taps"]),
                        duration_ms=float(c["steps"]), anf_per_ear=c["inputs"] // 2)
        assert cfg.max_delay == c["taps"] and cfg.steps == c["steps"]
        D, tau = c["taps"], cfg.tau_ms * dn.MS
        m1 = make_dcls(c["inputs"], c["hidden"], D, c["version"], d["w1"], d["p1"], c["sigma"], dt)
        x = torch.tensor(d["spikes"], dtype=dt)
        h1 = dn.delayed(cfg, m1, x)
        s_rec = dn.layer1(cfg, h1, tau)
        if c["layers_delayed"] == "both":
            m2 = make_dcls(c["hidden"], dn.NUM_CLASSES, D, c["version"], d["w2"], d["p2"],
                           c["sigma"], dt)
            h2 = dn.delayed(cfg, m2, s_rec)
            params = [m1.weight, m1.P, m2.weight, m2.P]
        else:
            w2 = torch.tensor(d["w2"], dtype=dt, requires_grad=True)
            h2 = s_rec @ w2
            params = [m1.weight, m1.P, w2]
        v_rec = dn.membrane_only(cfg, h2, tau)
        scores = v_rec.sum(1)
        y = torch.tensor(d["labels"], dtype=torch.long)
        loss = dn.loss_fn(dn.log_softmax_fn(scores * dn.OUTPUT_SCALE), y)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            vdec = layer1_record(cfg, h1.detach(), tau)
            assert torch.equal((vdec - 1 > 0).to(dt), s_rec[:, 1:, :])
        g = {"w1": grads[0][:, :, 0].T.numpy(), "p1": grads[1][0, :, :, 0].T.numpy()}
        if c["layers_delayed"] == "both":
            g["w2"] = grads[2][:, :, 0].T.numpy()
            g["p2"] = grads[3][0, :, :, 0].T.numpy()
        else:
            g["w2"] = grads[2].numpy()
        return dict(scores=scores.detach().numpy(), loss=float(loss.detach()),
                    spikes=s_rec.detach().numpy(),
                    min_margin=float(np.abs(vdec.numpy().astype(np.float64) - 1.0).min()),
                    grads=g)
    finally:
        dn.dtype = old


def max_rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.abs(b).max()
    return float(np.abs(a - b).max() / scale) if scale > 0 else float(np.abs(a - b).max())


def build_case(spec: dict, first_seed: int, tries: int = 200) -> dict:
    c = dict(BASE, **spec)
    for seed in range(first_seed, first_seed + tries):
        d = draw_case(c, seed)
        r32 = run_case(c, d, F32)
        activity = r32["spikes"].mean()
        if activity < 0.02 or r32["min_margin"] <= 1e-4:
            continue
        r64 = run_case(c, d, F64)
        errs = [max_rel(r32["scores"], r64["scores"])]
        errs += [max_rel(r32["grads"][k], r64["grads"][k]) for k in r32["grads"]
                 if np.abs(r64["grads"][k]).max() > 0]
        if max(errs) > 1e-5 or abs(r32["loss"] - r64["loss"]) > 1e-5 * abs(r64["loss"]):
            continue
        if c["version"] == "max":
            assert all(not np.any(r32["grads"][k]) for k in ("p1", "p2"))
        print(f"{c['name']}: seed {seed}, hidden activity {activity:.3f}, "
              f"min margin {r32['min_margin']:.2e}, loss {r32['loss']:.6f}, "
              f"float32 vs float64 {max(errs):.1e}", file=sys.stderr)
        B, T = c["batch"], c["steps"]
        return {
            "name": c["name"], "seed": seed, "steps": T, "dt_ms": 1.0,
            "inputs": c["inputs"], "hidden": c["hidden"], "classes": dn.NUM_CLASSES,
            "tau_ms": 5.0, "surrogate_beta": float(dn.BETA),
            "output_scale": dn.OUTPUT_SCALE, "batch": B, "taps": c["taps"],
            "layers_delayed": c["layers_delayed"], "version": c["version"],
            "sigma": float(np.float32(c["sigma"])),
            "w1": f32list(d["w1"]), "p1": f32list(d["p1"]),
            "w2": f32list(d["w2"]), "p2": None if d["p2"] is None else f32list(d["p2"]),
            "spikes": [[np.flatnonzero(d["spikes"][b, t]).tolist() for t in range(T)]
                       for b in range(B)],
            "labels": [int(v) for v in d["labels"]],
            "scores": f32list(r32["scores"]),
            "loss": f32(r32["loss"]),
            "hidden_spike_counts": [int(v) for v in r32["spikes"].sum(axis=(1, 2))],
            "min_margin": r32["min_margin"],
            "gradients": {k: f32list(v) for k, v in r32["grads"].items()},
        }
    raise RuntimeError(f"{c['name']}: no seed in {tries} tries met the conditions")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="Tests/SpikingCoreTests/Fixtures/dcls_parity.json")
    ap.add_argument("--only", default=None, help="comma-separated case names (for trying)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    only = None if args.only is None else set(args.only.split(","))
    cases = [build_case(spec, 1000 * (k + 1)) for k, spec in enumerate(CASES)
             if only is None or spec["name"] in only]
    written_by = (
        f"reference/dcls_fixtures.py: torch {torch.__version__}, dcls {dn.dcls_version()}; "
        "float32 autograd through the dcls package's Dcls1d (weight, P, SIG set; 'max' with "
        "the notebook's round (half to even), clamp to +-taps//2 and zero SIG before the "
        "package's forward_vmax) and the notebook's layer1 / membrane_only "
        "(reference/dcls_notebook.py); layers_delayed 'input': h2 = s @ w2 (torch matmul)")
    with open(args.out, "w") as f:
        json.dump({"written_by": written_by, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB, {len(cases)} cases)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
