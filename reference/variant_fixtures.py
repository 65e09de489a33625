"""variant_parity.json: the fixture of issue 9's variants, written by
`spikeloc_reference.py fixtures` (this module is its part (d)).

Three parts, every value computed by spikeloc_reference.py's own code path:

* "stimulus": the per-element spike probability (float64, [sample][step][channel]) of
  `spike_probability` for 8 fibres per ear, 20 steps of 1 ms, 3 samples with given IPDs and
  a given phase offset: the power-2 envelope at 20 Hz, the exact integral at 50 Hz, and the
  power envelope with 16 given phase-delay jitter values.
* "gradients": the notebook's network (40 inputs, 20 hidden, 12 classes, 30 steps, batch 4,
  random input spikes and weights as core_fixtures.py draws them) in core_parity.json's
  per-case format, but with the *raw* weights w1, w2 and their raw gradients through the
  constraints: a random Dale mask, excitatory inputs / hidden / all, hidden dropout p = 0.5
  with the keyed mask below; and the paper's basic network (200 inputs, 8 hidden, 100 steps,
  tau 2 ms, mean read-out, output scale 1, rate penalty ln 12 over 100..200 Hz).
* "midpoint_error": 50 true IPDs (float32) and predicted classes with the accuracy, the
  seed's error and the paper's midpoint error (float64).

Dropout mask (64-bit wrapping): mix(z) is SplitMix64's finaliser; for key K, sample n (its
position in the case's batch), step t and hidden unit j of N, element e = t*N + j,
S = mix(K ^ mix(n + golden)), u = (mix(S + e*golden) >> 11) * 2^-53, keep iff u >= p; kept
spikes are multiplied by float32(1/(1-p)). The rate penalty counts spikes before dropout.

For each gradient case, seeds are tried until the hidden layer spikes in at least 2% of the
neuron-steps, every spike decision is more than 1e-4 from the threshold, the penalty is
positive where it is on, and the float32 gradients agree with the float64 numpy BPTT of
check_variant_fixture.py to 1e-5 of each tensor's largest entry.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass

import numpy as np
import torch

import check_variant_fixture as oracle
from core_fixtures import draw_weight, f32, flat

F32, F64 = torch.float32, torch.float64
DROPOUT_KEY = 0xD1B54A32D192ED03  # any 64-bit key; the case states it


# ---------------------------------------------------------------------------
# Stimulus

def stimulus_cases(ref):
    jitter = np.random.RandomState(9).normal(0.0, 0.3, 16)
    ipds = [-1.2345, 0.25, 1.5]
    specs = [
        ("power-20hz", "power", 20.0, 0.3125, None),
        ("integral-50hz", "integral", 50.0, 0.7109375, None),
        ("power-20hz-jitter", "power", 20.0, 0.15, jitter),
    ]
    cases = []
    for name, envelope, f, phi0, jit in specs:
        cfg = ref.Config(anf_per_ear=8, duration_s=0.02, dt_ms=1.0, envelope=envelope, envelope_power=2.0,
                         stimulus_frequency_hz=f, rate_max_hz=600.0)
        assert cfg.duration_steps == 20
        p = ref.spike_probability(cfg, np.array(ipds), phi0, jit)
        cases.append({
            "name": name, "anf_per_ear": 8, "steps": 20, "dt_ms": 1.0, "rate_max_hz": 600.0,
            "envelope": envelope, "envelope_power": 2.0, "stimulus_frequency_hz": f,
            "phi0": phi0, "ipds": ipds, "jitter": None if jit is None else [float(v) for v in jit],
            "probability": p.tolist(),
        })
    return cases


# ---------------------------------------------------------------------------
# Gradients

@dataclass
class GradCase:
    name: str
    first_seed: int
    dales: bool = False
    dale_mask: str = "contiguous"
    excitatory: str = "none"
    ie_ratio: float = 0.5
    dropout: float = 0.0
    inputs: int = 40
    hidden: int = 20
    classes: int = 12
    steps: int = 30
    batch: int = 4
    tau_ms: float = 5.0
    readout: str = "sum"
    output_scale: float | None = None
    rate_penalty: float = 0.0
    gain: float = 1.0  # draw_weight's gain and shift of w1 (core_fixtures)
    shift: float = 0.1
    out_gain: float = 1.0
    input_rate: float = 0.2


def grad_cases():
    return [
        GradCase("dale-random", 3000, dales=True, dale_mask="random"),
        GradCase("excitatory-all", 3100, excitatory="all", gain=0.5, shift=-0.3),
        GradCase("excitatory-inputs", 3200, excitatory="inputs", gain=0.5, shift=-0.3),
        GradCase("excitatory-hidden", 3300, excitatory="hidden"),
        GradCase("dropout", 3400, dropout=0.5),
        GradCase("paper-basic-network", 3500, inputs=200, hidden=8, steps=100, tau_ms=2.0, readout="mean",
                 output_scale=1.0, rate_penalty=f32(math.log(12)), gain=1.0, shift=0.3),
    ]


def constraint_names(ref, cfg):
    c1, c2 = cfg.constrained
    if cfg.dales:
        return {"w1": "signed-rows" if cfg.excitatory not in ("inputs", "all") else "non-negative",
                "w2": "signed-rows" if cfg.excitatory not in ("hidden", "all") else "non-negative"}
    return {"w1": "non-negative" if c1 else "none", "w2": "non-negative" if c2 else "none"}


def run_case(ref, case: GradCase, seed):
    """Inputs, raw weights, and the reference's loss and gradients (its own code path)."""
    g = torch.Generator().manual_seed(seed)
    B, T, I, H, C = case.batch, case.steps, case.inputs, case.hidden, case.classes
    x = (torch.rand(B, T, I, generator=g, dtype=F64) < case.input_rate).to(F32)
    labels = torch.randint(0, C, (B,), generator=g)
    w1 = torch.nn.Parameter(draw_weight(g, I, H, case.gain, case.shift, case.input_rate))
    w2 = torch.nn.Parameter(draw_weight(g, H, C, case.out_gain, 0.0, 0.1))
    cfg = ref.Config(hidden=H, anf_per_ear=I // 2, duration_s=T / 1000.0, dt_ms=1.0, tau_ms=case.tau_ms,
                     dales=case.dales, dale_mask=case.dale_mask, excitatory=case.excitatory,
                     ie_ratio=case.ie_ratio, readout=case.readout, output_scale=case.output_scale,
                     rate_penalty=case.rate_penalty, hidden_dropout=case.dropout)
    assert cfg.duration_steps == T
    np.random.seed(seed)  # the random Dale mask's draws
    signs = ref.weight_signs(cfg, w1, w2, cfg.ie_ratio)
    mask = keep = None
    if case.dropout > 0:
        keep = oracle.dropout_keep(DROPOUT_KEY, case.dropout, B, T, H)
        mask = torch.tensor(keep, dtype=F32) * torch.tensor(float(np.float32(1 / (1 - case.dropout))), dtype=F32)
    net = ref.Network(cfg, w1, w2, signs)
    record = []
    loss, score, hidden = ref.batch_loss(cfg, net, x, labels, training=True, dropout_mask=mask, record=record)
    loss.backward()
    penalty = 0.0
    if cfg.rate_penalty > 0:
        penalty = float(ref.rate_penalty(hidden.detach(), cfg.rate_penalty, cfg.penalty_rate_min_hz,
                                         cfg.penalty_rate_max_hz, cfg.dt_ms))
    margin = float(torch.stack(record).double().abs().min())
    return dict(cfg=cfg, x=x, labels=labels, w1=w1, w2=w2, signs=signs, keep=keep, loss=loss, score=score,
                hidden=hidden, penalty=penalty, margin=margin)


