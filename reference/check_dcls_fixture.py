#!/usr/bin/env python3
"""Independent check of dcls_parity.json (learned delays, DCLS).

Recomputes every case from the JSON alone with a float64 numpy forward pass and
a hand-written backpropagation through time (no torch, no autograd, no dcls)
and compares scores, loss, hidden spike counts, min_margin and every gradient
with what reference/dcls_fixtures.py wrote (PyTorch float32 autograd through
the dcls package). Scores and gradients agree when
max|ours - fixture| <= 1e-5 * max|fixture| (per tensor); loss within 1e-5 of
|loss|; spike counts exactly; min_margin within 1e-5; in 'max' mode the
position gradients must be exactly 0.

The model (research/Quick_Start_Delay_DCLS.ipynb), D = taps, c = D // 2,
alpha = exp(-dt/tau), x[t] = 0 for t < 0:
  kernel   gauss: E_k = exp(-0.5 u_k^2), u_k = (k - P - c) / (|sigma| + 0.27),
                  X_k = E_k / (sum_k E_k + 1e-7)
           max:   P' = clamp(round_half_even(P), -c, c),
                  X_k = relu(1 - |k - P' - c|) / (sum_k relu(...) + 1e-7)
           K_k = W X_k,  k = 0..D-1, tap k = delay D-1-k steps
  delayed  h[t, o] = sum_i sum_k K[i, o, k] x[t + k - (D-1), i]
  hidden   v_0 = 0, s_0 = 0; for t = 0..T-2:
           v_{t+1} = (alpha v_t + h1[t]) (1 - s_t),  s_{t+1} = H(v_t - 1)
  read-out V_0 = 0; V_{t+1} = alpha V_t + h2[t] (t = 0..T-2); score = sum_{t<T} V_t
  loss     mean_b -log softmax(0.01 score_b)[y_b]
Backward (surrogate dH/dv = b sig(b x)(1 - sig(b x)), x = v - 1, b = 5):
  gV_t = gscore + alpha gV_{t+1};  gh2[t] = gV_{t+1}
  for t = T-2..0:  gs_t += -gv_{t+1} (alpha v_t + h1[t])
                   gv_t  = gv_{t+1} alpha (1 - s_t) + gs_{t+1} sg(v_t - 1)
                   gh1[t] = gv_{t+1} (1 - s_t)
  gK[i,o,k] = sum_{b,t} gh[t,o] x[t+k-(D-1),i];  gW = sum_k gK X_k
  gauss: gE_j = gX_j / Z - sum_k gX_k E_k / Z^2 (Z = sum E + 1e-7, gX = gK W),
         gP = sum_j gE_j E_j u_j / (|sigma| + 0.27);   max: gP = 0.

usage: python3 reference/check_dcls_fixture.py [path/to/dcls_parity.json]
"""

import json
import sys

import numpy as np

TOL = 1e-5
KEYS = ["name", "seed", "steps", "dt_ms", "inputs", "hidden", "classes", "tau_ms",
        "surrogate_beta", "output_scale", "batch", "taps", "layers_delayed", "version", "sigma",
        "w1", "p1", "w2", "p2", "spikes", "labels", "scores", "loss", "hidden_spike_counts",
        "min_margin", "gradients"]


def round_half_even(p):
    f = np.floor(p)
    r = p - f
    odd = np.mod(f, 2.0) == 1.0
    return f + (r > 0.5) + ((r == 0.5) & odd)


class Kernel:
    """K[i, o, k] = W[i, o] X[i, o, k] and its backward to W and P."""

    def __init__(self, w, p, sigma, D, version):
        self.w, self.p, self.D, self.version = w, p, D, version
        c = D // 2
        k = np.arange(D, dtype=np.float64)
        if version == "gauss":
            self.S = abs(sigma) + 0.27
            self.u = (k[None, None, :] - p[:, :, None] - c) / self.S
            self.E = np.exp(-0.5 * self.u ** 2)
        elif version == "max":
            pr = np.clip(round_half_even(p), -c, c)
            self.E = np.maximum(1.0 - np.abs(k[None, None, :] - pr[:, :, None] - c), 0.0)
        else:
            raise ValueError(version)
        self.Z = self.E.sum(-1, keepdims=True) + 1e-7
        self.X = self.E / self.Z
        self.K = w[:, :, None] * self.X

    def backward(self, gK):
        gw = (gK * self.X).sum(-1)
        if self.version == "max":
            return gw, np.zeros_like(self.p)
        gX = gK * self.w[:, :, None]
        gE = gX / self.Z - (gX * self.E).sum(-1, keepdims=True) / self.Z ** 2
        gp = (gE * self.E * self.u / self.S).sum(-1)
        return gw, gp


