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
let network = SpikingNetwork.notebook(
    w1: .uniform(rows: 8, columns: 4, bound: 1, using: &rng), w2: .uniform(rows: 4, columns: 2, bound: 1, using: &rng),
    tauMs: 5, dtMs: 1, steps: 10)
let result = NetworkEngine(threads: 1).lossAndGradients(
    network, raster: raster, samples: [0, 1], labels: [0, 1], loss: ClassificationLoss(outputScale: 0.01))
let loss = result.loss
check(loss.isFinite && loss > 0, "loss \(loss)")
check(result["w1"]?.count == 32 && result["w2"]?.count == 8, "gradient shapes")

// The weights through a safetensors file and back.
let file = Safetensors(
    tensors: ["w1": Safetensors.Tensor(shape: [8, 4], values: network.inputWeights.values)],
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
