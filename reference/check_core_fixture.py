#!/usr/bin/env python3
"""Independent check of core_parity.json against docs/core-model.md.

Recomputes every case from the JSON alone with a hand-written float64 numpy
forward pass and backpropagation through time (no torch, no autograd) and
compares loss, penalty, scores, spike counts, the minimum decision margin and
every gradient with what PyTorch's autograd wrote (reference/core_fixtures.py).
Gradients and scores agree when max|ours - fixture| <= 1e-4 * max|fixture|
(per tensor; the fixture is float32).

The backward passes below are written out from the equations of the doc,
step by step in reverse, for both spike timings and both resets, with the
gradient through the reset factor, the subtracted threshold and the adaptation
trace of the threshold; dL/dtau = dL/dalpha * alpha * dt / tau^2.

`compute_case` (the float64 forward pass, loss and gradients of one case) is also what
check_variant_fixture.py runs on variant_parity.json's cases, with their dropout factor.

usage: python3 reference/check_core_fixture.py [path/to/core_parity.json]
"""

import json
import sys

import numpy as np

TOL = 1e-4


def heaviside(x):
    return (x > 0).astype(np.float64)


def sg(x, b):
    """Surrogate derivative b*sig(b x)*(1 - sig(b x))."""
    s = 1.0 / (1.0 + np.exp(-b * x))
    return b * s * (1.0 - s)


