"""Writes the NIR fixture of spikeloc's import test with the `nir` Python package itself.

    pip install nir==1.0.8
    python3 reference/nir_fixture.py Tests/SpikelocNIRHDF5Tests/Fixtures

Files: python-nir.nir (written by nir.write, gzip-compressed as it does by default) and
python-nir.json (what spikeloc should import: weights [in, out], time constants in ms for a
reader step of 1 ms, thresholds). The graph is small and exercises an Affine with a zero bias,
float64 weights, per-neuron time constants and graph metadata.
"""
import json
import pathlib
import sys

import nir
import numpy as np

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(12)
inputs, hidden, classes = 8, 5, 3
dt = 1e-3  # the reader's step the parameters are written for (seconds)
w1 = rng.uniform(-1, 1, (hidden, inputs)).astype(np.float32)        # [out, in], float32
w2 = rng.uniform(-1, 1, (classes, hidden)).astype(np.float64)       # [out, in], float64
tau1 = np.array([0.005, 0.01, 0.02, 0.005, 0.0075])                 # seconds
tau2 = np.array([0.005, 0.005, 0.005])
threshold = 0.8
alpha1 = 1 - dt / tau1
graph = nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([inputs])),
        "fc1": nir.Affine(weight=w1, bias=np.zeros(hidden, dtype=np.float32)),
        "lif": nir.LIF(tau=tau1, r=np.ones(hidden), v_leak=np.zeros(hidden),
                       v_threshold=(1 - alpha1) * threshold, v_reset=np.zeros(hidden)),
        "fc2": nir.Linear(weight=w2),
        "li": nir.LI(tau=tau2, r=np.ones(classes), v_leak=np.zeros(classes)),
        "output": nir.Output(output_type=np.array([classes])),
    },
    edges=[("input", "fc1"), ("fc1", "lif"), ("lif", "fc2"), ("fc2", "li"), ("li", "output")],
    metadata={"dt": dt, "note": "spikeloc import fixture"},
)
nir.write(out / "python-nir.nir", graph)

def tau_ms(tau):  # spikeloc's time constant (ms, step 1 ms) of a NIR tau read with step dt
    return (-1.0 / np.log(1 - dt / tau)).tolist()

expected = {
    "nir_version": nir.version,
    "w1": w1.T.astype(np.float64).tolist(),                     # [in, out]
    "w2": w2.T.astype(np.float32).astype(np.float64).tolist(),  # float64 in the file, float32 in spikeloc
    "tau1_ms": tau_ms(tau1),
    "tau2_ms": tau_ms(tau2),
    "threshold": threshold,
}
(out / "python-nir.json").write_text(json.dumps(expected, indent=1) + "\n")
print(f"wrote {out / 'python-nir.nir'} and {out / 'python-nir.json'} (nir {nir.version})")
