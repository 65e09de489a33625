#!/usr/bin/env python3
"""PyTorch reference for learned synaptic delays (DCLS), as a command line tool.

A faithful re-implementation of the community notebook
`research/Quick_Start_Delay_DCLS.ipynb` (comob-project snn-sound-localization):
200 input fibres (no phase delays), 30 hidden LIF neurons of the notebook
(`new_v = (alpha*v + h[t])*(1 - s); s = spike(v - 1)` with the old v, so the
spike and its reset are one step late; sigmoid surrogate, beta 5), a 12-class
leaky-integrator read-out (`v = alpha*v + h[t]`, the initial 0 recorded), both
weight layers `Dcls1d(in, out, kernel_count=1, dilated_kernel_size=D,
bias=False, version='gauss')` with D = the maximum delay in steps made odd
(30 ms -> 31). The input (N, C, T) is padded left D-1 and right (D-1)//2 and
cross-correlated with the kernel K = W * X(P, SIG), so
h[t] = sum_k K[k] x[t + k - (D-1)]: tap k is the delay D-1-k steps.
Loss: NLL(log_softmax(0.01 * sum_t v)). Training: Adam on the weights (lr 0.001,
OneCycleLR max_lr 0.005 over the epochs, stepped per epoch), Adam on the
positions (lr 0.1, CosineAnnealingLR), SIG from D//2 shrunk geometrically to
0.23 over the first quarter of the epochs (not trained), positions clamped to
+-D//2 after every step, 'max' kernels for validation and test, the notebook's
early stopping, one new phase offset per epoch for the whole set.

The math, float32 arithmetic and order of every random draw are the notebook's;
its module-level constants are options. Seeding: np.random.seed(seed) and
torch.manual_seed(seed) (the notebook does not seed).

The DCLS package and the notebook's embedded copy of it
-------------------------------------------------------
The notebook carries its own copy of DCLS (cells 15-17). The PyPI package
`dcls==0.1.1` (module `DCLS.construct.modules`) was compared with that copy
(same seeds, D in {5, 25, 31, 35}, positions incl. half-integers and values
beyond +-D//2, SIG 0.7):
  * 'gauss': identical. Same initial draws (weight, then P), and bit-identical
    kernels, outputs and gradients of weight and P.
  * 'max': DIFFERENT. The notebook's ConstructKernel1d.forward calls
    forward_vmax(W, clamp(round(P), -D//2, D//2), zeros_like(SIG)), i.e. the
    kernel is relu(1 - |k - (P' + D//2)|) / (sum + 1e-7) with P' = P rounded
    (torch.round, half to even) and clamped: one tap per synapse, zero
    gradient for P. The package's forward passes the raw P and raw SIG:
    relu(|SIG| + 1 - |k - (P + D//2)|) / (sum + 1e-7), a triangle of
    half-width |SIG| + 1 at the unrounded, unclamped position (up to 0.54 of
    difference in the outputs of the comparison).
  * reset_parameters: the notebook's `normal_(P, 0, 0.5).clamp(-lim, lim)` is
    not in place (a no-op), the package's `.clamp_` is. Same draws; values
    differ only where |P| > D//2 (never for N(0, 0.5) at D >= 25).
  * The package's default version is 'gauss' (the notebook's copy: 'v1');
    both are called with an explicit version here.
This tool follows the notebook: `Dcls1d` below is the package's Dcls1d whose
kernel constructor rounds, clamps and zeroes SIG in 'max' mode (then calls the
package's own forward_vmax), and whose reset_parameters clamps as the
notebook does (not in place).

Kept notebook behaviour: `best_weights = w1, w2` holds references, so the
*final* weights are tested (also after an early stop); the validation loop
clamps the positions after every batch; the sigma schedule reads w2.SIG.

Subcommands:
  train  the notebook's training and test (train + test accuracy, abs error)
  bench  time the notebook's code path (stimulus, batches, epoch, memory)

Run `python3 reference/dcls_notebook.py SUBCOMMAND --help` for the options.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from DCLS.construct.modules import ConstructKernel1d as _PkgConstructKernel1d
from DCLS.construct.modules import Dcls1d as _PkgDcls1d

# Units and fixed constants of the notebook.
SECONDS = 1
MS = 1e-3
HZ = 1
BETA = 5  # sigmoid_deriv(inp, beta=5)
OUTPUT_SCALE = 0.01  # m = torch.sum(output, 1)*0.01
NUM_CLASSES = 180 // 15
ENVELOPE_POWER = 2
RATE_MAX = 600 * HZ
STIMULUS_FREQUENCY = 20 * HZ
SIG_FINAL = 0.23

dtype = torch.float
device = torch.device("cpu")


def dcls_version() -> str:
    try:
        from importlib.metadata import version
        return version("dcls")
    except Exception:  # pragma: no cover
        return "unknown"


# ---------------------------------------------------------------------------
# DCLS: the package's classes with the notebook's 'max' kernel and init

class NotebookConstructKernel1d(_PkgConstructKernel1d):
    """The package's kernel constructor; 'max' as the notebook's copy (cell 16)."""

    def forward(self, W, P, SIG):
        if self.version == "max":
            self.__init_tmp_variables__(W.device)
            lim = self.dilated_kernel_size[0] // 2
            return self.forward_vmax(W, torch.clamp(torch.round(P), -lim, lim),
                                     torch.zeros_like(SIG))
        return super().forward(W, P, SIG)


class Dcls1d(_PkgDcls1d):
    """dcls 0.1.1's Dcls1d computing what the notebook's embedded copy computes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.DCK = NotebookConstructKernel1d(self.out_channels, self.in_channels, self.groups,
                                             self.kernel_count, self.dilated_kernel_size,
                                             self.version)

    def reset_parameters(self) -> None:
        # The notebook's (cell 15): the clamp of P is not in place.
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)
        with torch.no_grad():
            for i in range(len(self.dilated_kernel_size)):
                lim = self.dilated_kernel_size[i] // 2
                nn.init.normal_(self.P.select(0, i), 0, 0.5).clamp(-lim, lim)
            if self.SIG is not None:
                if self.version == "gauss":
                    nn.init.constant_(self.SIG, 0.23)
                else:
                    nn.init.constant_(self.SIG, 0.0)