class Layer:
    """A spiking layer from its JSON description (hidden layer or spike-count read-out)."""

    def __init__(self, d, pre, n, dt, w, v=None, tau=None):
        self.timing, self.reset = d["timing"], d["reset"]
        self.thr, self.beta = float(d["threshold"]), float(d["adaptation"])
        self.rho = np.exp(-dt / float(d["threshold_tau_ms"]))
        self.n, self.dt = n, dt
        self.w = np.array(w, dtype=np.float64).reshape(pre, n)
        self.v = None if v is None else np.array(v, dtype=np.float64).reshape(n, n)
        self.tau = np.array(tau, dtype=np.float64)
        self.alpha = np.exp(-dt / self.tau)

    # ---- forward -------------------------------------------------------
    def forward(self, x):
        """x: [B, T, pre] -> y: [B, T, N]; keeps what the backward pass needs."""
        B, T, _ = x.shape
        N, al, rho, thr, be = self.n, self.alpha, self.rho, self.thr, self.beta
        self.x = x
        v = np.zeros((B, T + 1, N)); s = np.zeros((B, T + 1, N)); a = np.zeros((B, T + 1, N))
        u = np.zeros((B, T, N)); theta = np.zeros((B, T, N)); cur = np.zeros((B, T, N))
        y = np.zeros((B, T, N))
        margins = []
        for t in range(T):
            cur[:, t] = x[:, t] @ self.w
            if self.v is not None and t > 0:
                cur[:, t] += y[:, t - 1] @ self.v
            theta[:, t] = thr + be * a[:, t]
            if self.timing == "previous":
                y[:, t] = s[:, t]
                u[:, t] = al * v[:, t] + cur[:, t]            # the leaky sum before the reset
                if self.reset == "zero":
                    v[:, t + 1] = u[:, t] * (1 - s[:, t])
                else:
                    v[:, t + 1] = u[:, t] - theta[:, t] * s[:, t]
                s[:, t + 1] = heaviside(v[:, t] - theta[:, t])
                a[:, t + 1] = rho * a[:, t] + (1 - rho) * s[:, t + 1]
                if t < T - 1:
                    margins.append(np.abs(v[:, t] - theta[:, t]).min())
            else:
                u[:, t] = al * v[:, t] + cur[:, t]
                y[:, t] = heaviside(u[:, t] - theta[:, t])
                if self.reset == "zero":
                    v[:, t + 1] = u[:, t] * (1 - y[:, t])
                else:
                    v[:, t + 1] = u[:, t] - theta[:, t] * y[:, t]
                a[:, t + 1] = rho * a[:, t] + (1 - rho) * y[:, t]
                margins.append(np.abs(u[:, t] - theta[:, t]).min())
        self.vs, self.ss, self.u, self.theta, self.y = v, s, u, theta, y
        self.margin = min(margins) if margins else np.inf
        return y

    # ---- backward ------------------------------------------------------
    def backward(self, gy, b):
        """gy = dL/dy [B, T, N] (from outside the layer) -> dL/dx, and the gradients
        dW, dV, dtau stored on the layer."""
        B, T, N = gy.shape
        al, rho, be = self.alpha, self.rho, self.beta
        v, s, u, theta, y = self.vs, self.ss, self.u, self.theta, self.y
        g_cur = np.zeros((B, T + 1, N))     # dL/dI[t]; I[T] does not exist
        Gv = np.zeros((B, N)); Gs = np.zeros((B, N)); Ga = np.zeros((B, N))   # of v[t+1], s[t+1], a[t+1]
        galpha = np.zeros(N)
        for t in range(T - 1, -1, -1):
            g_out = gy[:, t].copy()                              # y[t]
            if self.v is not None:
                g_out += g_cur[:, t + 1] @ self.v.T              # y[t] feeds I[t+1]
            if self.timing == "previous":
                # y[t] = s[t]; v[t+1] from (v[t], I[t], s[t], a[t]);
                # s[t+1] = H(v[t] - theta[t]); a[t+1] = rho a[t] + (1-rho) s[t+1]
                g_snew = Gs + Ga * (1 - rho)
                d = g_snew * sg(v[:, t] - theta[:, t], b)
                gv = d.copy()
                ga = -be * d + rho * Ga
                gs = g_out
                if self.reset == "zero":
                    gv += Gv * al * (1 - s[:, t])
                    g_cur[:, t] = Gv * (1 - s[:, t])
                    gs = gs - Gv * u[:, t]                       # through the reset factor
                    galpha += (Gv * (1 - s[:, t]) * v[:, t]).sum(0)
                else:
                    gv += Gv * al
                    g_cur[:, t] = Gv
                    gs = gs - Gv * theta[:, t]                   # subtracted threshold
                    ga += -be * Gv * s[:, t]                     # ... and its adaptation
                    galpha += (Gv * v[:, t]).sum(0)
                Gv, Gs, Ga = gv, gs, ga
            else:
                # u = al v[t] + I[t]; y[t] = H(u - theta[t]); v[t+1]; a[t+1]
                g_y = g_out + Ga * (1 - rho)
                if self.reset == "zero":
                    g_y = g_y - Gv * u[:, t]
                    gu = Gv * (1 - y[:, t])
                    gtheta = np.zeros((B, N))
                else:
                    g_y = g_y - Gv * theta[:, t]
                    gu = Gv.copy()
                    gtheta = -Gv * y[:, t]
                d = g_y * sg(u[:, t] - theta[:, t], b)
                gu = gu + d
                gtheta = gtheta - d
                Ga = rho * Ga + be * gtheta
                g_cur[:, t] = gu
                galpha += (gu * v[:, t]).sum(0)
                Gv = gu * al
        g_cur = g_cur[:, :T]
        self.dw = np.einsum("btp,btn->pn", self.x, g_cur)
        if self.v is not None:
            self.dv = np.einsum("btm,btn->mn", y[:, :T - 1], g_cur[:, 1:])
        self.dtau = galpha * al * self.dt / self.tau ** 2
        return g_cur @ self.w.T


