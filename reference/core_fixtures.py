#!/usr/bin/env python3
"""PyTorch side of the core parity test: writes core_parity.json.

A small, readable float32 autograd implementation of the general network that
docs/core-model.md defines (hidden spiking layers with spike timing
`previous`|`current`, reset `zero`|`subtract`, adaptive threshold, optional
recurrent weights, per-neuron time constants; read-outs sum|mean|max|last
(leaky integrator) and spike-count (spiking output layer); softmax
cross-entropy plus the firing-rate penalty). It runs a list of cases and writes,
for each, the inputs, the parameters, and PyTorch's loss, scores and gradients
of every named parameter (w{l}, v{l}, tau{l}; the read-out is layer L+1).

Nothing is detached: gradients flow through the reset factor, the subtracted
threshold and the threshold's adaptation trace. Every time constant is a float64
leaf tensor in ms and alpha = exp(-dt/tau) is computed in double and used as
float32, so autograd gives dL/dtau (ms) directly.

Deterministic (fixed seeds, one thread); takes a few seconds. From the repository root:

    python3 reference/core_fixtures.py --out Tests/SpikingCoreTests/Fixtures/core_parity.json

then check it independently (float64 numpy, no autograd) with

    python3 reference/check_core_fixture.py Tests/SpikingCoreTests/Fixtures/core_parity.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

F32 = torch.float32
F64 = torch.float64


def f32(x) -> float:
    """A float32 value as the exact Python float (json writes it with repr)."""
    return float(np.float32(x))


def flat(t: torch.Tensor) -> list:
    """Row-major list of exact float32 values."""
    return [float(v) for v in t.detach().cpu().to(F32).reshape(-1).numpy()]


# ---------------------------------------------------------------------------
# Surrogate spike function

class SpikeFn(torch.autograd.Function):
    """Forward H(x) = 1 if x > 0 else 0; backward b*sig(b x)*(1 - sig(b x))."""

    @staticmethod
    def forward(ctx, x, b):
        ctx.save_for_backward(x)
        ctx.b = b
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        s = torch.sigmoid(ctx.b * x)
        return grad_output * (ctx.b * s * (1 - s)), None


def spike(x, b):
    return SpikeFn.apply(x, b)


# ---------------------------------------------------------------------------
# Model

@dataclass
class LayerSpec:
    """One spiking layer (hidden, or the spike-count output layer)."""
    neurons: int
    timing: str = "previous"      # "previous" (the notebook's) | "current" (standard LIF)
    reset: str = "zero"           # "zero" | "subtract"
    threshold: float = 1.0
    adaptation: float = 0.0       # beta of theta = thr + beta * a
    threshold_tau_ms: float = 5.0
    recurrent: bool = False


def decay(tau_ms: torch.Tensor, dt_ms: float, dtype=F32) -> torch.Tensor:
    """exp(-dt/tau) computed in double precision, used as float32 (differentiable)."""
    return torch.exp(-dt_ms / tau_ms).to(dtype)


def spiking_layer(spec: LayerSpec, x, w, v_rec, tau, dt_ms, b, decisions):
    """x: [B, T, pre] float32 -> output spikes y: [B, T, N].

    `decisions` receives, for every spike decision whose result is output, the
    pair (value, theta) of float32 tensors: (v, theta) for `previous` timing,
    (u, theta) for `current`. It does not change the computation. (Float32 throughout;
    float64 only for the rounding check of make_case, when x is float64.)"""
    B, T, _ = x.shape
    N = spec.neurons
    dt = x.dtype
    alpha = decay(tau, dt_ms, dt)                                        # [N]
    rho = torch.tensor(math.exp(-dt_ms / spec.threshold_tau_ms), dtype=F64).to(dt)
    thr = torch.tensor(spec.threshold, dtype=dt)
    beta = torch.tensor(spec.adaptation, dtype=dt)
    h = torch.einsum("btp,pn->btn", x, w)                                # feed-forward currents
    v = torch.zeros(B, N, dtype=dt)
    s = torch.zeros(B, N, dtype=dt)
    a = torch.zeros(B, N, dtype=dt)
    y_prev = torch.zeros(B, N, dtype=dt)
    ys = []
    for t in range(T):
        cur = h[:, t]
        if v_rec is not None:
            cur = cur + y_prev @ v_rec                                   # y_l[t-1] . V_l
        theta = thr + beta * a                                           # old a
        if spec.timing == "previous":
            y = s                                                        # the stored spike
            if spec.reset == "zero":
                v_new = (alpha * v + cur) * (1 - s)
            else:
                v_new = alpha * v + cur - theta * s
            if t < T - 1:                                                # the last decision is never output
                decisions.append((v, theta))
            s = spike(v - theta, b)                                      # old v, old a
            a = rho * a + (1 - rho) * s                                  # the new spike
            v = v_new
        else:
            u = alpha * v + cur
            decisions.append((u, theta))
            y = spike(u - theta, b)
            if spec.reset == "zero":
                v = u * (1 - y)
            else:
                v = u - theta * y
            a = rho * a + (1 - rho) * y
        ys.append(y)
        y_prev = y
    return torch.stack(ys, dim=1)


def leaky_readout(y, w, tau, dt_ms):
    """v[0] = 0, v[t+1] = alpha v[t] + I[t] for t < T-1; returns v[0..T-1]: [B, T, C]."""
    B, T, _ = y.shape
    alpha = decay(tau, dt_ms, y.dtype)
    h = torch.einsum("btn,nc->btc", y, w)
    v = torch.zeros(B, w.shape[1], dtype=y.dtype)
    rec = [v]
    for t in range(T - 1):
        v = alpha * v + h[:, t]
        rec.append(v)
    return torch.stack(rec, dim=1)


def first_argmax(v):
    """Index of the first step attaining the maximum over dim 1 of [B, T, C]."""
    T = v.shape[1]
    mx = v.max(dim=1, keepdim=True).values
    steps = torch.arange(T).view(1, T, 1).expand_as(v)
    return torch.where(v == mx, steps, torch.full_like(steps, T)).min(dim=1).values   # [B, C]


def rate_penalty(y, c, rmin, rmax, dt_ms):
    """mean_j(c * (relu(fr_j - rmin)/(rmax - rmin))^2) / N for one layer's spikes [B, T, N]."""
    B, T, N = y.shape
    fr = y.sum(dim=(0, 1)) / (B * T * (dt_ms / 1000.0))                 # Hz
    return (c * (F.relu(fr - rmin) / (rmax - rmin)) ** 2).mean() / N