def set_version(w, version: str) -> None:
    w.version = version
    w.DCK.version = version


# ---------------------------------------------------------------------------
# Configuration (the notebook's module-level constants)

@dataclass
class Config:
    dt_ms: float = 1.0
    duration_ms: float = 100.0
    anf_per_ear: int = 100
    hidden: int = 30
    tau_ms: float = 5.0
    max_delay_ms: float = 30.0
    lr: float = 0.001
    epochs: int = 150
    batch_size: int = 64
    train_batches: int = 64
    val_batches: int = 64  # the notebook: num_samples = batch_size*n_training_batches
    test_batches: int = 32
    seed: int = 0
    threads: int = 1

    @property
    def dt(self) -> float:
        return self.dt_ms * MS

    @property
    def steps(self) -> int:
        return int(np.round(self.duration_ms * MS / self.dt))

    @property
    def inputs(self) -> int:
        return 2 * self.anf_per_ear

    @property
    def max_delay(self) -> int:
        """Kernel size D in steps, made odd (300//10 = 30 -> 31)."""
        d = int(round(self.max_delay_ms / self.dt_ms))
        return d if d % 2 == 1 else d + 1

    @property
    def left_padding(self) -> int:
        return self.max_delay - 1

    @property
    def right_padding(self) -> int:
        return (self.max_delay - 1) // 2


# ---------------------------------------------------------------------------
# Stimulus (cell 7)

def input_signal(cfg: Config, ipd, poisson, with_delays=False):
    n = len(ipd)
    T, A = cfg.steps, cfg.anf_per_ear
    times = np.arange(T) * cfg.dt
    phi = 2 * np.pi * (STIMULUS_FREQUENCY * times + np.random.rand())
    theta = np.zeros((n, T, 2 * A))
    phase_delays = np.linspace(0, np.pi / 2, A) if with_delays else np.zeros((A))
    theta[:, :, :A] = phi[np.newaxis, :, np.newaxis] + phase_delays[np.newaxis, np.newaxis, :]
    theta[:, :, A:] = (phi[np.newaxis, :, np.newaxis] + phase_delays[np.newaxis, np.newaxis, :]
                       + ipd[:, np.newaxis, np.newaxis])
    if poisson is None:
        poisson = np.random.rand(n, T, 2 * A)
    return poisson < RATE_MAX * cfg.dt * (0.5 * (1 + np.sin(theta))) ** ENVELOPE_POWER


