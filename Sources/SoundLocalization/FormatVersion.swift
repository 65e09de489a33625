/// The version of the layout of every file spikeloc writes (`config.json`, `metrics.json`, and the
/// metadata of `model.safetensors` and `checkpoint.safetensors`), stored in each as
/// `format_version`. Files from before versioning (spikeloc 0.1.0) have none and count as 0.
///
/// Readers take a missing key as its default, so adding an option or a metric needs no new
/// version; bump it only when a key changes meaning or a reader of this version could not read
/// the file correctly. A file of a newer version is refused with a message, not misread.
public enum SpikelocFormat {
    /// The version this build writes and the newest it reads.
    public static let version = 1

    /// Checks the version found in a file (`nil` when it has none: a file from before versioning).
    public static func check(_ found: Int?, what: String) throws {
        guard let found else { return }
        guard (0 ... version).contains(found) else { throw FormatVersionError(what: what, found: found) }
    }

    /// Checks a `format_version` string from safetensors metadata (absent for old files).
    public static func check(metadata value: String?, what: String) throws {
        guard let value else { return }
        guard let found = Int(value) else { throw FormatVersionError(what: what, found: nil, text: value) }
        try check(found, what: what)
    }
}

/// A file written in a format this build cannot read.
public struct FormatVersionError: Error, CustomStringConvertible, Equatable {
    /// What the file holds ("configuration", "metrics", "checkpoint").
    public var what: String
    /// The version found, if it is a number.
    public var found: Int?
    /// The text found when it is not.
    public var text: String?

    /// An error about `what` of version `found` (or unreadable `text`).
    public init(what: String, found: Int?, text: String? = nil) {
        self.what = what
        self.found = found
        self.text = text
    }

    public var description: String {
        if let found {
            return "\(what) has format_version \(found); this spikeloc reads versions up to \(SpikelocFormat.version) (a newer spikeloc wrote it)"
        }
        return "\(what) has format_version '\(text ?? "")', which is not a whole number"
    }
}