# ---------------------------------------------------------------------------
# Cases

@dataclass
class Case:
    name: str
    hidden: list                    # [LayerSpec]
    inputs: int = 40
    classes: int = 12
    steps: int = 30
    batch: int = 4
    dt_ms: float = 1.0
    surrogate_beta: float = 5.0
    output_scale: float = 0.01
    readout: str = "sum"            # sum | mean | max | last | spike-count
    output: LayerSpec | None = None   # the spiking output layer (spike-count only)
    penalty: tuple | None = None    # (c, rate_min_hz, rate_max_hz)
    tau_range: tuple | None = None  # per-neuron taus ~ U(lo, hi) ms; None: 5 ms everywhere
    input_rate: float = 0.2
    gains: list = field(default_factory=list)   # weight scale of each hidden layer (see draw_weight)
    out_gain: float = 1.0
    out_shift: float = 0.0
    first_seed: int = 0
    min_rate: float = 0.02          # hidden spikes per neuron and step needed (per layer)
    require_spikes: bool = True


def draw_weight(g, pre, post, gain, shift, rate):
    """U(m - k, m + k) with k = gain / sqrt(pre * rate) and m = shift / (pre * rate): for
    presynaptic spikes of probability `rate` per step, a current of mean `shift` and standard
    deviation ~0.58 gain per step, whatever the fan-in. Rounded to multiples of 2^-12: exact
    float32 values with short decimals (a smaller fixture)."""
    k = gain / math.sqrt(pre * rate)
    m = shift / (pre * rate)
    w = m + k * (torch.rand(pre, post, generator=g, dtype=F64) * 2 - 1)
    return (torch.round(w * 4096) / 4096).to(F32)


def build(case: Case, seed: int):
    """Inputs and parameters of one case from one seed (torch generator, CPU)."""
    g = torch.Generator().manual_seed(seed)
    B, T, I = case.batch, case.steps, case.inputs
    x = (torch.rand(B, T, I, generator=g, dtype=F64) < case.input_rate).to(F32)
    labels = torch.randint(0, case.classes, (B,), generator=g)
    params = {}
    pre, rate = I, case.input_rate
    for l, spec in enumerate(case.hidden, start=1):
        gain, shift = case.gains[l - 1]
        params[f"w{l}"] = draw_weight(g, pre, spec.neurons, gain, shift, rate)
        if spec.recurrent:
            params[f"v{l}"] = draw_weight(g, spec.neurons, spec.neurons, 0.5 * gain, 0.0, 0.1)
        params[f"tau{l}"] = draw_tau(g, case, spec.neurons)
        pre, rate = spec.neurons, 0.1
    L1 = len(case.hidden) + 1
    params[f"w{L1}"] = draw_weight(g, pre, case.classes, case.out_gain, case.out_shift, rate)
    params[f"tau{L1}"] = draw_tau(g, case, case.classes)
    # float32 leaves for the weights, float64 leaves (holding float32 values) for the taus
    for k, v in params.items():
        params[k] = v.to(F64 if k.startswith("tau") else F32).clone().requires_grad_(True)
    return x, labels, params