def shifted(x, d):
    """x[:, t - d, :] with zeros for t < d."""
    if d == 0:
        return x
    y = np.zeros_like(x)
    y[:, d:, :] = x[:, :-d, :]
    return y


def delayed_forward(x, K):
    D = K.shape[2]
    return sum(shifted(x, D - 1 - k) @ K[:, :, k] for k in range(D))


def delayed_backward(x, K, gh):
    """gh: [B, T, out] -> (gK [in, out, D], gx [B, T, in])."""
    D = K.shape[2]
    B, T, n_in = x.shape
    gK = np.zeros_like(K)
    gx = np.zeros_like(x)
    for k in range(D):
        d = D - 1 - k
        gK[:, :, k] = np.einsum("bti,bto->io", shifted(x, d), gh)
        # h[t] gets x[t - d]: x[tau] feeds h[tau + d]
        if d < T:
            gx[:, :T - d, :] += gh[:, d:, :] @ K[:, :, k].T
    return gK, gx


def sg(x, b):
    s = 1.0 / (1.0 + np.exp(-b * x))
    return b * s * (1.0 - s)


def compute_case(c):
    B, T, I, H, C, D = c["batch"], c["steps"], c["inputs"], c["hidden"], c["classes"], c["taps"]
    alpha = np.exp(-c["dt_ms"] / c["tau_ms"])
    beta, scale, sigma = c["surrogate_beta"], c["output_scale"], c["sigma"]
    both = c["layers_delayed"] == "both"
    assert c["layers_delayed"] in ("both", "input")
    x = np.zeros((B, T, I))
    for b, per_step in enumerate(c["spikes"]):
        assert len(per_step) == T
        for t, idx in enumerate(per_step):
            assert list(idx) == sorted(set(idx))
            x[b, t, idx] = 1.0
    y = np.array(c["labels"])
    w1 = np.array(c["w1"], dtype=np.float64).reshape(I, H)
    p1 = np.array(c["p1"], dtype=np.float64).reshape(I, H)
    w2 = np.array(c["w2"], dtype=np.float64).reshape(H, C)
    k1 = Kernel(w1, p1, sigma, D, c["version"])
    if both:
        p2 = np.array(c["p2"], dtype=np.float64).reshape(H, C)
        k2 = Kernel(w2, p2, sigma, D, c["version"])
    else:
        assert c.get("p2") is None

    # forward
    h1 = delayed_forward(x, k1.K)
    v = np.zeros((B, T, H))
    s = np.zeros((B, T, H))
    for t in range(T - 1):
        v[:, t + 1] = (alpha * v[:, t] + h1[:, t]) * (1.0 - s[:, t])
        s[:, t + 1] = (v[:, t] - 1.0 > 0).astype(np.float64)
    h2 = delayed_forward(s, k2.K) if both else s @ w2
    V = np.zeros((B, T, C))
    for t in range(T - 1):
        V[:, t + 1] = alpha * V[:, t] + h2[:, t]
    scores = V.sum(1)
    z = scale * scores
    z = z - z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    loss = -logp[np.arange(B), y].mean()
    margin = np.abs(v[:, :T - 1] - 1.0).min()

    # backward
    onehot = np.zeros((B, C))
    onehot[np.arange(B), y] = 1.0
    gscore = scale * (np.exp(logp) - onehot) / B
    gV = np.zeros((B, T, C))
    gV[:, T - 1] = gscore
    for t in range(T - 2, -1, -1):
        gV[:, t] = gscore + alpha * gV[:, t + 1]
    gh2 = np.zeros((B, T, C))
    gh2[:, :T - 1] = gV[:, 1:]
    grads = {}
    if both:
        gK2, gs = delayed_backward(s, k2.K, gh2)
        grads["w2"], grads["p2"] = k2.backward(gK2)
    else:
        grads["w2"] = np.einsum("btj,btc->jc", s, gh2)
        gs = gh2 @ w2.T
    gv = np.zeros((B, T, H))
    gh1 = np.zeros((B, T, H))
    for t in range(T - 2, -1, -1):
        gs[:, t] += -gv[:, t + 1] * (alpha * v[:, t] + h1[:, t])
        gv[:, t] = gv[:, t + 1] * alpha * (1.0 - s[:, t]) + gs[:, t + 1] * sg(v[:, t] - 1.0, beta)
        gh1[:, t] = gv[:, t + 1] * (1.0 - s[:, t])
    gK1, _ = delayed_backward(x, k1.K, gh1)
    grads["w1"], grads["p1"] = k1.backward(gK1)
    return dict(scores=scores.reshape(-1), loss=loss, counts=s.sum(axis=(1, 2)),
                margin=margin, grads={k: g.reshape(-1) for k, g in grads.items()})