def random_ipd_input_signal(cfg: Config, num_samples):
    ipd = np.random.rand(num_samples) * np.pi - np.pi / 2
    poisson = np.random.rand(num_samples, cfg.steps, cfg.inputs)
    return ipd, poisson


def spikes_from_fixed_idp_input_signal(cfg: Config, ipd, poisson=None):
    return torch.tensor(input_signal(cfg, ipd, poisson), device=device, dtype=dtype)


def data_generator(cfg: Config, ipds, spikes):
    perm = torch.randperm(spikes.shape[0])
    spikes = spikes[perm, :, :]
    ipds = ipds[perm]
    n_batch = spikes.shape[0] // cfg.batch_size
    for i in range(n_batch):
        b = cfg.batch_size
        yield spikes[i * b:(i + 1) * b, :, :], ipds[i * b:(i + 1) * b]


def discretise(ipds):
    return ((ipds + np.pi / 2) * NUM_CLASSES / np.pi).long()


def continuise(ipd_indices):
    return (ipd_indices + 0.5) / NUM_CLASSES * np.pi - np.pi / 2


# ---------------------------------------------------------------------------
# SNN (cell 13)

def sigmoid(x, beta):
    return 1 / (1 + torch.exp(-beta * x))


def sigmoid_deriv(x, beta):
    s = sigmoid(x, beta)
    return beta * s * (1 - s)


class SurrGradSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inp):
        ctx.save_for_backward(inp)
        out = torch.zeros_like(inp)
        out[inp > 0] = 1.0
        return out

    @staticmethod
    def backward(ctx, grad_output):
        inp, = ctx.saved_tensors
        return grad_output * sigmoid_deriv(inp, beta=BETA)


spike_fn = SurrGradSpike.apply


def membrane_only(cfg: Config, h, tau):
    v = torch.zeros((h.shape[0], h.shape[2]), device=device, dtype=dtype)
    v_rec = [v]
    alpha = np.exp(-cfg.dt / tau)
    for t in range(cfg.steps - 1):
        v = alpha * v + h[:, t, :]
        v_rec.append(v)
    return torch.stack(v_rec, dim=1)


def layer1(cfg: Config, h, tau):
    v = torch.zeros((h.shape[0], h.shape[2]), device=device, dtype=dtype)
    s = torch.zeros((h.shape[0], h.shape[2]), device=device, dtype=dtype)
    s_rec = [s]
    alpha = np.exp(-cfg.dt / tau)
    for t in range(cfg.steps - 1):
        new_v = (alpha * v + h[:, t, :]) * (1 - s)  # multiply by 0 after a spike
        s = spike_fn(v - 1)  # threshold of 1
        v = new_v
        s_rec.append(s)
    return torch.stack(s_rec, dim=1)


def delayed(cfg: Config, w, x):
    """(N, T, C) -> (N, T + (D-1)//2, out): pad left D-1, right (D-1)//2, Dcls1d."""
    x = x.permute(0, 2, 1)
    x = nn.functional.pad(x, (cfg.left_padding, cfg.right_padding), "constant", 0)
    return w(x).permute(0, 2, 1)


def snn(cfg: Config, input_spikes, w1, w2, tau=None):
    tau = cfg.tau_ms * MS if tau is None else tau
    s_rec = layer1(cfg, delayed(cfg, w1, input_spikes), tau)
    return membrane_only(cfg, delayed(cfg, w2, s_rec), tau)