def leaky_forward(y, w, alpha, kind):
    """v[0] = 0, v[t+1] = alpha v[t] + I[t] (t < T-1); returns scores and the cache."""
    B, T, _ = y.shape
    cur = y @ w
    v = np.zeros((B, T, w.shape[1]))
    for t in range(T - 1):
        v[:, t + 1] = alpha * v[:, t] + cur[:, t]
    dscore_dv = np.zeros_like(v)                      # d score / d v[t]
    if kind == "sum":
        dscore_dv[:] = 1.0
    elif kind == "mean":
        dscore_dv[:] = 1.0 / T
    elif kind == "last":
        dscore_dv[:, T - 1] = 1.0
    elif kind == "max":
        first = v.argmax(axis=1)                      # numpy: the first maximal index
        for n in range(B):
            for c in range(v.shape[2]):
                dscore_dv[n, first[n, c], c] = 1.0
    else:
        raise ValueError(kind)
    score = (dscore_dv * v).sum(1)
    return score, (v, dscore_dv)


def leaky_backward(gscore, y, w, alpha, cache):
    v, dscore_dv = cache
    B, T, C = v.shape
    Gv = np.zeros((B, T, C))
    Gv[:, T - 1] = gscore * dscore_dv[:, T - 1]
    for t in range(T - 2, -1, -1):
        Gv[:, t] = gscore * dscore_dv[:, t] + alpha * Gv[:, t + 1]
    g_cur = np.zeros((B, T, C)); g_cur[:, :T - 1] = Gv[:, 1:]      # I[T-1] is never integrated
    dw = np.einsum("btn,btc->nc", y, g_cur)
    dalpha = (Gv[:, 1:] * v[:, :T - 1]).sum((0, 1))
    return g_cur @ w.T, dw, dalpha


def compute_case(case, hidden_factor=None):
    """Forward pass, loss and every gradient of one case in float64 (gradients with respect to
    the weights as given). `hidden_factor` ([B, T, N], optional) multiplies the last hidden
    layer's spikes on their way to the read-out (dropout); spike counts and the rate penalty
    see the spikes before it."""
    T, dt, I, B = case["steps"], float(case["dt_ms"]), case["inputs"], case["batch"]
    b, scale = float(case["surrogate_beta"]), float(case["output_scale"])
    x = np.zeros((B, T, I))
    for n, sample in enumerate(case["spikes"]):
        for t, idx in enumerate(sample):
            x[n, t, idx] = 1.0
    labels = np.array(case["labels"])

    # forward
    layers, ys, pre, inp = [], [], I, x
    for d in case["layers"]:
        layer = Layer(d, pre, d["neurons"], dt, d["w"], d["v"], d["tau_ms"])
        inp = layer.forward(inp)
        layers.append(layer); ys.append(inp); pre = d["neurons"]
    ro = case["readout"]
    C = ro["classes"]
    kind = ro["kind"]
    fed = inp if hidden_factor is None else inp * hidden_factor
    if kind == "spike-count":
        out = Layer(ro, pre, C, dt, ro["w"], None, ro["tau_ms"])
        score = out.forward(fed).sum(1)
        margin = min(min(l.margin for l in layers), out.margin)
        out_count = int(out.y.sum())
    else:
        w_out = np.array(ro["w"], dtype=np.float64).reshape(pre, C)
        tau_out = np.array(ro["tau_ms"], dtype=np.float64)
        alpha_out = np.exp(-dt / tau_out)
        score, cache = leaky_forward(fed, w_out, alpha_out, kind)
        margin = min(l.margin for l in layers)
        out_count = 0
    z = scale * score
    z = z - z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    ce = -logp[np.arange(B), labels].mean()

    penalty, g_pen = 0.0, []
    rp = case["rate_penalty"]
    for y in ys:
        N = y.shape[2]
        if rp is None:
            g_pen.append(np.zeros_like(y))
            continue
        c, rmin, rmax = float(rp["c"]), float(rp["rate_min_hz"]), float(rp["rate_max_hz"])
        denom = B * T * dt / 1000.0
        fr = y.sum((0, 1)) / denom
        over = np.maximum(fr - rmin, 0.0) / (rmax - rmin)
        penalty += (c * over ** 2).mean() / N
        dfr = c * 2 * over / (rmax - rmin) / N / N
        g_pen.append(np.broadcast_to(dfr / denom, y.shape).copy())
    loss = ce + penalty

    # backward
    grads = {}
    L = len(layers)
    dz = np.exp(logp); dz[np.arange(B), labels] -= 1; dz /= B
    gscore = scale * dz
    if kind == "spike-count":
        gy_out = np.broadcast_to(gscore[:, None, :], (B, T, C)).copy()
        gy = out.backward(gy_out, b)
        grads[f"w{L + 1}"], grads[f"tau{L + 1}"] = out.dw, out.dtau
    else:
        gy, dw, dalpha = leaky_backward(gscore, fed, w_out, alpha_out, cache)
        grads[f"w{L + 1}"] = dw
        grads[f"tau{L + 1}"] = dalpha * alpha_out * dt / tau_out ** 2
    if hidden_factor is not None:
        gy = gy * hidden_factor
    for l in range(L, 0, -1):
        layer = layers[l - 1]
        gy = layer.backward(gy + g_pen[l - 1], b)
        grads[f"w{l}"], grads[f"tau{l}"] = layer.dw, layer.dtau
        if layer.v is not None:
            grads[f"v{l}"] = layer.dv

    return dict(loss=loss, penalty=penalty, scores=score, grads=grads, margin=margin,
                hidden_spike_counts=[int(y.sum()) for y in ys], output_spike_count=out_count)


