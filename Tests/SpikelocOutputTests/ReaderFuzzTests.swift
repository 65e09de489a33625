import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest

/// Seeded random mutations and truncations of valid files: every reader either accepts the
/// input or throws an error; none may crash or read out of bounds.
final class ReaderFuzzTests: XCTestCase {
    func validCheckpoint() throws -> Data {
        var config = ExperimentConfig()
        config.hidden = 3
        config.anfPerEar = 4
        config.classes = 3
        config.trainBatches = 2
        config.batchSize = 4
        config.validationBatches = 1
        config.epochs = 2
        let trainer = Trainer(experiment: Experiment(config), engine: NetworkEngine(threads: 1))
        var state = trainer.initialState()
        try trainer.runEpoch(&state)
        return Checkpoint(config: config, state: state).safetensors.serialized()
    }

    /// One random mutation: flip bits, overwrite bytes with interesting values, cut, insert or duplicate.
    func mutate(_ data: Data, _ rng: inout Xoshiro256StarStar) -> Data {
        var bytes = [UInt8](data)
        let interesting: [UInt8] = [0, 0xFF, 0x7F, 0x80, UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "]"),
                                    UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: ",")]
        for _ in 0 ... Int(rng.next() % 4) {
            guard !bytes.isEmpty else { break }
            let i = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 6 {
            case 0: bytes[i] ^= UInt8(1) << UInt8(rng.next() % 8)
            case 1: bytes[i] = interesting[Int(rng.next() % UInt64(interesting.count))]
            case 2: bytes.removeSubrange(i...)
            case 3: bytes.insert(interesting[Int(rng.next() % UInt64(interesting.count))], at: i)
            case 4: bytes.removeSubrange(i ..< min(bytes.count, i + Int(rng.next() % 16)))
            default: // mutate the header length field
                if bytes.count >= 8 { bytes[Int(rng.next() % 8)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        return Data(bytes)
    }

    func testMutatedSafetensorsNeverCrash() throws {
        let model = Safetensors(tensors: [
            "w1": .init(shape: [8, 3], values: (0 ..< 24).map { Float($0) }),
            "w2": .init(shape: [3, 3], values: (0 ..< 9).map { Float($0) }),
        ], metadata: ["format": "spikeloc-model"]).serialized()
        let checkpoint = try validCheckpoint()
        XCTAssertNoThrow(try Checkpoint(Safetensors(data: checkpoint)))
        var rng = Xoshiro256StarStar(seed: 2024)
        var accepted = 0, rejected = 0
        for round in 0 ..< 3000 {
            let input = mutate(round % 2 == 0 ? model : checkpoint, &rng)
            do {
                let file = try Safetensors(data: input)
                accepted += 1
                for (_, t) in file.tensors { XCTAssertEqual(t.shape.reduce(1, *), t.values.count) }
                _ = try? SavedModel(file)
                _ = try? Checkpoint(file)
            } catch is SafetensorsError {
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 1000)
        XCTAssertGreaterThan(accepted, 10, "some mutations (inside float data) keep the file valid")
    }

    func testMutatedJSONNeverCrashes() throws {
        let config = JSONFiles.encode(ExperimentConfig())
        var rng = Xoshiro256StarStar(seed: 7)
        var rejected = 0
        for _ in 0 ..< 3000 {
            let input = mutate(config, &rng)
            do {
                let c = try JSONFiles.decode(ExperimentConfig.self, from: input)
                try? c.validate()
            } catch let e as JSONFileError {
                rejected += 1
                XCTAssertFalse(e.reason.contains("\n"), "one-line reasons")
            }
        }
        XCTAssertGreaterThan(rejected, 1000)
    }

    func testSpecificMalformedHeaders() {
        func reason(_ bytes: [UInt8]) -> String {
            do { _ = try Safetensors(data: Data(bytes)); return "accepted" } catch { return "\(error)" }
        }
        func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
            let h = Array(header.utf8)
            return withUnsafeBytes(of: UInt64(h.count).littleEndian, Array.init) + h + data
        }
        XCTAssertTrue(reason([1, 2]).contains("shorter than the 8-byte"))
        XCTAssertTrue(reason(withUnsafeBytes(of: UInt64(1 << 40).littleEndian, Array.init)).contains("runs past the end"))
        XCTAssertTrue(reason(file("{nope")).contains("not valid JSON"))
        XCTAssertTrue(reason(file("[1,2]")).contains("not a JSON object"))
        XCTAssertTrue(reason(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, data: .init(repeating: 0, count: 8)))
            .contains("outside"))
        XCTAssertTrue(reason(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                                  data: .init(repeating: 0, count: 12))).contains("overlap"))
        XCTAssertTrue(reason(file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: .init(repeating: 0, count: 8)))
            .contains("span 8 bytes"))
        XCTAssertTrue(reason(file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#)).contains("valid shape"))
        XCTAssertTrue(reason(file(#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#)).contains("shape"))
        XCTAssertTrue(reason(file(#"{"__metadata__":{"k":1}}"#)).contains("not a string"))
        XCTAssertEqual(reason(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 128, 63, 0, 0, 0, 64])), "accepted")
    }
}