def rel(ours, fix):
    ours, fix = np.asarray(ours, dtype=np.float64), np.asarray(fix, dtype=np.float64)
    assert ours.shape == fix.shape, (ours.shape, fix.shape)
    m = np.abs(fix).max()
    return float(np.abs(ours - fix).max() / m) if m > 0 else float(np.abs(ours - fix).max())


def check_case(c):
    missing = [k for k in KEYS if k not in c]
    assert not missing, f"missing keys {missing}"
    r = compute_case(c)
    errs = {"scores": rel(r["scores"], c["scores"]),
            "loss": abs(r["loss"] - c["loss"]) / abs(c["loss"])}
    names = ["w1", "p1", "w2"] + (["p2"] if c["layers_delayed"] == "both" else [])
    assert sorted(c["gradients"]) == sorted(names), sorted(c["gradients"])
    for k in names:
        errs["d" + k] = rel(r["grads"][k], c["gradients"][k])
    problems = [f"{k} {e:.2e}" for k, e in errs.items() if not e <= TOL]
    if c["version"] == "max":
        for k in ("p1", "p2"):
            if k in c["gradients"] and any(g != 0.0 for g in c["gradients"][k]):
                problems.append(f"d{k} not exactly 0 in max mode")
    if [int(v) for v in r["counts"]] != list(c["hidden_spike_counts"]):
        problems.append(f"spike counts {r['counts'].astype(int).tolist()} != "
                        f"{c['hidden_spike_counts']}")
    if not abs(r["margin"] - c["min_margin"]) <= 1e-5:
        problems.append(f"min_margin {r['margin']:.3e} != {c['min_margin']:.3e}")
    if not r["margin"] > 1e-4:
        problems.append(f"min_margin {r['margin']:.3e} <= 1e-4")
    return errs, problems


def main(path):
    with open(path) as f:
        doc = json.load(f)
    assert set(doc) == {"written_by", "cases"}, sorted(doc)
    print(f"written_by: {doc['written_by']}")
    failed = 0
    worst_all = 0.0
    for c in doc["cases"]:
        errs, problems = check_case(c)
        worst_k = max(errs, key=errs.get)
        worst_all = max(worst_all, errs[worst_k])
        detail = ", ".join(f"{k} {e:.1e}" for k, e in errs.items())
        status = "ok" if not problems else "FAIL: " + "; ".join(problems)
        print(f"{c['name']:16s} {c['version']:5s} D={c['taps']:2d} {c['layers_delayed']:5s} "
              f"worst {worst_k} {errs[worst_k]:.1e} ({detail}) {status}")
        failed += bool(problems)
    print(f"{len(doc['cases'])} cases, worst relative error {worst_all:.1e} (tolerance {TOL:g}), "
          f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  "Tests/SpikingCoreTests/Fixtures/dcls_parity.json"))
