import Foundation
import SoundLocalization
import SpikelocNIR
import SpikelocOutput
import SpikingCore
import XCTest

/// The conversion between networks and NIR graphs (no HDF5: always built and run).
final class NIRConversionTests: XCTestCase {
    /// A network of the given timing with random weights and per-neuron time constants.
    static func network(timing: SpikeTiming = .current, inputs: Int = 20, hidden: Int = 7, classes: Int = 4, steps: Int = 50,
                        perNeuronTaus: Bool = true, threshold: Float = 1, readout: Readout.Kind = .sum, seed: UInt64 = 3) -> SpikingNetwork {
        var g = Xoshiro256StarStar(seed: seed)
        let w1 = Matrix.uniform(rows: inputs, columns: hidden, bound: 0.6, using: &g)
        let w2 = Matrix.uniform(rows: hidden, columns: classes, bound: 0.5, using: &g)
        let tau1: [Float] = perNeuronTaus ? (0 ..< hidden).map { 3 + Float($0) * 1.7 } : [5]
        let tau2: [Float] = perNeuronTaus ? (0 ..< classes).map { 4 + Float($0) * 2.3 } : [5]
        let neuron = LIFNeuron(threshold: threshold, timing: timing)
        let layer = SpikingLayer(neuron: neuron, weights: w1, tauMs: tau1, learnTau: perNeuronTaus)
        let out = Readout(kind: readout, weights: w2, tauMs: tau2, learnTau: perNeuronTaus,
                          neuron: readout == .spikeCount ? LIFNeuron(threshold: 0.5, timing: timing) : nil)
        return SpikingNetwork(inputs: inputs, layers: [layer], readout: out, steps: steps, dtMs: 1)
    }

    func testRoundTripGivesBackWeightsTimeConstantsAndThreshold() throws {
        for readerDt in [1.0, 0.1] {
            for threshold: Float in [1, 0.7] {
                let net = Self.network(threshold: threshold)
                let exported = try NIRExport.graph(net, readerDtMs: readerDt)
                XCTAssertEqual(exported.warnings, [])
                let back = try NIRImport.network(exported.graph, readerDtMs: readerDt)
                XCTAssertEqual(back.notes, [])
                let b = back.network
                XCTAssertEqual(b.layers[0].weights.values, net.layers[0].weights.values)
                XCTAssertEqual(b.readout.weights.values, net.readout.weights.values)
                XCTAssertEqual(b.layers[0].tau.values, net.layers[0].tau.values, "reader dt \(readerDt)")
                XCTAssertEqual(b.readout.tau.values, net.readout.tau.values, "reader dt \(readerDt)")
                XCTAssertEqual(b.layers[0].neuron as? LIFNeuron, LIFNeuron(threshold: threshold, timing: .current))
                XCTAssertEqual(b.readout.kind, .sum)
                XCTAssertEqual(b.steps, net.steps)
                XCTAssertEqual(b.dtMs, net.dtMs)
            }
        }
    }

    func testExportWritesTheIssuesParameterForm() throws {
        let net = Self.network(threshold: 0.9)
        let g = try NIRExport.graph(net, readerDtMs: 0.1).graph
        XCTAssertEqual(g.edges.map { "\($0.source)>\($0.target)" }, ["input>w1", "w1>lif1", "lif1>w2", "w2>li", "li>output"])
        guard case let .lif(p)? = g.nodes["lif1"], case let .linear(w)? = g.nodes["w1"], case let .li(li)? = g.nodes["li"] else {
            return XCTFail("node kinds")
        }
        for j in 0 ..< 7 {
            let alpha = exp(-1 / Double(net.layers[0].tau.values[j]))
            XCTAssertEqual(p.tau[j], 1e-4 / (1 - alpha), accuracy: 1e-15)
            XCTAssertEqual(p.vThreshold[j], (1 - alpha) * 0.9, accuracy: 1e-7)
        }
        XCTAssertEqual(p.r, [Double](repeating: 1, count: 7))
        XCTAssertEqual(p.vLeak, [Double](repeating: 0, count: 7))
        XCTAssertEqual(p.vReset, [Double](repeating: 0, count: 7))
        XCTAssertEqual(li.r.count, 4)
        // [out, in]: element (j, i) is spikeloc's w1[i, j].
        XCTAssertEqual(w.rows, 7)
        XCTAssertEqual(w.columns, 20)
        XCTAssertEqual(w.values[3 * 20 + 11], net.layers[0].weights.matrix[11, 3])
        XCTAssertEqual(g.metadata["spike_timing"], .string("current"))
        XCTAssertEqual(g.metadata["dt"], .number(1e-4))
        XCTAssertEqual(g.metadata["spikeloc_dt"], .number(1e-3))
        XCTAssertEqual(g.metadata["steps"], .integer(50))
        XCTAssertNil(g.metadata["approximation"])
        guard case let .string(rule)? = g.metadata["readout_rule"] else { return XCTFail("readout_rule") }
        XCTAssertTrue(rule.contains("first 49 of the 50 steps"), rule)
    }

