#!/usr/bin/env python3
"""JAX implementation of the notebook's model, for benchmarking spikeloc against a second peer.

The exact model of spikeloc_reference.py's `bench` (the seed notebook "Noise offsets in every
iteration"): dt 1 ms, 100 steps, 2*anf input fibres, a LIF hidden layer whose spike comes from
the previous membrane (`new_v = (alpha*v + h[t]) * (1 - s); s = H(v - 1)`, s_rec[0] = 0, T-1
updates), the surrogate gradient d/dx sigmoid(5x), a leaky-integrator read-out of 12 classes
(v_rec includes the initial 0), alpha = exp(-dt/tau) used as float32, the loss
NLL(log_softmax(0.01 * sum_t v)), Adam (lr 0.005, betas 0.9/0.999, eps 1e-8, bias correction:
torch.optim.Adam's defaults) on batches of 64. Float32 on the CPU; one `jax.jit` for forward,
backward and the Adam step, `lax.scan` over time, `jax.custom_jvp` for the spike.

Subcommands:
  bench   time an epoch as `spikeloc_reference.py bench` does (same JSON keys), compile excluded
  check   compare loss, gradients and one Adam step with the PyTorch reference on fixed batches

Threads: `--threads T` pins the process to T of its allowed CPUs (os.sched_setaffinity) before
jax is imported; XLA's CPU client sizes its thread pool from the affinity mask. In jax/jaxlib
0.10 the XLA_FLAGS `--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1` (also
set, for T = 1) change nothing measurable: only the affinity limits the threads.

`bench` does not import torch (importing it alone peaks at about 500 MB of RSS here): the notebook's
NumPy stimulus code is copied below (power envelope, one phase offset per call), and `check`
asserts that it makes the same spikes as spikeloc_reference.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time

# --- threads: must be decided before jax (XLA's CPU client) is imported -----------------------


def limit_threads(threads: int) -> list:
    """Pins the process to `threads` of its allowed CPUs (the lowest numbers); returns the CPUs."""
    allowed = sorted(os.sched_getaffinity(0))
    if threads < 1:
        sys.exit("--threads must be at least 1")
    chosen = allowed[:threads]
    os.sched_setaffinity(0, chosen)
    if threads == 1 and "XLA_FLAGS" not in os.environ:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return chosen


def _early_threads(argv) -> int:
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return 1


if __name__ == "__main__":
    try:
        CPUS = limit_threads(_early_threads(sys.argv[1:]))
    except ValueError:
        sys.exit("--threads expects a whole number")

import numpy as np  # noqa: E402

import jax  # noqa: E402
import jaxlib  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
from jax import lax  # noqa: E402

jax.config.update("jax_platforms", "cpu")

MS = 1e-3
BETA = 5.0
OUTPUT_SCALE = 0.01
NUM_CLASSES = 12
RATE_MAX_HZ = 600.0
STIMULUS_FREQUENCY_HZ = 20.0
ENVELOPE_POWER = 2


class Settings:
    """The settings of spikeloc_reference.py's bench (its Config's defaults)."""

    def __init__(self, **kw):
        self.epochs = 2
        self.lr = 0.005
        self.batch_size = 64
        self.train_batches = 64
        self.test_batches = 32  # accepted, unused (as in spikeloc_reference.py bench)
        self.hidden = 30
        self.tau_ms = 5.0
        self.anf_per_ear = 100
        self.dales = False
        self.ie_ratio = 0.5
        self.seed = 0
        self.threads = 1
        self.dt_ms = 1.0
        self.duration_s = 0.1
        for k, v in kw.items():
            setattr(self, k, v)

    @property
    def dt(self):
        return self.dt_ms * MS

    @property
    def duration_steps(self):
        return int(np.round(self.duration_s / self.dt))

    @property
    def input_size(self):
        return 2 * self.anf_per_ear

    @property
    def num_samples(self):
        return self.batch_size * self.train_batches

    @property
    def alpha(self):
        """exp(-dt/tau) in double (as the notebook), used as float32 (as torch does with the scalar)."""
        return np.float32(np.exp(-self.dt / (self.tau_ms * MS)))


# ---------------------------------------------------------------------------
# Stimulus: the notebook's NumPy code (spikeloc_reference.py's spike_probability with the power
# envelope and no jitter, input_signal, random_ipd_input_signal), returning the bool spikes.

def spike_probability(cfg: Settings, ipd, phi0):
    anf = cfg.anf_per_ear
    steps = cfg.duration_steps
    rate_max = RATE_MAX_HZ
    stimulus_frequency = STIMULUS_FREQUENCY_HZ
    num_samples = len(ipd)
    times = np.arange(steps) * cfg.dt
    phi = 2 * np.pi * (stimulus_frequency * times + phi0)
    phi = phi[np.newaxis, :, np.newaxis]
    theta = np.zeros((num_samples, steps, 2 * anf))
    phase_delays = np.linspace(0, np.pi / 2, anf)
    theta[:, :, :anf] = phi + phase_delays[np.newaxis, np.newaxis, :]
    theta[:, :, anf:] = phi + phase_delays[np.newaxis, np.newaxis, :] + ipd[:, np.newaxis, np.newaxis]
    return rate_max * cfg.dt * (0.5 * (1 + np.sin(theta))) ** ENVELOPE_POWER


def input_signal(cfg: Settings, ipd, poisson):
    """Spikes (bool [samples, steps, 2*anf]); one new phase offset per call (np.random.rand())."""
    phi0 = np.random.rand()
    p = spike_probability(cfg, ipd, phi0)
    return poisson < p


def random_ipd_input_signal(cfg: Settings, num_samples):
    ipd = np.random.rand(num_samples) * np.pi - np.pi / 2
    poisson = np.random.rand(num_samples, cfg.duration_steps, 2 * cfg.anf_per_ear)
    return ipd, poisson


def discretise(cfg: Settings, ipds):
    """Class indices as the notebook computes them on a float32 tensor."""
    x = ipds.astype(np.float32)
    x = x + np.float32(np.pi / 2)
    x = x * np.float32(NUM_CLASSES)
    x = x / np.float32(np.pi)
    return x.astype(np.int32)  # truncation, as .long()


def dales_signs(rows, cols, ie_ratio):
    """The notebook's contiguous Dale mask: rows 0 .. ceil(ie*rows)-1 are -1 (torch.arange(ie*rows))."""
    d = np.ones((rows, cols), np.float32)
    d[: int(np.ceil(ie_ratio * rows)), :] = -1
    return d


