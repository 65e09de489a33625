#if NIR
import Foundation
import SoundLocalization
import SpikelocNIR
import SpikelocNIRHDF5
import SpikelocOutput
import SpikingCore
import XCTest

/// NIR files through libhdf5 (package trait NIR): the layout, the round trip, the fixture written
/// by the Python `nir` package, and damaged or unsupported files.
final class NIRFileTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("spikeloc-nir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func network(timing: SpikeTiming = .current) -> SpikingNetwork {
        var g = Xoshiro256StarStar(seed: 5)
        let w1 = Matrix.uniform(rows: 12, columns: 6, bound: 0.7, using: &g)
        let w2 = Matrix.uniform(rows: 6, columns: 3, bound: 0.7, using: &g)
        return SpikingNetwork(
            inputs: 12,
            layers: [SpikingLayer(neuron: LIFNeuron(threshold: 0.9, timing: timing), weights: w1, tauMs: [3, 4, 5, 6, 7, 8], learnTau: true)],
            readout: Readout(weights: w2, tauMs: [5, 9, 11], learnTau: true), steps: 40, dtMs: 1)
    }

    func testGraphRoundTripsThroughAFile() throws {
        let graph = try NIRExport.graph(Self.network()).graph
        try NIRFile.write(graph, to: path("g.nir"))
        XCTAssertEqual(try NIRFile.read(path: path("g.nir")), graph)
    }

    func testExportThenImportGivesBackWeightsAndTimeConstants() throws {
        for dt in [1.0, 0.1] {
            let net = Self.network()
            try NIRFile.write(try NIRExport.graph(net, readerDtMs: dt).graph, to: path("m.nir"))
            let back = try NIRImport.network(try NIRFile.read(path: path("m.nir")), readerDtMs: dt).network
            XCTAssertEqual(back.layers[0].weights.values, net.layers[0].weights.values)
            XCTAssertEqual(back.readout.weights.values, net.readout.weights.values)
            XCTAssertEqual(back.layers[0].tau.values, net.layers[0].tau.values)
            XCTAssertEqual(back.readout.tau.values, net.readout.tau.values)
            XCTAssertEqual(back.layers[0].neuron as? LIFNeuron, LIFNeuron(threshold: 0.9, timing: .current))
            XCTAssertEqual(back.steps, 40)
        }
    }

    /// Written by `nir.write` (reference/nir_fixture.py): Affine with a zero bias, float64
    /// weights, per-neuron taus, variable-length strings, gzip.
    func testFileWrittenByThePythonPackageImports() throws {
        let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
        let graph = try NIRFile.read(path: fixtures.appendingPathComponent("python-nir.nir").path)
        XCTAssertEqual(graph.version, "1.0.8")
        XCTAssertEqual(graph.metadata["note"], .string("spikeloc import fixture"))
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("python-nir.json"))) as! [String: Any]
        let net = try NIRImport.network(graph).network
        let w1 = (expected["w1"] as! [[Double]]).flatMap { $0.map { Float($0) } }
        let w2 = (expected["w2"] as! [[Double]]).flatMap { $0.map { Float($0) } }
        XCTAssertEqual(net.layers[0].weights.values, w1)
        XCTAssertEqual(net.readout.weights.values, w2)
        XCTAssertEqual(net.layers[0].weights.shape, [8, 5])
        for (a, b) in zip(net.layers[0].tau.values, expected["tau1_ms"] as! [Double]) { XCTAssertEqual(Double(a), b, accuracy: b * 1e-6) }
        for (a, b) in zip(net.readout.tau.values, expected["tau2_ms"] as! [Double]) { XCTAssertEqual(Double(a), b, accuracy: b * 1e-6) }
        XCTAssertEqual((net.layers[0].neuron as! LIFNeuron).threshold, Float(expected["threshold"] as! Double))
        XCTAssertEqual((net.layers[0].neuron as! LIFNeuron).timing, .current)
        XCTAssertEqual(net.readout.kind, .sum)
        let (model, _) = try NIRImport.savedModel(net)
        XCTAssertEqual(model.config.anfPerEar, 4)
    }

    func testFixedLengthStringsAndUncompressedData() throws {
        var tree = try NIRFile.tree(of: try NIRExport.graph(Self.network()).graph)
        guard case var .group(node) = tree["node"]!, case var .group(nodes) = node["nodes"]!, case var .group(lif) = nodes["lif1"]! else { return XCTFail() }
        lif["type"] = .fixedStrings(["LIF"], length: 3, shape: nil)
        nodes["lif1"] = .group(lif)
        node["nodes"] = .group(nodes)
        node["type"] = .fixedStrings(["NIRGraph"], length: 12, shape: nil)
        tree["node"] = .group(node)
        tree["version"] = .fixedStrings(["1.0.8"], length: 5, shape: nil)
        try HDF5Tree.write(tree, to: path("f.nir"))
        XCTAssertEqual(try NIRFile.read(path: path("f.nir")), try NIRExport.graph(Self.network()).graph)
    }

    /// Edits the exported tree and returns the import error (or "imported").
    func refusal(_ edit: (inout [String: HDF5Tree]) -> Void) throws -> String {
        var tree = try NIRFile.tree(of: try NIRExport.graph(Self.network()).graph)
        edit(&tree)
        try HDF5Tree.write(tree, to: path("x.nir"))
        do { _ = try NIRImport.network(try NIRFile.read(path: path("x.nir"))); return "imported" } catch { return "\(error)" }
    }

    /// Edits the members of node `name`.
    func editNode(_ tree: inout [String: HDF5Tree], _ name: String, _ edit: (inout [String: HDF5Tree]?) -> Void) {
        guard case var .group(node) = tree["node"]!, case var .group(nodes) = node["nodes"]! else { return }
        var members: [String: HDF5Tree]?
        if case let .group(m)? = nodes[name] { members = m }
        edit(&members)
        nodes[name] = members.map { .group($0) }
        node["nodes"] = .group(nodes)
        tree["node"] = .group(node)
    }

    func testUnsupportedOrMalformedFilesAreRefusedInOneLine() throws {
        let cases: [(String, (inout [String: HDF5Tree]) -> Void)] = [
            ("imported", { _ in }),
            ("names node 'w2', which the graph does not have", { self.editNode(&$0, "w2") { $0 = nil } }),
            ("node 'lif1' (LIF): unexpected dataset 'bias'", { self.editNode(&$0, "lif1") { $0?["bias"] = .float64([1], shape: [1]) } }),
            ("node 'lif1' (LIF): missing dataset 'tau'", { self.editNode(&$0, "lif1") { $0?["tau"] = nil } }),
            ("node 'w1' (Linear): 'weight' is float32 [72]; expected a float matrix", { self.editNode(&$0, "w1") { $0?["weight"] = .float32([Float](repeating: 0, count: 72), shape: [72]) } }),
            ("node 'w1' (Linear): weight has shape [12, 6]; expected 12 columns", { self.editNode(&$0, "w1") { $0?["weight"] = .float32([Float](repeating: 0, count: 72), shape: [12, 6]) } }),
            ("node 'lif1' (LIF): 'tau' is string []", { self.editNode(&$0, "lif1") { $0?["tau"] = .strings(["5"], shape: nil) } }),
            ("node 'delay' (Delay): unsupported node type", { self.editNode(&$0, "delay") { $0 = ["type": .strings(["Delay"], shape: nil), "delay": .float64([1], shape: [1])] } }),
            ("node 'input' (Input): 'shape' is float64 [1]", { self.editNode(&$0, "input") { $0?["shape"] = .float64([12], shape: [1]) } }),
            ("node 'li' has no 'type'", { self.editNode(&$0, "li") { $0?["type"] = nil } }),
            ("the file's top level: unexpected dataset 'extra'", { $0["extra"] = .float64([1], shape: nil) }),
            ("the file's top level: missing 'node'", { $0["node"] = nil }),
            ("node/type is 'Other'", { tree in
                if case var .group(node) = tree["node"]! { node["type"] = .strings(["Other"], shape: nil); tree["node"] = .group(node) }
            }),
            ("node/edges is float64 [2]", { tree in
                if case var .group(node) = tree["node"]! { node["edges"] = .float64([1, 2], shape: [2]); tree["node"] = .group(node) }
            }),
        ]
        for (expected, edit) in cases {
            let message = try refusal(edit)
            XCTAssertTrue(message.contains(expected), "expected '\(expected)', got '\(message)'")
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testTruncatedDamagedAndForeignFilesAreRefusedNeverACrash() throws {
        try NIRFile.write(try NIRExport.graph(Self.network()).graph, to: path("good.nir"))
        let good = try Data(contentsOf: URL(fileURLWithPath: path("good.nir")))
        func read(_ data: Data) -> String {
            try? data.write(to: URL(fileURLWithPath: path("bad.nir")))
            do { _ = try NIRImport.network(try NIRFile.read(path: path("bad.nir"))); return "imported" } catch { return "\(error)" }
        }
        XCTAssertEqual(read(Data()), "not an HDF5 file (a NIR file is HDF5)")
        XCTAssertEqual(read(Data("{\"not\": \"hdf5\"}".utf8)), "not an HDF5 file (a NIR file is HDF5)")
        for fraction in [0.1, 0.3, 0.5, 0.7, 0.9, 0.99] {
            let message = read(good.prefix(Int(Double(good.count) * fraction)))
            XCTAssertNotEqual(message, "imported", "truncated to \(fraction)")
            XCTAssertFalse(message.contains("\n"))
        }
        XCTAssertTrue(try readMissing().contains("no such file"))
        // Seeded byte mutations: each is refused in one line or (a harmless byte) imported.
        var g = Xoshiro256StarStar(seed: 2024)
        var refused = 0
        for _ in 0 ..< 300 {
            var bytes = [UInt8](good)
            for _ in 0 ..< 1 + Int(g.next() % 4) {
                bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next())
            }
            let message = read(Data(bytes))
            XCTAssertFalse(message.contains("\n"), message)
            if message != "imported" { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 0)
    }

    func readMissing() throws -> String {
        do { _ = try NIRFile.read(path: path("missing.nir")); return "read" } catch { return "\(error)" }
    }
}
#endif
