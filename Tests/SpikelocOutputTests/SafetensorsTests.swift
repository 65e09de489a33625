import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest

final class SafetensorsTests: XCTestCase {
    func fixture(_ name: String, _ ext: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"))
    }

    /// A file written by PyTorch's `safetensors.torch.save_file` loads with the same numbers.
    func testLoadsFileWrittenByPyTorch() throws {
        struct Expected: Decodable { var w1, w2: [Float] }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixture("torch_model_expected", "json")))
        let model = try SavedModel.load(from: fixture("torch_model", "safetensors"))
        XCTAssertEqual(model.w1.rows, 200); XCTAssertEqual(model.w1.columns, 30)
        XCTAssertEqual(model.w2.rows, 30); XCTAssertEqual(model.w2.columns, 12)
        XCTAssertEqual(model.w1.values, expected.w1)
        XCTAssertEqual(model.w2.values, expected.w2)
        XCTAssertEqual(model.config.anfPerEar, 100)
        let raw = try Safetensors(contentsOf: fixture("torch_model", "safetensors"))
        XCTAssertEqual(raw.metadata["written_by"], "pytorch")
    }

    func testRoundTripKeepsTensorsMetadataAndLayout() throws {
        var config = ExperimentConfig()
        config.hidden = 5
        config.seed = 42
        var g = Xoshiro256StarStar(seed: 1)
        let model = SavedModel(config: config, w1: .uniform(rows: 200, columns: 5, bound: 1, using: &g),
                               w2: .uniform(rows: 5, columns: 12, bound: 1, using: &g))
        let bytes = model.safetensors.serialized()
        // header length is little-endian and the header is padded to 8 bytes, as the Python package writes
        let headerLength = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(bytes.count, 8 + headerLength + 4 * (1000 + 60))
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes[8 ..< 8 + headerLength]) as? [String: Any])
        let w1 = try XCTUnwrap(header["w1"] as? [String: Any])
        XCTAssertEqual(w1["dtype"] as? String, "F32")
        XCTAssertEqual(w1["shape"] as? [Int], [200, 5])
        let back = try SavedModel(Safetensors(data: bytes))
        XCTAssertEqual(back, model)
        XCTAssertEqual(back.config.seed, 42)
    }

    func testRejectsWrongNamesShapesAndDtype() throws {
        func reason(_ file: Safetensors) -> String {
            do { _ = try SavedModel(file); return "accepted" } catch { return "\(error)" }
        }
        let w1 = Safetensors.Tensor(shape: [200, 30], values: [Float](repeating: 0, count: 6000))
        let w2 = Safetensors.Tensor(shape: [30, 12], values: [Float](repeating: 0, count: 360))
        XCTAssertEqual(reason(Safetensors(tensors: ["w1": w1, "w2": w2])), "accepted")
        XCTAssertTrue(reason(Safetensors(tensors: ["weights": w1, "w2": w2])).contains("no tensor 'w1'"))
        let bad = Safetensors.Tensor(shape: [31, 12], values: [Float](repeating: 0, count: 372))
        XCTAssertTrue(reason(Safetensors(tensors: ["w1": w1, "w2": bad])).contains("hidden sizes differ"))
        let flat = Safetensors.Tensor(shape: [6000], values: [Float](repeating: 0, count: 6000))
        XCTAssertTrue(reason(Safetensors(tensors: ["w1": flat, "w2": w2])).contains("two positive dimensions"))
        // an F16 tensor
        var bytes = Safetensors(tensors: ["w1": w1, "w2": w2]).serialized()
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("\"F32\""))
        if let range = bytes.range(of: Data("\"F32\"".utf8)) { bytes.replaceSubrange(range, with: Data("\"F16\"".utf8)) }
        XCTAssertThrowsError(try Safetensors(data: bytes)) { XCTAssertTrue("\($0)".contains("dtype F16")) }
    }
}
