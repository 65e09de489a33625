"""Runs exported spikeloc models in snnTorch and Norse on spikeloc's own test spikes and compares
their class decisions with spikeloc's. Called by scripts/nir-roundtrip.sh.

    python3 scripts/nir_roundtrip.py NAME DUMP_DIR SNNTORCH_NIR NORSE_NIR

DUMP_DIR is what `spikeloc-nir-check dump` wrote (spikes.bin, labels.bin, predictions.bin,
info.json). SNNTORCH_NIR is the model exported for a reader step of 0.1 ms (the step snnTorch's
importer assumes), NORSE_NIR the one for 1 ms (Norse's importer takes dt as an argument; 1 ms).

Neither importer maps NIR's leaky integrator (LI) node (snnTorch 1.0.0 raises on it, Norse 1.1.0
drops it), so each gets one: snnTorch a snn.Leaky that never spikes (reset_mechanism "none",
beta = 1 - dt/tau, input scaled by r dt/tau as snnTorch's own LIF import does), Norse its own
LIBoxCell with the input scaled by r. Everything else is the importers' own mapping. The class is
the argmax of the LI output summed over the first T-1 steps (the file's `readout_rule`: spikeloc's
integrator never integrates the last step's input); the agreement when summing all T steps is
shown too.
"""
import contextlib
import io
import json
import pathlib
import sys
import time
from functools import partial

import nir
import nirtorch
import numpy as np
import torch

torch.set_grad_enabled(False)
name, dump, snn_file, norse_file = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]
info = json.loads((dump / "info.json").read_text())
n, steps, inputs, classes = info["samples"], info["steps"], info["inputs"], info["classes"]
packed = np.fromfile(dump / "spikes.bin", dtype=np.uint8).reshape(n, steps, -1)
spikes = np.unpackbits(packed, axis=2)[:, :, :inputs]             # [samples, steps, inputs] 0/1
labels = np.fromfile(dump / "labels.bin", dtype=np.int64)
spikeloc = np.fromfile(dump / "predictions.bin", dtype=np.int64)


def run(module_factory, batch=1024):
    """Runs a fresh module per batch step by step; returns the LI outputs [samples, steps, classes]."""
    outputs = np.zeros((n, steps, classes), dtype=np.float64)
    for start in range(0, n, batch):
        x = torch.from_numpy(spikes[start:start + batch].astype(np.float32))
        step = module_factory()
        for t in range(steps):
            outputs[start:start + batch, t] = step(x[:, t]).double().numpy()
    return outputs


def report(label, outputs, seconds):
    decided = outputs[:, :steps - 1].sum(axis=1).argmax(axis=1)
    decided_all = outputs.sum(axis=1).argmax(axis=1)
    agree = (decided == spikeloc).mean() * 100
    agree_all = (decided_all == spikeloc).mean() * 100
    print(f"{name:>9} | {label:<8} | {agree:8.2f} % ({(decided == spikeloc).sum()}/{n}) | {(decided == labels).mean() * 100:6.2f} % "
          f"| {agree_all:8.2f} % | {seconds:6.1f} s")


# ---- snnTorch ------------------------------------------------------------------------------
import snntorch as snn
from snntorch import import_nir as snn_import

SNN_DT = 1e-4  # the step snnTorch's importer assumes


class SnnTorchLI(torch.nn.Module):
    """NIR's LI in snnTorch terms: a Leaky that never spikes, its membrane the output."""

    def __init__(self, node):
        super().__init__()
        beta = torch.tensor(1 - SNN_DT / node.tau, dtype=torch.float32)
        self.scale = torch.tensor(node.r * SNN_DT / node.tau, dtype=torch.float32)
        self.leaky = snn.Leaky(beta=beta, threshold=1e30, reset_mechanism="none", init_hidden=True, output=True)

    def forward(self, x):
        _, mem = self.leaky(self.scale * x)
        return mem


def snntorch_module():
    graph = nir.read(snn_file)
    node_map = {t: partial(snn_import._nir_to_snntorch_module, init_hidden=True) for t in (nir.Affine, nir.Linear, nir.LIF)}
    node_map[nir.LI] = SnnTorchLI
    with contextlib.redirect_stdout(io.StringIO()):  # its "[warning] scaling weights" lines, once per layer
        return nirtorch.nir_to_torch(graph, node_map)


def snntorch_factory():
    module = snntorch_module()
    state = [None]

    def step(x):
        out, state[0] = module(x, state[0]) if state[0] is not None else module(x)
        return out
    return step


# ---- Norse ---------------------------------------------------------------------------------
import norse.torch.module.leaky_integrator_box as li_box
from norse.torch.utils import import_nir as norse_import

NORSE_DT = 1e-3


class NorseLI(torch.nn.Module):
    def __init__(self, node):
        super().__init__()
        self.r = torch.tensor(node.r, dtype=torch.float32)
        self.cell = li_box.LIBoxCell(li_box.LIBoxParameters(tau_mem_inv=torch.tensor(1 / node.tau, dtype=torch.float32),
                                                           v_leak=torch.tensor(node.v_leak, dtype=torch.float32)), dt=NORSE_DT)

    def forward(self, x, state=None):
        return self.cell(self.r * x, state)


def norse_node(node):
    if isinstance(node, nir.LI):
        return NorseLI(node)
    return norse_import._import_norse_module(node, dt=NORSE_DT)


def norse_factory():
    module = nirtorch.load(nir.read(norse_file), norse_node)
    state = [None]

    def step(x):
        out, state[0] = module(x, state[0])
        return out
    return step


print(f"{'model':>9} | {'simulator':<8} | agreement with spikeloc | accuracy | agreement, all {steps} steps summed | time")
print(f"{name:>9} | {'spikeloc':<8} | {'':>8}   {'':>11} | {(spikeloc == labels).mean() * 100:6.2f} % |")
for label, factory in (("snnTorch", snntorch_factory), ("Norse", norse_factory)):
    start = time.time()
    outputs = run(factory)
    report(label, outputs, time.time() - start)