def draw_tau(g, case, n):
    if case.tau_range is None:
        return torch.full((n,), 5.0, dtype=F64)
    lo, hi = case.tau_range
    tau = lo + (hi - lo) * torch.rand(n, generator=g, dtype=F64)
    return tau.to(F32).to(F64)          # float32 values, so the JSON is exact


def run(case: Case, x, labels, params):
    """Forward pass and loss; returns everything the fixture records."""
    b = case.surrogate_beta
    decisions = []
    ys = []
    inp = x
    for l, spec in enumerate(case.hidden, start=1):
        inp = spiking_layer(spec, inp, params[f"w{l}"], params.get(f"v{l}"), params[f"tau{l}"],
                            case.dt_ms, b, decisions)
        ys.append(inp)
    L1 = len(case.hidden) + 1
    w_out, tau_out = params[f"w{L1}"], params[f"tau{L1}"]
    out_spikes = None
    max_gap = None
    if case.readout == "spike-count":
        out_spikes = spiking_layer(case.output, inp, w_out, None, tau_out, case.dt_ms, b, decisions)
        score = out_spikes.sum(dim=1)
    else:
        v = leaky_readout(inp, w_out, tau_out, case.dt_ms)
        if case.readout == "sum":
            score = v.sum(dim=1)
        elif case.readout == "mean":
            score = v.sum(dim=1) / case.steps
        elif case.readout == "last":
            score = v[:, -1]
        elif case.readout == "max":
            idx = first_argmax(v.detach())
            score = v.gather(1, idx.unsqueeze(1)).squeeze(1)
            max_gap = argmax_gap(v.detach(), idx)
        else:
            raise ValueError(case.readout)
    loss_ce = F.cross_entropy(case.output_scale * score, labels)
    penalty = torch.zeros((), dtype=x.dtype)
    if case.penalty is not None:
        c, rmin, rmax = case.penalty
        for y in ys:
            penalty = penalty + rate_penalty(y, c, rmin, rmax, case.dt_ms)
    loss = loss_ce + penalty
    margin = min(float((val.detach().double() - th.detach().double()).abs().min())
                 for val, th in decisions)
    return dict(loss=loss, penalty=penalty, score=score, ys=ys, out_spikes=out_spikes,
                margin=margin, max_gap=max_gap)


def argmax_gap(v, idx):
    """Smallest distance (float64) between the chosen maximum and any other step's value,
    ignoring exact ties of two zeros (v[0] = v[1] = 0 when the hidden layer cannot spike at 0)."""
    v = v.double()
    B, T, C = v.shape
    best = v.gather(1, idx.unsqueeze(1))                                 # [B, 1, C]
    other = torch.arange(T).view(1, T, 1) != idx.unsqueeze(1)
    zero_tie = (v == 0) & (best == 0)
    d = torch.where(other & ~zero_tie, best - v, torch.full_like(v, math.inf))
    return float(d.min())


def rounding_error(case, x, labels, params, grads):
    """Largest, over the gradient tensors, of max|g32 - g64| / max|g64|, with g64 from the same
    computation in float64: the fixture must not be dominated by float32 rounding (e.g. by
    1 - sig(b x) for a decision far from the threshold, when nothing else matters)."""
    p64 = {k: p.detach().to(F64).clone().requires_grad_(True) for k, p in params.items()}
    run(case, x.to(F64), labels, p64)["loss"].backward()
    worst = 0.0
    for k, p in p64.items():
        ref = float(p.grad.abs().max())
        err = float((grads[k].to(F64) - p.grad).abs().max())
        worst = max(worst, err / ref if ref > 0 else (0.0 if err == 0 else math.inf))
    return worst