def init_weight_matrices(cfg: Config):
    D = cfg.max_delay
    w1 = Dcls1d(cfg.inputs, cfg.hidden, kernel_count=1, groups=1, dilated_kernel_size=D,
                bias=False, version="gauss")
    w2 = Dcls1d(cfg.hidden, NUM_CLASSES, kernel_count=1, groups=1, dilated_kernel_size=D,
                bias=False, version="gauss")
    nn.init.kaiming_uniform_(w1.weight, nonlinearity="relu")
    nn.init.kaiming_uniform_(w2.weight, nonlinearity="relu")
    torch.nn.init.constant_(w1.SIG, D // 2)
    w1.SIG.requires_grad = False
    torch.nn.init.constant_(w2.SIG, D // 2)
    w2.SIG.requires_grad = False
    return w1, w2


def make_optimisers(cfg: Config, w1, w2):
    lr = cfg.lr
    optimizers = [torch.optim.Adam([{"params": [w1.weight, w2.weight], "lr": lr}]),
                  torch.optim.Adam([w1.P, w2.P], lr=lr * 100)]
    schedulers = [torch.optim.lr_scheduler.OneCycleLR(optimizers[0], max_lr=5 * lr,
                                                      total_steps=cfg.epochs),
                  torch.optim.lr_scheduler.CosineAnnealingLR(optimizers[1], T_max=cfg.epochs)]
    return optimizers, schedulers


log_softmax_fn = nn.LogSoftmax(dim=1)
loss_fn = nn.NLLLoss()


def train_batch(cfg: Config, w1, w2, optimizers, x_local, y_local) -> float:
    output = snn(cfg, x_local, w1, w2)
    m = torch.sum(output, 1) * OUTPUT_SCALE
    loss = loss_fn(log_softmax_fn(m), y_local)
    for opt in optimizers:
        opt.zero_grad()
    loss.backward()
    for opt in optimizers:
        opt.step()
    w1.clamp_parameters()
    w2.clamp_parameters()
    return loss.item()


def val_batch(cfg: Config, w1, w2, x_local, y_local) -> float:
    output = snn(cfg, x_local, w1, w2)
    m = torch.sum(output, 1) * OUTPUT_SCALE
    val_loss = loss_fn(log_softmax_fn(m), y_local)
    w1.clamp_parameters()
    w2.clamp_parameters()
    return val_loss.item()


# ---------------------------------------------------------------------------
# Training (cell 20) and testing (cell 22)

def train(cfg: Config, w1, w2, ipds, poisson, ipds_validation, poisson_validation, log=print):
    optimizers, schedulers = make_optimisers(cfg, w1, w2)
    D = cfg.max_delay
    hist = {"loss": [], "val_loss": [], "sigma": [], "epoch_s": [], "early_stop_epoch": None}
    val_loss_best_loss = 1e10
    best_weights = (w1, w2)
    for e in range(cfg.epochs):
        t0 = time.perf_counter()
        local_loss = []
        spikes = spikes_from_fixed_idp_input_signal(cfg, ipds, poisson)
        labels = discretise(torch.tensor(ipds, device=device, dtype=dtype))
        for x_local, y_local in data_generator(cfg, labels, spikes):
            local_loss.append(train_batch(cfg, w1, w2, optimizers, x_local, y_local))
        hist["loss"].append(float(np.mean(local_loss)))
        for scheduler in schedulers:
            scheduler.step()

        sig = w2.SIG[0, 0, 0, 0].detach().cpu().item()
        if e < ((1 * cfg.epochs) // 4) and sig > SIG_FINAL:
            alpha = (SIG_FINAL / (D // 2)) ** (1 / ((1 * cfg.epochs) // 4))
            w1.SIG *= alpha
            w2.SIG *= alpha

        val_local_loss = []
        with torch.no_grad():
            set_version(w1, "max")
            set_version(w2, "max")
            w1.clamp_parameters()
            w2.clamp_parameters()
            spikes_validation = spikes_from_fixed_idp_input_signal(cfg, ipds_validation,
                                                                   poisson_validation)
            vlabels = discretise(torch.tensor(ipds_validation, device=device, dtype=dtype))
            for x_local, y_local in data_generator(cfg, vlabels, spikes_validation):
                val_local_loss.append(val_batch(cfg, w1, w2, x_local, y_local))
        set_version(w1, "gauss")
        set_version(w2, "gauss")

        hist["val_loss"].append(float(np.mean(val_local_loss)))
        hist["sigma"].append(float(w2.SIG[0, 0, 0, 0].item()))
        hist["epoch_s"].append(time.perf_counter() - t0)
        log(f"epoch {e + 1}/{cfg.epochs}: loss {hist['loss'][-1]:.4f}, val loss "
            f"{hist['val_loss'][-1]:.4f}, sigma {hist['sigma'][-1]:.4f}, "
            f"{hist['epoch_s'][-1]:.2f} s")

        if np.mean(val_local_loss) < val_loss_best_loss:
            val_loss_best_loss = np.mean(val_local_loss)
            best_weights = w1, w2  # references, as the notebook: the final weights

        if torch.tensor(hist["val_loss"][-10:]).argmin() == 0 and e > 10:
            log("Early Stop !")
            hist["early_stop_epoch"] = e + 1
            return best_weights[0], best_weights[1], hist
    return w1, w2, hist


def test_accuracy(cfg: Config, ipds, poisson, run):
    accs, ipd_true, ipd_est = [], [], []
    spikes = spikes_from_fixed_idp_input_signal(cfg, ipds, poisson)
    for x_local, y_local in data_generator(cfg, torch.tensor(ipds, device=device, dtype=dtype),
                                           spikes):
        y_local_orig = y_local
        y_local = discretise(y_local)
        output = run(x_local)
        m = torch.sum(output, 1)
        _, am = torch.max(m, 1)
        accs.append(np.mean((y_local == am).detach().cpu().numpy()))
        ipd_true.append(y_local_orig.cpu().data.numpy())
        ipd_est.append(continuise(am.detach().cpu().numpy()))
    ipd_true = np.hstack(ipd_true)
    ipd_est = np.hstack(ipd_est)
    return 100 * float(np.mean(accs)), float(np.mean(abs(ipd_true - ipd_est) * 180 / np.pi))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def cfg_from_args(args) -> Config:
    cfg = Config()
    for k in ("seed", "max_delay_ms", "epochs", "threads", "train_batches", "val_batches",
              "test_batches", "hidden", "tau_ms", "lr"):
        if hasattr(args, k) and getattr(args, k) is not None:
            setattr(cfg, k, getattr(args, k))
    return cfg


def cmd_train(args):
    cfg = cfg_from_args(args)
    torch.set_num_threads(cfg.threads)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    log = (lambda s: print(s, file=sys.stderr)) if args.json else print
    t_start = time.perf_counter()
    w1, w2 = init_weight_matrices(cfg)
    n_train = cfg.batch_size * cfg.train_batches
    n_val = cfg.batch_size * cfg.val_batches
    ipds_training, poisson_training = random_ipd_input_signal(cfg, n_train)
    ipds_validation, poisson_validation = random_ipd_input_signal(cfg, n_val)
    w1t, w2t, hist = train(cfg, w1, w2, ipds_training, poisson_training, ipds_validation,
                           poisson_validation, log=log)
    t_train = time.perf_counter() - t_start
    with torch.no_grad():
        set_version(w1t, "max")
        set_version(w2t, "max")
        run = lambda x: snn(cfg, x, w1t, w2t)  # noqa: E731
        train_acc, train_err = test_accuracy(cfg, ipds_training, poisson_training, run)
        ipds_test, poisson_test = random_ipd_input_signal(cfg, cfg.batch_size * cfg.test_batches)
        test_acc, test_err = test_accuracy(cfg, ipds_test, poisson_test, run)
    delays1 = w1t.P.detach().round().squeeze()
    result = {
        "seed": cfg.seed, "max_delay_ms": cfg.max_delay_ms, "taps": cfg.max_delay,
        "epochs": cfg.epochs, "epochs_run": len(hist["loss"]),
        "early_stop_epoch": hist["early_stop_epoch"],
        "train_accuracy": train_acc, "train_abs_error_deg": train_err,
        "test_accuracy": test_acc, "test_abs_error_deg": test_err,
        "chance_accuracy": 100 / NUM_CLASSES,
        "loss": hist["loss"], "val_loss": hist["val_loss"], "sigma": hist["sigma"],
        "epoch_s": hist["epoch_s"],
        "median_epoch_s": statistics.median(hist["epoch_s"]),
        "train_s": t_train, "total_s": time.perf_counter() - t_start,
        "p1_rounded_min": float(delays1.min()), "p1_rounded_max": float(delays1.max()),
        "peak_rss_mb": peak_rss_mb(), "threads": cfg.threads,
        "torch_version": torch.__version__, "dcls_version": dcls_version(),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"Chance accuracy level: {100 / NUM_CLASSES:.1f}%")
    print(f"Train classifier accuracy: {train_acc:.1f}%")
    print(f"Train absolute error: {train_err:.1f} deg")
    print(f"Test classifier accuracy: {test_acc:.1f}%")
    print(f"Test absolute error: {test_err:.1f} deg")
    print(f"epochs run {result['epochs_run']} (early stop: {hist['early_stop_epoch']}), "
          f"median epoch {result['median_epoch_s']:.2f} s, training {t_train:.1f} s, "
          f"total {result['total_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB")


def cmd_bench(args):
    cfg = cfg_from_args(args)
    torch.set_num_threads(cfg.threads)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    w1, w2 = init_weight_matrices(cfg)
    with torch.no_grad():
        w1.SIG.fill_(args.sigma)
        w2.SIG.fill_(args.sigma)
    optimizers, _ = make_optimisers(cfg, w1, w2)
    ipds, poisson = random_ipd_input_signal(cfg, cfg.batch_size * cfg.train_batches)
    ipds_v, poisson_v = random_ipd_input_signal(cfg, cfg.batch_size * cfg.val_batches)

    # The stimulus of one epoch: the training and the validation set's spikes.
    t0 = time.perf_counter()
    spikes = spikes_from_fixed_idp_input_signal(cfg, ipds, poisson)
    spikes_v = spikes_from_fixed_idp_input_signal(cfg, ipds_v, poisson_v)
    stimulus_ms = (time.perf_counter() - t0) * 1e3
    labels = discretise(torch.tensor(ipds, device=device, dtype=dtype))
    vlabels = discretise(torch.tensor(ipds_v, device=device, dtype=dtype))
    del poisson, poisson_v

    b = cfg.batch_size
    n = args.batches
    batches = [(spikes[(i % cfg.train_batches) * b:(i % cfg.train_batches + 1) * b],
                labels[(i % cfg.train_batches) * b:(i % cfg.train_batches + 1) * b])
               for i in range(n + 1)]
    times = []
    for i, (x, y) in enumerate(batches):  # the first one is a warm-up
        t0 = time.perf_counter()
        train_batch(cfg, w1, w2, optimizers, x, y)
        if i > 0:
            times.append((time.perf_counter() - t0) * 1e3)
    train_ms = statistics.median(times)

    times = []
    with torch.no_grad():
        set_version(w1, "max")
        set_version(w2, "max")
        for i in range(n + 1):
            j = i % cfg.val_batches
            x, y = spikes_v[j * b:(j + 1) * b], vlabels[j * b:(j + 1) * b]
            t0 = time.perf_counter()
            val_batch(cfg, w1, w2, x, y)
            if i > 0:
                times.append((time.perf_counter() - t0) * 1e3)
        set_version(w1, "gauss")
        set_version(w2, "gauss")
    val_ms = statistics.median(times)
    epoch_ms = stimulus_ms + cfg.train_batches * train_ms + cfg.val_batches * val_ms
    result = {"stimulus_ms": stimulus_ms, "train_batch_ms": train_ms, "val_batch_ms": val_ms,
              "epoch_ms": epoch_ms, "peak_rss_mb": peak_rss_mb(),
              "torch_version": torch.__version__, "dcls_version": dcls_version(),
              "threads": cfg.threads, "sigma": args.sigma}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k}: {v:.2f}" if isinstance(v, float) else f"{k}: {v}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, threads):
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--max-delay-ms", type=float, default=30.0,
                       help="maximum delay; kernel size D = steps made odd (default 30 -> 31)")
        p.add_argument("--threads", type=int, default=threads)
        p.add_argument("--train-batches", type=int, default=64)
        p.add_argument("--val-batches", type=int, default=64)
        p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("train", help="the notebook's training and test")
    common(p, 1)
    p.add_argument("--epochs", type=int, default=150)
    p.add_argument("--test-batches", type=int, default=32)
    p.add_argument("--hidden", type=int, default=30)
    p.add_argument("--tau-ms", type=float, default=5.0)
    p.add_argument("--lr", type=float, default=0.001)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("bench", help="time the notebook's code path")
    common(p, 2)
    p.add_argument("--sigma", type=float, default=15.0, help="SIG of every synapse (gauss)")
    p.add_argument("--batches", type=int, default=8, help="timed batches (median)")
    p.set_defaults(func=cmd_bench)

    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