    func testNotebookModelExportsWithWarningAndComesBackAsItWas() throws {
        let net = Self.network(timing: .previous, perNeuronTaus: false)
        let exported = try NIRExport.graph(net)
        XCTAssertEqual(exported.warnings.count, 1)
        XCTAssertTrue(exported.warnings[0].hasPrefix("warning: "), exported.warnings[0])
        XCTAssertEqual(exported.graph.metadata["spike_timing"], .string("previous"))
        guard case let .string(text)? = exported.graph.metadata["approximation"] else { return XCTFail("no approximation note") }
        XCTAssertTrue(text.contains("approximation"))
        let back = try NIRImport.network(exported.graph)
        XCTAssertEqual(back.network.layers[0].neuron as? LIFNeuron, LIFNeuron(timing: .previous))
        XCTAssertEqual(back.network.layers[0].weights.values, net.layers[0].weights.values)
        XCTAssertEqual(back.network.layers[0].tau.values, net.layers[0].tau.values)
        // A graph that does not say spikeloc wrote it is the standard LIF, whatever its metadata.
        var foreign = exported.graph
        foreign.metadata["generator"] = .string("someone else")
        XCTAssertEqual(try NIRImport.network(foreign).network.layers[0].neuron as? LIFNeuron, LIFNeuron(timing: .current))
    }

    func testSpikeCountReadoutExportsAsLIF() throws {
        let net = Self.network(readout: .spikeCount)
        let g = try NIRExport.graph(net).graph
        guard case .lif? = g.nodes["lif_out"] else { return XCTFail("no output LIF") }
        let back = try NIRImport.network(g).network
        XCTAssertEqual(back.readout.kind, .spikeCount)
        XCTAssertEqual(back.readout.neuron as? LIFNeuron, LIFNeuron(threshold: 0.5, timing: .current))
        XCTAssertEqual(back.readout.tau.values, net.readout.tau.values)
    }

    func testFeaturesNIRCannotExpressAreRefusedByName() {
        func refusal(_ net: SpikingNetwork) -> String {
            do { _ = try NIRExport.graph(net); return "exported" } catch { return "\(error)" }
        }
        var g = Xoshiro256StarStar(seed: 1)
        let w1 = Matrix.uniform(rows: 6, columns: 3, bound: 1, using: &g), w2 = Matrix.uniform(rows: 3, columns: 2, bound: 1, using: &g)
        func net(_ neuron: any NeuronModel, recurrent: Matrix? = nil, readout: Readout.Kind = .sum) -> SpikingNetwork {
            SpikingNetwork(inputs: 6, layers: [SpikingLayer(neuron: neuron, weights: w1, recurrent: recurrent, tauMs: [5])],
                           readout: Readout(kind: readout, weights: w2, tauMs: [5]), steps: 10, dtMs: 1)
        }
        XCTAssertTrue(refusal(net(AdaptiveLIFNeuron(beta: 1, rho: 0.9, timing: .current))).contains("adaptive threshold"))
        XCTAssertTrue(refusal(net(LIFNeuron(timing: .current, reset: .subtract))).contains("subtractive reset"))
        XCTAssertTrue(refusal(net(LIFNeuron(timing: .current), recurrent: Matrix(rows: 3, columns: 3))).contains("recurrent weights"))
        XCTAssertTrue(refusal(net(LIFNeuron(timing: .current), readout: .max)).contains("read-out 'max'"))
        XCTAssertTrue(refusal(net(LIFNeuron(timing: .current), readout: .last)).contains("read-out 'last'"))
        XCTAssertEqual(refusal(net(LIFNeuron(timing: .current), readout: .mean)), "exported")
        let delayed = SpikingNetwork(
            inputs: 6, layers: [SpikingLayer(neuron: LIFNeuron(timing: .current), weights: w1, tauMs: [5],
                                             delays: DelaySynapse(positions: Matrix(rows: 6, columns: 3), taps: 5, sigma: 1))],
            readout: Readout(kind: .sum, weights: w2, tauMs: [5]), steps: 10, dtMs: 1)
        XCTAssertTrue(refusal(delayed).contains("learned synaptic delays"))
    }