def case_json(ref, case: GradCase, seed, r):
    cfg = r["cfg"]
    B, T, H, C = case.batch, case.steps, case.hidden, case.classes
    names = constraint_names(ref, cfg)
    inhibitory = None
    if "signed-rows" in names.values():
        inhibitory = {k: sorted(int(i) for i in torch.nonzero(s[:, 0] < 0).reshape(-1).tolist())
                      if names[k] == "signed-rows" else [] for k, s in zip(("w1", "w2"), r["signs"])}
    spec = lambda n: {"timing": "previous", "reset": "zero", "threshold": 1.0, "adaptation": 0.0,
                      "threshold_tau_ms": f32(case.tau_ms)}
    doc = {
        "name": case.name, "seed": seed, "steps": T, "dt_ms": 1.0, "inputs": case.inputs,
        "surrogate_beta": float(ref.BETA), "output_scale": f32(cfg.loss_scale), "batch": B,
        "learn_tau": False, "weights": "raw",
        "layers": [dict(neurons=H, **spec(H), tau_ms=[f32(case.tau_ms)] * H, w=flat(r["w1"]), v=None)],
        "readout": dict(kind=case.readout, classes=C, tau_ms=[f32(case.tau_ms)] * C, w=flat(r["w2"]), **spec(C)),
        "rate_penalty": ({"c": f32(cfg.rate_penalty), "rate_min_hz": f32(cfg.penalty_rate_min_hz),
                          "rate_max_hz": f32(cfg.penalty_rate_max_hz)} if cfg.rate_penalty > 0 else None),
        "dales": cfg.dales, "dale_mask": cfg.dale_mask if cfg.dales else None, "ie_ratio": cfg.ie_ratio,
        "excitatory": cfg.excitatory, "constraints": names, "inhibitory_rows": inhibitory,
        "dropout_p": case.dropout if case.dropout > 0 else None,
        "dropout_key": str(DROPOUT_KEY) if case.dropout > 0 else None,
        "dropout_scale": f32(1 / (1 - case.dropout)) if case.dropout > 0 else None,
        "dropout_mask": r["keep"].astype(int).ravel().tolist() if r["keep"] is not None else None,
        "spikes": [[torch.nonzero(r["x"][n, t]).reshape(-1).tolist() for t in range(T)] for n in range(B)],
        "labels": [int(k) for k in r["labels"]],
        "scores": flat(r["score"]), "loss": f32(r["loss"].item()), "penalty": f32(r["penalty"]),
        "hidden_spike_counts": [int(r["hidden"].sum())], "output_spike_count": 0,
        "min_margin": r["margin"],
        "gradients": {"w1": flat(r["w1"].grad), "w2": flat(r["w2"].grad)},
    }
    return doc