def make_case(case: Case, max_seeds=500):
    """Try seeds until every spiking layer spikes enough and no spike decision (nor the
    max read-out's argmax) is close enough to a tie for float32 rounding to flip it."""
    for seed in range(case.first_seed, case.first_seed + max_seeds):
        x, labels, params = build(case, seed)
        r = run(case, x, labels, params)
        B, T = case.batch, case.steps
        counts = [int(y.sum()) for y in r["ys"]]
        ok = r["margin"] > 1e-4
        if case.require_spikes:
            ok &= all(c >= max(1, case.min_rate * B * T * spec.neurons)
                      for c, spec in zip(counts, case.hidden))
        if r["out_spikes"] is not None:
            ok &= int(r["out_spikes"].sum()) >= max(1, 0.02 * B * T * case.classes)
        if r["max_gap"] is not None:
            ok &= r["max_gap"] > 1e-3
        if case.penalty is not None:
            ok &= float(r["penalty"].detach()) > 0
        if not ok:
            continue
        r["loss"].backward()
        grads = {k: p.grad for k, p in params.items()}
        if not all(float(g.abs().max()) > 0 for k, g in grads.items() if k.startswith("w")):
            continue                                                     # a useless case
        if rounding_error(case, x, labels, params, grads) > 1e-5:
            continue                                                     # float32 noise matters
        return seed, x, labels, params, r, grads, counts
    raise RuntimeError(f"no seed found for case {case.name}")


def case_json(case: Case):
    seed, x, labels, params, r, grads, counts = make_case(case)
    L = len(case.hidden)
    last = case.hidden[-1]
    out = case.output if case.readout == "spike-count" else last
    layers = []
    for l, spec in enumerate(case.hidden, start=1):
        layers.append({
            "neurons": spec.neurons, "timing": spec.timing, "reset": spec.reset,
            "threshold": f32(spec.threshold), "adaptation": f32(spec.adaptation),
            "threshold_tau_ms": f32(spec.threshold_tau_ms),
            "tau_ms": flat(params[f"tau{l}"]), "w": flat(params[f"w{l}"]),
            "v": flat(params[f"v{l}"]) if spec.recurrent else None,
        })
    readout = {
        "kind": case.readout, "classes": case.classes, "tau_ms": flat(params[f"tau{L + 1}"]),
        "w": flat(params[f"w{L + 1}"]), "timing": out.timing, "reset": out.reset,
        "threshold": f32(out.threshold), "adaptation": f32(out.adaptation),
        "threshold_tau_ms": f32(out.threshold_tau_ms),
    }
    penalty = None
    if case.penalty is not None:
        c, rmin, rmax = case.penalty
        penalty = {"c": f32(c), "rate_min_hz": f32(rmin), "rate_max_hz": f32(rmax)}
    spikes = [[torch.nonzero(x[n, t]).reshape(-1).tolist() for t in range(case.steps)]
              for n in range(case.batch)]
    gradients = {}
    for l in range(1, L + 2):
        gradients[f"w{l}"] = flat(grads[f"w{l}"])
        if f"v{l}" in grads:
            gradients[f"v{l}"] = flat(grads[f"v{l}"])
        gradients[f"tau{l}"] = flat(grads[f"tau{l}"])
    out_count = int(r["out_spikes"].sum()) if r["out_spikes"] is not None else 0
    if case.penalty is not None:
        assert float(r["penalty"].detach()) > 0, case.name
    doc = {
        "name": case.name, "seed": seed, "steps": case.steps, "dt_ms": f32(case.dt_ms),
        "inputs": case.inputs, "surrogate_beta": f32(case.surrogate_beta),
        "output_scale": case.output_scale, "batch": case.batch,
        "layers": layers, "readout": readout, "rate_penalty": penalty,
        "spikes": spikes, "labels": [int(k) for k in labels],
        "scores": flat(r["score"]), "loss": f32(r["loss"].item()), "penalty": f32(r["penalty"].item()),
        "hidden_spike_counts": counts, "output_spike_count": out_count,
        "min_margin": r["margin"], "gradients": gradients,
    }
    info = dict(seed=seed, counts=counts, out_count=out_count, max_gap=r["max_gap"])
    return doc, info