# ---------------------------------------------------------------------------
# The network

@jax.custom_jvp
def spike(x):
    """Heaviside H(x) (x > 0), with the derivative of sigmoid(BETA x) as its gradient."""
    return (x > 0).astype(x.dtype)


@spike.defjvp
def _spike_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    s = 1 / (1 + jnp.exp(-BETA * x))
    return spike(x), t * (BETA * s * (1 - s))


def effective(w, sign, dales):
    return jnp.abs(w) * sign if dales else w


def forward(params, x, alpha, signs, dales):
    """Output membrane summed over time, [batch, classes] (unscaled). x: [batch, steps, inputs]."""
    w1 = effective(params["w1"], signs[0], dales)
    w2 = effective(params["w2"], signs[1], dales)
    batch = x.shape[0]
    hidden = w1.shape[1]
    h = jnp.einsum("btc,cd->tbd", x.astype(jnp.float32), w1)  # time-major

    def lif(carry, h_t):
        v, s = carry
        new_v = (alpha * v + h_t) * (1 - s)
        s = spike(v - 1)  # from the old membrane
        return (new_v, s), s

    zero = jnp.zeros((batch, hidden), jnp.float32)
    _, s_seq = lax.scan(lif, (zero, zero), h[:-1])  # T-1 updates
    s_rec = jnp.concatenate([zero[None], s_seq], axis=0)  # [T, batch, hidden]
    h2 = jnp.einsum("tbn,nc->tbc", s_rec, w2)

    def readout(v, h_t):
        v = alpha * v + h_t
        return v, v

    v0 = jnp.zeros((batch, w2.shape[1]), jnp.float32)
    _, v_seq = lax.scan(readout, v0, h2[:-1])
    return jnp.sum(jnp.concatenate([v0[None], v_seq], axis=0), axis=0)


def loss_fn(params, x, y, alpha, signs, dales):
    m = forward(params, x, alpha, signs, dales) * OUTPUT_SCALE
    logp = jax.nn.log_softmax(m, axis=1)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


