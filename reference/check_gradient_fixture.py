#!/usr/bin/env python3
"""Independent check of gradient_parity.json.

Recomputes every case with a hand-written forward pass and backpropagation
through time in float64 numpy (no torch, no autograd) and compares it with the
values that PyTorch's autograd wrote into the fixture. It documents, in plain
loops, exactly which gradients the notebook's model has, including the one
through the reset term (1 - s).

usage: python3 check_gradient_fixture.py [path/to/gradient_parity.json]
"""

import json
import sys

import numpy as np


def sig_deriv(x, beta):
    s = 1.0 / (1.0 + np.exp(-beta * x))
    return beta * s * (1.0 - s)


def check_case(fx, case):
    T, N, H, C = fx["steps"], fx["inputs"], fx["hidden"], fx["classes"]
    alpha = np.exp(-fx["dt_ms"] / fx["tau_ms"])
    beta, scale = fx["beta"], fx["output_scale"]
    B = case["batch"]
    x = np.zeros((B, T, N))
    for r, idx in enumerate(case["spikes"]):
        x[r // T, r % T, idx] = 1.0
    y = np.array(case["labels"])
    w1 = np.array(case["w1"], dtype=np.float64).reshape(N, H)
    w2 = np.array(case["w2"], dtype=np.float64).reshape(H, C)
    if case["dales"]:
        s1 = np.ones((N, H)); s1[:int(np.ceil(case["ie_ratio"] * N))] = -1  # torch.arange(ie_ratio*rows)
        s2 = np.ones((H, C)); s2[:int(np.ceil(case["ie_ratio"] * H))] = -1
        w1e, w2e = np.abs(w1) * s1, np.abs(w2) * s2
    else:
        w1e, w2e = w1, w2

    # forward: hidden LIF (spike recorded from the previous membrane)
    h1 = x @ w1e                                  # (B, T, H)
    v = np.zeros((B, T, H)); s = np.zeros((B, T, H))
    pre = np.zeros((B, T, H))                     # alpha*v_t + h1[t]
    for t in range(T - 1):
        pre[:, t] = alpha * v[:, t] + h1[:, t]
        v[:, t + 1] = pre[:, t] * (1 - s[:, t])
        s[:, t + 1] = (v[:, t] - 1 > 0)
    margin = np.abs(v[:, :T - 1] - 1).min()
    # forward: leaky integrator readout, u_0 = 0, T-1 updates
    h2 = s @ w2e
    u = np.zeros((B, T, C))
    for t in range(T - 1):
        u[:, t + 1] = alpha * u[:, t] + h2[:, t]
    m = u.sum(1)
    z = scale * m
    z = z - z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    loss = -logp[np.arange(B), y].mean()

    # backward
    dz = np.exp(logp); dz[np.arange(B), y] -= 1; dz /= B
    dm = scale * dz
    gu = np.zeros((B, T, C)); gu[:, T - 1] = dm
    for t in range(T - 2, -1, -1):
        gu[:, t] = dm + alpha * gu[:, t + 1]
    gh2 = np.zeros((B, T, C)); gh2[:, :T - 1] = gu[:, 1:]      # h2[T-1] is never used
    dw2e = np.einsum("btH,btC->HC", s, gh2)
    gs = gh2 @ w2e.T                                           # from the readout
    gv = np.zeros((B, T, H)); gh1 = np.zeros((B, T, H))
    for t in range(T - 2, -1, -1):
        # v[t+1] = pre[t]*(1-s[t]);  s[t+1] = H(v[t]-1)
        gs[:, t] += gv[:, t + 1] * (-pre[:, t])                # through the reset
        gh1[:, t] = gv[:, t + 1] * (1 - s[:, t])
        gv[:, t] = gv[:, t + 1] * alpha * (1 - s[:, t]) + gs[:, t + 1] * sig_deriv(v[:, t] - 1, beta)
    dw1e = np.einsum("btN,btH->NH", x, gh1)
    if case["dales"]:
        dw1, dw2 = dw1e * s1 * np.sign(w1), dw2e * s2 * np.sign(w2)
    else:
        dw1, dw2 = dw1e, dw2e

    def rel(a, b):
        a = np.asarray(a).ravel(); b = np.asarray(b, dtype=np.float64).ravel()
        return np.abs(a - b).max() / max(np.abs(b).max(), 1e-30)

    res = {
        "spikes": int(s.sum()) == case["hidden_spike_count"],
        "margin": abs(margin - case["min_margin"]) < 1e-5,
        "loss": abs(loss - case["loss"]) < 1e-5,
        "output_sum": rel(m, case["output_sum"]) < 1e-5,
        "grad_w1": rel(dw1, case["grad_w1"]) < 1e-4,
        "grad_w2": rel(dw2, case["grad_w2"]) < 1e-4,
    }
    print(f"{case['name']}: loss {loss:.7f} (fixture {case['loss']:.7f}), spikes {int(s.sum())}, "
          f"margin {margin:.3g}, rel err grad_w1 {rel(dw1, case['grad_w1']):.2e}, "
          f"grad_w2 {rel(dw2, case['grad_w2']):.2e}, output_sum {rel(m, case['output_sum']):.2e}")
    return all(res.values()), res


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "Tests/SpikingCoreTests/Fixtures/gradient_parity.json"
    with open(path) as f:
        fx = json.load(f)
    ok = True
    for case in fx["cases"]:
        good, res = check_case(fx, case)
        if not good:
            print("  MISMATCH:", {k: v for k, v in res.items() if not v})
        ok &= good
    print("all cases agree" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