def rel(ours, theirs):
    """max |ours - theirs| / max |theirs| (theirs: the fixture)."""
    ours = np.asarray(ours, dtype=np.float64).ravel()
    theirs = np.asarray(theirs, dtype=np.float64).ravel()
    if ours.shape != theirs.shape:
        return np.inf
    ref = np.abs(theirs).max() if theirs.size else 0.0
    err = np.abs(ours - theirs).max() if theirs.size else 0.0
    return err / ref if ref > 0 else (0.0 if err < 1e-12 else np.inf)


def check_case(case):
    r = compute_case(case)
    loss, penalty, score, grads, margin = r["loss"], r["penalty"], r["scores"], r["grads"], r["margin"]
    out_count = r["output_spike_count"]

    errs = {"scores": rel(score, case["scores"]),
            "loss": abs(loss - case["loss"]) / max(1.0, abs(case["loss"])),
            "penalty": abs(penalty - case["penalty"]) / max(1.0, abs(case["penalty"]))}
    if set(grads) != set(case["gradients"]):
        errs["gradient names"] = np.inf
    for k in grads:
        errs[f"grad {k}"] = rel(grads[k], case["gradients"].get(k, []))
    ok = {k: e <= (1e-5 if k in ("loss", "penalty") else TOL) for k, e in errs.items()}
    ok["hidden_spike_counts"] = r["hidden_spike_counts"] == case["hidden_spike_counts"]
    ok["output_spike_count"] = out_count == case["output_spike_count"]
    ok["min_margin"] = abs(margin - case["min_margin"]) < 1e-5 and margin > 1e-4
    worst = max((e, k) for k, e in errs.items() if k.startswith("grad"))
    print(f"{case['name']:30s} loss {loss:.7f} (fixture {case['loss']:.7f})  penalty {penalty:.6f}"
          f"  margin {margin:.3g}  scores rel {errs['scores']:.1e}  worst grad rel {worst[0]:.1e} ({worst[1][5:]})")
    return all(ok.values()), {k: v for k, v in ok.items() if not v}, errs


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "Tests/SpikingCoreTests/Fixtures/core_parity.json"
    with open(path) as f:
        fx = json.load(f)
    all_ok = True
    for case in fx["cases"]:
        good, bad, errs = check_case(case)
        if not good:
            print("  MISMATCH:", {k: errs.get(k) for k in bad})
        all_ok &= good
    print(f"all {len(fx['cases'])} cases agree" if all_ok else "FAILED")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
