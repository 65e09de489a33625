import Foundation

/// A value stored as one safetensors file (a model, a checkpoint): saved atomically, and read
/// with errors that name the file.
public protocol SafetensorsDocument {
    /// The value held by a parsed file; throws ``SafetensorsError`` when the file does not hold one.
    init(_ file: Safetensors) throws
    /// The file form of the value.
    var safetensors: Safetensors { get }
}

extension SafetensorsDocument {
    /// Writes the file atomically (a crash leaves the previous file intact).
    public func save(to url: URL) throws {
        try FileProblem.writeAtomically(safetensors.serialized(), to: url)
    }

    /// Reads a file; throws a ``ModelFileError`` naming the file and the problem.
    public static func load(from url: URL) throws -> Self {
        do {
            return try Self(Safetensors(contentsOf: url))
        } catch let e as SafetensorsError {
            throw ModelFileError(path: url.path, reason: e.reason)
        }
    }
}