def make_grad_case(ref, case: GradCase, max_seeds=500):
    for seed in range(case.first_seed, case.first_seed + max_seeds):
        r = run_case(ref, case, seed)
        count = int(r["hidden"].sum())
        if r["margin"] <= 1e-4 or count < 0.02 * case.batch * case.steps * case.hidden:
            continue
        if case.rate_penalty > 0 and not r["penalty"] > 0:
            continue
        if not all(float(w.grad.abs().max()) > 0 for w in (r["w1"], r["w2"])):
            continue
        doc = case_json(ref, case, seed, r)
        o = oracle.compute_variant(doc)  # float64: float32 rounding must not matter
        if max(oracle.rel(o["grads"][k], doc["gradients"][k]) for k in ("w1", "w2")) > 1e-5:
            continue
        if o["hidden_spike_counts"] != doc["hidden_spike_counts"]:
            continue
        return doc
    raise RuntimeError(f"no seed found for case {case.name}")


# ---------------------------------------------------------------------------
# Midpoint error

def midpoint_part(ref):
    cfg = ref.Config()
    C = cfg.num_classes
    rng = np.random.RandomState(12)
    ipds = []
    while len(ipds) < 50:  # float32 IPDs at least 1e-3 class widths from a class boundary
        x = np.float32(rng.uniform(-np.pi / 2, np.pi / 2))
        u = (float(x) + np.pi / 2) * C / np.pi
        if min(u - math.floor(u), math.ceil(u) - u) > 1e-3:
            ipds.append(x)
    ipds = np.array(ipds, dtype=np.float32)
    true = ref.discretise(cfg, torch.tensor(ipds)).numpy()
    offsets = rng.choice([0, 0, 0, 0, 0, 0, 1, -1, 1, -1, 2, -2, 5], size=len(ipds))
    pred = np.clip(true + offsets, 0, C - 1)
    err, mid = ref.ipd_errors_deg(cfg, ipds, true, pred)
    return {
        "classes": C, "true_ipds": [float(v) for v in ipds], "true_classes": [int(k) for k in true],
        "predicted_classes": [int(k) for k in pred], "accuracy_percent": float(100 * np.mean(true == pred)),
        "abs_error_deg": err, "midpoint_error_deg": mid,
    }


# ---------------------------------------------------------------------------

def write(ref, path):
    """Builds the fixture with spikeloc_reference.py's module `ref` and writes it to `path`."""
    torch.use_deterministic_algorithms(True)
    fixture = {
        "written_by": f"reference/spikeloc_reference.py fixtures (reference/variant_fixtures.py), "
                      f"torch {torch.__version__}",
        "float_format": "exact float32 values; float64 in stimulus and midpoint_error",
        "stimulus": stimulus_cases(ref),
        "gradients": [make_grad_case(ref, c) for c in grad_cases()],
        "midpoint_error": midpoint_part(ref),
    }
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    for c in fixture["gradients"]:
        H = c["layers"][0]["neurons"]
        rate = c["hidden_spike_counts"][0] / (c["batch"] * c["steps"] * H)
        print(f"variant case {c['name']:20s} seed {c['seed']}  loss {c['loss']:.6f}  penalty {c['penalty']:.6f}"
              f"  hidden spikes {c['hidden_spike_counts'][0]} (rate/step {rate:.3f})  min margin {c['min_margin']:.3g}")
    m = fixture["midpoint_error"]
    print(f"midpoint_error: accuracy {m['accuracy_percent']:.1f}%, seed error {m['abs_error_deg']:.4f} deg, "
          f"midpoint error {m['midpoint_error_deg']:.4f} deg")