    /// The exported graph simulated as the importers do (forward Euler with the reader's step,
    /// spike when v > v_threshold, reset to v_reset at once; LI summed over the first T-1 steps),
    /// in double precision, decides like spikeloc's current-timing network.
    func testExportedGraphSimulatedLikeTheImportersAgreesWithSpikeloc() throws {
        let net = Self.network(inputs: 30, hidden: 12, classes: 5, steps: 60, threshold: 0.6)
        let g = try NIRExport.graph(net, readerDtMs: 1).graph
        guard case let .linear(w1)? = g.nodes["w1"], case let .lif(lif)? = g.nodes["lif1"], case let .linear(w2)? = g.nodes["w2"],
              case let .li(li)? = g.nodes["li"] else { return XCTFail("node kinds") }
        var rng = Xoshiro256StarStar(seed: 9)
        let samples = 200
        var raster = SpikeRaster(samples: samples, steps: 60, channels: 30)
        for n in 0 ..< samples { for t in 0 ..< 60 { for c in 0 ..< 30 where rng.nextUnitDouble() < 0.15 { raster[n, t, c] = true } } }
        let scores = NetworkEngine(threads: 1).scores(net, raster: raster, samples: Array(0 ..< samples))
        let d = 1e-3
        var agree = 0
        for n in 0 ..< samples {
            var v = [Double](repeating: 0, count: 12), u = [Double](repeating: 0, count: 5), sum = [Double](repeating: 0, count: 5)
            for t in 0 ..< 59 {
                var spikes = [Double](repeating: 0, count: 12)
                for j in 0 ..< 12 {
                    var i = 0.0
                    for c in 0 ..< 30 where raster[n, t, c] { i += Double(w1.values[j * 30 + c]) }
                    v[j] += d / lif.tau[j] * (lif.vLeak[j] - v[j] + lif.r[j] * i)
                    if v[j] > lif.vThreshold[j] { spikes[j] = 1; v[j] = lif.vReset[j] }
                }
                for k in 0 ..< 5 {
                    var i = 0.0
                    for j in 0 ..< 12 { i += spikes[j] * Double(w2.values[k * 12 + j]) }
                    u[k] += d / li.tau[k] * (li.vLeak[k] - u[k] + li.r[k] * i)
                    sum[k] += u[k]
                }
            }
            let decided = sum.indices.max { sum[$0] < sum[$1] || (sum[$0] == sum[$1] && $0 > $1) }!
            if decided == scores.prediction(n) { agree += 1 }
        }
        XCTAssertGreaterThanOrEqual(agree, samples - 2, "\(agree) of \(samples) decisions agree")
    }

