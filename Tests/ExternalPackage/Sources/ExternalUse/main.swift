// Uses spikeloc's products from outside the package: a tiny network on hand-made spikes, and a
// safetensors round trip. Exits non-zero on any mismatch. Kept minimal and in one file on
// purpose: scripts/external-package-test.sh only checks that a dependent builds and runs.
import Foundation
import Safetensors
import SpikingCore

func check(_ ok: Bool, _ what: String) {
    if !ok { FileHandle.standardError.write(Data("external package: FAILED: \(what)\n".utf8)); exit(1) }
}

// 8 inputs -> 4 LIF neurons -> 2 classes, 10 steps; sample 0 drives inputs 0-3, sample 1 inputs 4-7.
var rng = Xoshiro256StarStar(seed: 1)
var raster = SpikeRaster(samples: 2, steps: 10, channels: 8)
for step in 0 ..< 10 {
    raster[0, step, step % 4] = true
    raster[1, step, 4 + step % 4] = true
}
let network = SpikingNetwork(
    w1: .uniform(rows: 8, columns: 4, bound: 1, using: &rng),
    w2: .uniform(rows: 4, columns: 2, bound: 1, using: &rng),
    hidden: LIFLayer(tau: 0.005, dt: 0.001),
    readout: LeakyIntegratorReadout(alpha: 0.8, steps: 10))
let (loss, gradW1, gradW2) = NetworkEngine(threads: 1).lossAndGradients(
    network, raster: raster, samples: [0, 1], labels: [0, 1], outputScale: 0.01)
check(loss.isFinite && loss > 0, "loss \(loss)")
check(gradW1.rows == 8 && gradW1.columns == 4 && gradW2.rows == 4 && gradW2.columns == 2, "gradient shapes")

// The weights through a safetensors file and back.
let file = Safetensors(
    tensors: ["w1": Safetensors.Tensor(shape: [8, 4], values: network.w1.values)],
    metadata: ["written_by": "spikeloc-external-test"])
let url = FileManager.default.temporaryDirectory.appendingPathComponent("spikeloc-external-\(getpid()).safetensors")
defer { try? FileManager.default.removeItem(at: url) }
try file.serialized().write(to: url)
let reread = try Safetensors(contentsOf: url)
check(reread == file, "safetensors round trip")
do {
    _ = try Safetensors(data: Data([1, 2, 3]))
    check(false, "a 3-byte file was accepted")
} catch let error as SafetensorsError {
    check(!error.reason.isEmpty, "empty error reason")
}
print("external package: loss \(loss), safetensors round trip of \(file.serialized().count) bytes: OK")
