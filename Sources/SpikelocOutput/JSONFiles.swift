import Foundation
import SoundLocalization

/// Reading and writing spikeloc's JSON files: snake_case keys, sorted and pretty-printed, and
/// one-line errors for malformed input.
public enum JSONFiles {
    /// The JSON of a value.
    public static func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try! encoder.encode(value)
    }

    /// Decodes a value; throws a ``JSONFileError`` with a one-line reason.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw JSONFileError(reason: "missing key '\(snake(key.stringValue))'\(where_(context))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw JSONFileError(reason: "wrong type\(where_(context))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw JSONFileError(reason: "missing value\(where_(context))")
        } catch let DecodingError.dataCorrupted(context) {
            throw JSONFileError(reason: context.codingPath.isEmpty ? "not valid JSON" : "invalid value\(where_(context))")
        } catch let e as FormatVersionError {
            throw JSONFileError(reason: e.description)
        } catch {
            throw JSONFileError(reason: "not valid JSON")
        }
    }

    /// Reads and decodes a file; errors name the file.
    public static func read<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw JSONFileError(reason: "\(url.path): cannot be read (\(FileProblem.describe(error)))")
        }
        do { return try decode(type, from: data) } catch let e as JSONFileError {
            throw JSONFileError(reason: "\(url.path): \(e.reason)")
        }
    }

    /// Writes a value as JSON, atomically.
    public static func write<T: Encodable>(_ value: T, to url: URL) throws {
        try FileProblem.writeAtomically(encode(value), to: url)
    }

    private static func where_(_ context: DecodingError.Context) -> String {
        context.codingPath.isEmpty ? "" : " at '\(context.codingPath.map { snake($0.stringValue) }.joined(separator: "."))'"
    }

    private static func snake(_ key: String) -> String {
        var out = ""
        for ch in key {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }
}

/// A JSON file that cannot be used.
public struct JSONFileError: Error, CustomStringConvertible {
    /// What is wrong (with the file's path when it came from a file).
    public var reason: String
    public var description: String { reason }
}