    func testImportRefusesGraphsItCannotRunNamingTheNode() throws {
        let good = try NIRExport.graph(Self.network()).graph
        func refusal(_ edit: (inout NIRGraph) -> Void) -> String {
            var g = good
            edit(&g)
            do { _ = try NIRImport.network(g); return "imported" } catch { return "\(error)" }
        }
        XCTAssertEqual(refusal { _ in }, "imported")
        XCTAssertTrue(refusal { $0.nodes["delay"] = .unsupported(type: "Delay") }.contains("node 'delay' (Delay): unsupported node type"))
        XCTAssertTrue(refusal { $0.nodes["lif1"] = .unsupported(type: "CubaLIF") }.contains("node 'lif1' (CubaLIF)"))
        XCTAssertTrue(refusal { $0.nodes["w2"] = nil }.contains("names node 'w2'"))
        XCTAssertTrue(refusal { $0.edges.append(NIREdge("lif1", "w1")) }.contains("without recurrence or branches"))
        XCTAssertTrue(refusal { $0.edges = [NIREdge("input", "w1"), NIREdge("w1", "lif1"), NIREdge("lif1", "w1")] }.contains("2 incoming edges"))
        XCTAssertTrue(refusal { $0.edges.removeLast() }.contains("does not reach the Output"))
        XCTAssertTrue(refusal { $0.edges.append($0.edges[0]) }.contains("appears twice"))
        XCTAssertTrue(refusal { $0.nodes["input2"] = .input(shape: [3]) }.contains("2 Input nodes"))
        XCTAssertTrue(refusal { g in
            if case var .lif(p)? = g.nodes["lif1"] { p.tau.removeLast(); g.nodes["lif1"] = .lif(p) }
        }.contains("node 'lif1' (LIF): tau has 6 values; expected 7"))
        XCTAssertTrue(refusal { g in
            if case var .lif(p)? = g.nodes["lif1"] { p.vLeak[0] = 0.1; g.nodes["lif1"] = .lif(p) }
        }.contains("node 'lif1' (LIF): a non-zero v_leak"))
        XCTAssertTrue(refusal { g in
            if case var .lif(p)? = g.nodes["lif1"] { p.vReset[2] = -1; g.nodes["lif1"] = .lif(p) }
        }.contains("node 'lif1' (LIF): a non-zero v_reset"))
        XCTAssertTrue(refusal { g in
            if case var .lif(p)? = g.nodes["lif1"] { p.tau[0] = 1e-4; g.nodes["lif1"] = .lif(p) }
        }.contains("node 'lif1': tau"))
        XCTAssertTrue(refusal { $0.nodes["w1"] = .linear(weight: NIRMatrix(rows: 7, columns: 19, values: [Float](repeating: 0, count: 133))) }
            .contains("node 'w1' (Linear): weight has shape [7, 19]; expected 20 columns"))
        XCTAssertTrue(refusal { g in
            if case let .linear(w)? = g.nodes["w1"] { g.nodes["w1"] = .affine(weight: w, bias: [Double](repeating: 0.5, count: 7)) }
        }.contains("node 'w1' (Affine): a non-zero bias"))
        XCTAssertEqual(refusal { g in
            if case let .linear(w)? = g.nodes["w1"] { g.nodes["w1"] = .affine(weight: w, bias: [Double](repeating: 0, count: 7)) }
        }, "imported")
        XCTAssertTrue(refusal { $0.nodes["output"] = .output(shape: [5]) }.contains("node 'output' (Output): shape [5]; expected [4]"))
        XCTAssertTrue(refusal { g in
            if case let .li(p)? = g.nodes["li"] { g.nodes["lif1"] = .li(p) }
        }.contains("node 'lif1' (LI)"))
    }

    func testImportFoldsPerNeuronThresholdsIntoWeights() throws {
        var g = try NIRExport.graph(Self.network(perNeuronTaus: false)).graph
        guard case var .lif(p)? = g.nodes["lif1"] else { return XCTFail() }
        p.vThreshold = p.vThreshold.enumerated().map { $0.element * (1 + Double($0.offset)) }  // thresholds 1, 2, ..., 7
        g.nodes["lif1"] = .lif(p)
        let back = try NIRImport.network(g)
        XCTAssertEqual(back.notes.count, 1)
        XCTAssertEqual((back.network.layers[0].neuron as? LIFNeuron)?.threshold, 1)
        let original = Self.network(perNeuronTaus: false).layers[0].weights.matrix
        let w = back.network.layers[0].weights.matrix
        XCTAssertEqual(w[4, 3], original[4, 3] / 4, accuracy: 1e-7)
    }

    func testSavedModelOfAnImportedNetwork() throws {
        let net = Self.network(inputs: 20, hidden: 7, classes: 4, steps: 50)
        let (model, notes) = try NIRImport.savedModel(try NIRImport.network(try NIRExport.graph(net).graph).network)
        XCTAssertEqual(model.config.anfPerEar, 10)
        XCTAssertEqual(model.config.hidden, 7)
        XCTAssertEqual(model.config.classes, 4)
        XCTAssertEqual(model.config.steps, 50)
        XCTAssertEqual(model.config.spikeTiming, (net.layers[0].neuron as? LIFNeuron)?.timing, "the configuration records the timing")
        XCTAssertEqual(model.config.readout, net.readout.kind)
        XCTAssertFalse(notes.contains { $0.contains("spike timing 'current'") })
        // The per-neuron time constants, the weights and the neuron survive the model file.
        let reloaded = try SavedModel(Safetensors(data: model.safetensors.serialized()))
        XCTAssertEqual((reloaded.network.layers[0].neuron as? LIFNeuron)?.timing, (net.layers[0].neuron as? LIFNeuron)?.timing)
        XCTAssertEqual(reloaded.w1, net.inputWeights)
        XCTAssertEqual(reloaded.w2, net.readoutWeights)
        XCTAssertEqual(reloaded.network.layers[0].tau.values, net.layers[0].tau.values)
        XCTAssertEqual(reloaded.network.readout.tau.values, net.readout.tau.values)
        // An odd number of inputs is no two-eared model.
        let odd = Self.network(inputs: 7)
        XCTAssertThrowsError(try NIRImport.savedModel(odd)) { XCTAssertTrue("\($0)".contains("even number")) }
    }
}