def cases():
    P = LayerSpec
    ln12 = f32(math.log(12))         # the float32 value that the fixture states
    return [
        Case("notebook", [P(30)], inputs=200, classes=12, steps=100, batch=4, gains=[(1.0, 0.1)],
             first_seed=100),
        Case("standard-zero", [P(20, "current", "zero")], gains=[(1.0, 0.1)], first_seed=200),
        Case("standard-subtract", [P(20, "current", "subtract")], gains=[(1.0, 0.1)], first_seed=300),
        Case("notebook-subtract", [P(20, "previous", "subtract")], gains=[(1.0, 0.1)], first_seed=400),
        Case("adaptive-previous-subtract", [P(20, "previous", "subtract", adaptation=1.0)],
             gains=[(1.0, 0.1)], first_seed=500),
        Case("adaptive-current-zero", [P(20, "current", "zero", adaptation=1.0)],
             gains=[(1.0, 0.1)], first_seed=600),
        Case("recurrent", [P(20, recurrent=True)], gains=[(1.0, 0.1)], first_seed=700),
        Case("recurrent-standard", [P(20, "current", "subtract", recurrent=True)],
             gains=[(1.0, 0.1)], first_seed=800),
        Case("two-hidden", [P(33), P(17)], gains=[(1.0, 0.1), (1.0, 0.1)], first_seed=900),
        Case("two-hidden-recurrent-adaptive",
             [P(33), P(17, recurrent=True, adaptation=1.0, reset="subtract")],
             gains=[(1.0, 0.1), (1.0, 0.1)], first_seed=1000),
        Case("per-neuron-tau", [P(20)], tau_range=(2.0, 20.0), gains=[(1.0, 0.1)], first_seed=1100),
        Case("max", [P(20)], readout="max", gains=[(1.0, 0.1)], first_seed=1200),
        Case("last", [P(20)], readout="last", gains=[(1.0, 0.1)], first_seed=1300),
        Case("mean", [P(20)], readout="mean", output_scale=1.0, gains=[(1.0, 0.1)], first_seed=1400),
        Case("spike-count", [P(20)], readout="spike-count", output=P(12), gains=[(1.0, 0.1)],
             out_gain=1.0, out_shift=0.5, first_seed=1500),
        Case("spike-count-standard", [P(20, "current", "subtract")], readout="spike-count",
             output=P(12, "current", "subtract"), gains=[(1.0, 0.1)], out_gain=1.0, out_shift=0.2,
             first_seed=1600),
        Case("rate-penalty", [P(20)], penalty=(ln12, 100.0, 200.0), gains=[(1.0, 0.3)],
             first_seed=1700),
        Case("odd-65-33-3", [P(33, "current", "subtract")], inputs=65, steps=3, batch=2,
             gains=[(1.0, 0.1)], first_seed=1800),
        Case("tiny-1-1-2", [P(1, "current", "subtract")], inputs=1, classes=2, steps=2, batch=1,
             gains=[(1.0, 0.1)], first_seed=1900, require_spikes=False),
        Case("odd-130-65-5", [P(65)], inputs=130, steps=5, batch=3, gains=[(1.0, 0.1)],
             first_seed=2000),
        # beyond the brief: the penalty summed over two layers, and dt != 1 ms
        Case("rate-penalty-two-hidden", [P(12), P(10, "current", "subtract", adaptation=0.5)],
             inputs=20, classes=4, steps=20, penalty=(ln12, 100.0, 200.0),
             gains=[(1.0, 0.3), (1.0, 0.2)], first_seed=2100),
        Case("dt-half", [P(12, "current", "subtract")], inputs=20, classes=4, steps=20, dt_ms=0.5,
             tau_range=(2.0, 20.0), penalty=(ln12, 100.0, 200.0), gains=[(1.0, 0.1)],
             first_seed=2200),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="Tests/SpikingCoreTests/Fixtures/core_parity.json")
    ap.add_argument("--only", help="comma-separated case names (for experiments)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    docs = []
    only = set(args.only.split(",")) if args.only else None
    for case in cases():
        if only and case.name not in only:
            continue
        doc, info = case_json(case)
        docs.append(doc)
        rates = [f"{c / (case.batch * case.steps * s.neurons):.3f}" for c, s in zip(info["counts"], case.hidden)]
        extra = f", max gap {info['max_gap']:.3g}" if info["max_gap"] is not None else ""
        print(f"{case.name:30s} seed {info['seed']:5d}  loss {doc['loss']:.6f}  penalty {doc['penalty']:.6f}"
              f"  min margin {doc['min_margin']:.3g}  hidden spikes {info['counts']} (rate/step {rates})"
              f"  output spikes {info['out_count']}{extra}")
    fixture = {"written_by": f"reference/core_fixtures.py, torch {torch.__version__}", "cases": docs}
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"{args.out}: {os.path.getsize(args.out)} bytes, {len(docs)} cases")


if __name__ == "__main__":
    main()