def make_steps(cfg: Settings):
    alpha = jnp.float32(cfg.alpha)
    signs = (jnp.asarray(dales_signs(cfg.input_size, cfg.hidden, cfg.ie_ratio)),
             jnp.asarray(dales_signs(cfg.hidden, NUM_CLASSES, cfg.ie_ratio)))
    optimizer = optax.adam(cfg.lr, b1=0.9, b2=0.999, eps=1e-8)

    def train_step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y, alpha, signs, cfg.dales)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    def val_step(params, x, y):
        return loss_fn(params, x, y, alpha, signs, cfg.dales)

    return optimizer, train_step, val_step


# ---------------------------------------------------------------------------
# bench

BENCH_OPTIONS = ("epochs", "lr", "train_batches", "hidden", "anf_per_ear", "dales", "ie_ratio",
                 "batch_size", "test_batches", "tau_ms", "seed", "threads")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def cmd_bench(args):
    cfg = Settings(**{k: getattr(args, k) for k in BENCH_OPTIONS if getattr(args, k, None) is not None})
    np.random.seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)  # weights and batch order (keeps numpy's global stream the notebook's)
    b1 = 1 / np.sqrt(cfg.hidden)  # the notebook's init quirk: fan-in = size(1)
    b2 = 1 / np.sqrt(NUM_CLASSES)
    params = {"w1": jnp.asarray(rng.uniform(-b1, b1, (cfg.input_size, cfg.hidden)).astype(np.float32)),
              "w2": jnp.asarray(rng.uniform(-b2, b2, (cfg.hidden, NUM_CLASSES)).astype(np.float32))}
    ipds, poisson = random_ipd_input_signal(cfg, cfg.num_samples)
    ipds_v, poisson_v = random_ipd_input_signal(cfg, cfg.num_samples)
    labels, labels_v = discretise(cfg, ipds), discretise(cfg, ipds_v)
    optimizer, train_step, val_step = make_steps(cfg)
    opt_state = optimizer.init(params)

    B = cfg.batch_size
    x0 = np.zeros((B, cfg.duration_steps, cfg.input_size), np.bool_)
    y0 = np.zeros((B,), np.int32)
    t0 = time.perf_counter()
    train_c = jax.jit(train_step).lower(params, opt_state, x0, y0).compile()
    val_c = jax.jit(val_step).lower(params, x0, y0).compile()
    compile_s = time.perf_counter() - t0
    state = [params, opt_state]

    def batches(spikes, y):
        perm = rng.permutation(len(y))  # as the notebook's data_generator (torch.randperm)
        spikes, y = spikes[perm], y[perm]
        for i in range(len(y) // B):
            yield spikes[i * B:(i + 1) * B], y[i * B:(i + 1) * B]

    def epoch():
        tb, vb = [], []
        t_epoch = time.perf_counter()
        t0 = time.perf_counter()
        spikes = input_signal(cfg, ipds, poisson)
        stim = time.perf_counter() - t0
        for x, y in batches(spikes, labels):
            t0 = time.perf_counter()
            p, o, loss = train_c(state[0], state[1], x, y)
            jax.block_until_ready((p, o))
            float(loss)
            state[0], state[1] = p, o
            tb.append(time.perf_counter() - t0)
        del spikes
        t0 = time.perf_counter()
        spikes_v = input_signal(cfg, ipds_v, poisson_v)
        stim += time.perf_counter() - t0
        for x, y in batches(spikes_v, labels_v):
            t0 = time.perf_counter()
            float(val_c(state[0], x, y))
            vb.append(time.perf_counter() - t0)
        del spikes_v
        return stim, tb, vb, time.perf_counter() - t_epoch

    epoch()  # warm-up
    stims, tbs, vbs, eps = [], [], [], []
    for _ in range(cfg.epochs):
        s, tb, vb, ep = epoch()
        stims.append(s)
        tbs += tb
        vbs += vb
        eps.append(ep)
    out = {
        "stimulus_ms": 1000 * statistics.median(stims),
        "train_batch_ms": 1000 * statistics.median(tbs),
        "val_batch_ms": 1000 * statistics.median(vbs),
        "epoch_ms": 1000 * statistics.median(eps),
        "peak_rss_mb": peak_rss_mb(),
        "compile_ms": 1000 * compile_s,
        "threads": len(os.sched_getaffinity(0)),
        "jax_version": jax.__version__,
        "jaxlib_version": jaxlib.__version__,
        "optax_version": optax.__version__,
        "epochs": cfg.epochs,
        "hidden": cfg.hidden,
        "anf_per_ear": cfg.anf_per_ear,
        "batch_size": cfg.batch_size,
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:16s} {v:.1f}" if isinstance(v, float) else f"{k:16s} {v}")


# ---------------------------------------------------------------------------
# check

TINY_GRADIENT = 1e-6  # 100 x Adam's eps


def rel_err(a, b):
    """max |a - b| / max |b| (the tensor's largest entry)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def cmd_check(args):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch
    import spikeloc_reference as ref

    torch.set_num_threads(1)
    B = args.batch_size
    worst = {"loss": 0.0, "grad": 0.0, "adam_same_grads": 0.0, "adam_own_grads": 0.0, "adam_own_all": 0.0}
    failures = []
    for name, dales, first_seed in (("plain", False, 1000), ("dales", True, 2000)):
        tcfg = ref.Config(dales=dales, ie_ratio=0.5, batch_size=B)
        cfg = Settings(dales=True if dales else False, ie_ratio=0.5, batch_size=B)
        found = None
        for scale in (1.0, 2.0, 3.0):
            for seed in range(first_seed, first_seed + 50):
                np.random.seed(seed)
                torch.manual_seed(seed)
                w1, w2, signs = ref.init_weight_matrices(tcfg, ie_ratio=0.5)
                if scale != 1.0:
                    with torch.no_grad():
                        w1.mul_(scale)
                ipds, poisson = ref.random_ipd_input_signal(tcfg, B, False)
                spikes = ref.spikes_from_fixed_idp_input_signal(tcfg, ipds, poisson)
                labels = ref.discretise(tcfg, torch.tensor(ipds, dtype=ref.DTYPE))
                record, s_out = [], []
                out = ref.snn(tcfg, spikes, w1, w2, signs, tau=tcfg.tau, dales=dales, record=record, s_out=s_out)
                margin = float(torch.stack(record).abs().min())
                count = int(s_out[0].sum())
                if margin > 1e-4 and count > 200:
                    found = (seed, scale, w1, w2, signs, ipds, spikes, labels, out, margin, count)
                    break
            if found:
                break
        if not found:
            sys.exit(f"check {name}: no batch with every spike decision > 1e-4 from the threshold")
        seed, scale, w1, w2, signs, ipds, spikes, labels, out, margin, count = found

        # the copied stimulus code: same draws, same spikes and classes
        np.random.seed(seed)
        j_ipds, j_poisson = random_ipd_input_signal(cfg, B)
        j_spikes = input_signal(cfg, j_ipds, j_poisson)
        if not (np.array_equal(j_spikes, spikes.numpy().astype(bool))
                and np.array_equal(discretise(cfg, j_ipds), labels.numpy())):
            failures.append(f"{name}: the stimulus copy differs from spikeloc_reference.py's")

        loss_t = torch.nn.NLLLoss()(torch.nn.LogSoftmax(dim=1)(torch.sum(out, 1) * ref.OUTPUT_SCALE), labels)
        loss_t.backward()
        g_t = {"w1": w1.grad.numpy().copy(), "w2": w2.grad.numpy().copy()}
        p0 = {"w1": w1.detach().numpy().copy(), "w2": w2.detach().numpy().copy()}
        opt = torch.optim.Adam([w1, w2], lr=cfg.lr)
        opt.step()
        p_t = {"w1": w1.detach().numpy().copy(), "w2": w2.detach().numpy().copy()}

        optimizer, train_step, _ = make_steps(cfg)
        params = {k: jnp.asarray(v) for k, v in p0.items()}
        x, y = j_spikes, discretise(cfg, j_ipds)
        alpha = jnp.float32(cfg.alpha)
        jsigns = (jnp.asarray(dales_signs(cfg.input_size, cfg.hidden, 0.5)),
                  jnp.asarray(dales_signs(cfg.hidden, NUM_CLASSES, 0.5)))
        if not (np.array_equal(np.asarray(jsigns[0]), signs[0].numpy())
                and np.array_equal(np.asarray(jsigns[1]), signs[1].numpy())):
            failures.append(f"{name}: Dale signs differ")
        loss_j, g_j = jax.jit(jax.value_and_grad(loss_fn), static_argnums=5)(params, x, y, alpha, jsigns, dales)
        p_j, _, _ = jax.jit(train_step)(params, optimizer.init(params), x, y)
        upd, _ = optimizer.update({k: jnp.asarray(v) for k, v in g_t.items()}, optimizer.init(params), params)
        p_same = optax.apply_updates(params, upd)

        lt = loss_t.item()
        e_loss = abs(float(loss_j) - lt) / abs(lt)
        e_grad = max(rel_err(g_j[k], g_t[k]) for k in g_t)
        e_same = max(float(np.max(np.abs(np.asarray(p_same[k]) - p_t[k]))) for k in p_t)
        # Adam's first step is lr * g / (|g| + eps): where |g| is within a few eps of 0 it turns the
        # gradients' last-bit differences into visible weight differences, so the own-gradients step
        # is held to 1e-6 only where |g| >= TINY_GRADIENT (the same-gradients step everywhere).
        e_own_all = max(float(np.max(np.abs(np.asarray(p_j[k]) - p_t[k]))) for k in p_t)
        e_own = max(float(np.max(np.abs(np.asarray(p_j[k]) - p_t[k]) * (np.abs(g_t[k]) >= TINY_GRADIENT)))
                    for k in p_t)
        tiny = sum(int(np.sum(np.abs(g_t[k]) < TINY_GRADIENT)) for k in p_t)
        print(f"{name}: seed {seed}, w1 x{scale}, batch {B}, hidden spikes {count}, min |v-1| {margin:.2e}; "
              f"loss torch {lt:.7f} jax {float(loss_j):.7f} (rel {e_loss:.1e}); "
              f"gradients max rel {e_grad:.1e} (w1 {rel_err(g_j['w1'], g_t['w1']):.1e}, "
              f"w2 {rel_err(g_j['w2'], g_t['w2']):.1e}; of each tensor's largest entry); "
              f"Adam step max |dw|: same gradients {e_same:.1e}, own gradients {e_own:.1e} where |g| >= "
              f"{TINY_GRADIENT:g} ({e_own_all:.1e} over all, {tiny} entries below)")
        for k, v in (("loss", e_loss), ("grad", e_grad), ("adam_same_grads", e_same), ("adam_own_grads", e_own),
                     ("adam_own_all", e_own_all)):
            worst[k] = max(worst[k], v)
        if e_loss > 1e-5:
            failures.append(f"{name}: loss differs by {e_loss:.2e} (relative) > 1e-5")
        if e_grad > 1e-5:
            failures.append(f"{name}: gradients differ by {e_grad:.2e} (relative) > 1e-5")
        if e_same > 1e-6 or e_own > 1e-6:
            failures.append(f"{name}: weights after one Adam step differ by {max(e_same, e_own):.2e} > 1e-6")
    print("worst: loss rel {loss:.1e}, gradient rel {grad:.1e}, Adam step abs {adam_same_grads:.1e} (same "
          "gradients) / {adam_own_grads:.1e} (own gradients, |g| >= 1e-6; {adam_own_all:.1e} over all); "
          "jax {v}, torch {t}".format(
              **worst, v=jax.__version__, t=torch.__version__))
    if failures:
        sys.exit("check FAILED:\n  " + "\n  ".join(failures))
    print("check passed (loss and gradients within 1e-5 relative, Adam step within 1e-6)")


# ---------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    d = Settings()
    p = sub.add_parser("bench", help="time an epoch (spikeloc_reference.py bench's JSON keys, plus compile_ms)")
    for opt, typ in (("--epochs", int), ("--lr", float), ("--train-batches", int), ("--hidden", int),
                     ("--anf-per-ear", int), ("--ie-ratio", float), ("--batch-size", int),
                     ("--test-batches", int), ("--tau-ms", float), ("--seed", int), ("--threads", int)):
        p.add_argument(opt, type=typ, help=f"(default {getattr(d, opt[2:].replace('-', '_'))})")
    p.add_argument("--dales", action="store_true", default=None, help="Dale's law, the contiguous mask (default off)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("check", help="loss, gradients and one Adam step against spikeloc_reference.py")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_check)

    args, unknown = ap.parse_known_args(argv)
    if unknown:
        sys.exit(f"jax_reference.py {args.cmd}: unsupported option(s) {' '.join(unknown)}. The JAX "
                 f"implementation is the seed notebook's model only; bench takes the options of "
                 f"spikeloc_reference.py bench: " + ", ".join("--" + o.replace("_", "-") for o in BENCH_OPTIONS))
    for k in ("epochs", "train_batches", "hidden", "anf_per_ear", "batch_size"):
        v = getattr(args, k, None)
        if v is not None and v < 1:
            sys.exit(f"--{k.replace('_', '-')} must be at least 1")
    args.func(args)


if __name__ == "__main__":
    main()
