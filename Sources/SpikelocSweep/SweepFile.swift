import Foundation
import TOMLKit

/// A sweep file (`spikeloc sweep FILE.toml`):
///
///     output = "sweeps/tau"          # optional; --output overrides it
///     seeds = "0-4"                  # or [0, 1, 2, 3, 4]; default 0
///     test-sets = 1                  # optional, train's --test-sets for every run
///
///     [options]                      # train options for every run
///     epochs = 10
///     lr = 0.01
///
///     [grid]                         # swept train options: every combination
///     tau-ms = [2, 5, 10, 20]
///
/// Keys are `train`'s long option names (`tau-ms`; `tau_ms` is read as the same); values are
/// TOML strings, numbers or booleans (flags take true or false). Swept options keep the order in
/// which the file lists them.
public struct SweepFile: Sendable {
    /// The file's path, for messages.
    public var path: String
    /// `output`, if given.
    public var output: String?
    /// `[options]`: name and value of each fixed option, in the file's order.
    public var options: [(name: String, value: String)]
    /// `[grid]`.
    public var axes: [SweepAxis]
    /// `seeds`, if given.
    public var seeds: [UInt64]?
    /// `test-sets`, if given.
    public var testSets: Int?

    /// Reads and checks the file at `path`; throws a ``SweepError`` naming the file and the entry.
    public static func read(_ path: String) throws -> SweepFile {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SweepError("sweep file \(path) cannot be read (no such file or not UTF-8 text)")
        }
        return try parse(text, path: path)
    }

    /// Parses the text of a sweep file.
    public static func parse(_ text: String, path: String) throws -> SweepFile {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw SweepError("sweep file \(path): line \(error.source.begin.line): \(error.description)")
        } catch {
            throw SweepError("sweep file \(path): not valid TOML")
        }
        var file = SweepFile(path: path, output: nil, options: [], axes: [], seeds: nil, testSets: nil)
        let order = KeyOrder(text: text)
        for key in table.keys {
            let value = table[key]!
            let where_ = "\(key) in \(path)"
            switch normalized(key) {
            case "output":
                guard let string = value.string, !string.isEmpty else { throw SweepError("\(where_): expected a folder name in quotes") }
                file.output = string
            case "seeds", "seed":
                if let string = value.string {
                    file.seeds = try SeedList.parse(string, source: where_)
                } else if let array = value.array {
                    var seeds: [UInt64] = []
                    for item in array {
                        guard let int = item.int, int >= 0 else { throw SweepError("\(where_): seeds are whole numbers >= 0, got \(item.debugDescription)") }
                        seeds.append(UInt64(int))
                    }
                    try SeedList.check(seeds, source: where_)
                    file.seeds = seeds
                } else if let int = value.int, int >= 0 {
                    file.seeds = [UInt64(int)]
                } else {
                    throw SweepError("\(where_): expected a list of seeds such as [0, 1, 2] or \"0-4\"")
                }
            case "test-sets":
                guard let int = value.int else { throw SweepError("\(where_): expected a whole number") }
                file.testSets = int
            case "options":
                guard let options = value.table else { throw SweepError("\(where_): expected a table [options] of train options") }
                for name in order.sorted(options.keys, in: key) {
                    file.options.append((normalized(name), try scalar(options[name]!, "options.\(name) in \(path)")))
                }
            case "grid":
                guard let grid = value.table else { throw SweepError("\(where_): expected a table [grid] of swept train options") }
                for name in order.sorted(grid.keys, in: key) {
                    let source = "grid.\(name) in \(path)"
                    guard let array = grid[name]!.array else {
                        throw SweepError("\(source): expected a list of values, e.g. \(name) = [1, 2]")
                    }
                    let values = try array.map { try scalar($0, source) }
                    let axis = SweepAxis(option: normalized(name), values: values, source: source)
                    try axis.check()
                    file.axes.append(axis)
                }
            default:
                throw SweepError("\(where_): unknown key; a sweep file has output, seeds, test-sets, [options] and [grid]")
            }
        }
        return file
    }

    /// A train option's name as the command line writes it (`tau_ms` to `tau-ms`, no dashes in front).
    static func normalized(_ key: String) -> String {
        var name = key.replacingOccurrences(of: "_", with: "-")
        while name.hasPrefix("-") { name.removeFirst() }
        return name
    }

    /// A string, number or boolean as command-line text.
    static func scalar(_ value: TOMLValueConvertible, _ source: String) throws -> String {
        switch value.type {
        case .string: return value.string!
        case .int: return String(value.int!)
        case .double: return "\(value.double!)"
        case .bool: return value.bool! ? "true" : "false"
        default: throw SweepError("\(source): expected a string, number or boolean, got \(value.debugDescription)")
        }
    }
}

/// The order in which keys appear in a table of a TOML text (TOMLKit hands them back sorted).
private struct KeyOrder {
    let lines: [Substring]

    init(text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }

    /// `keys` of the table `[table]`, by the line that defines each (unknown ones last, sorted).
    func sorted(_ keys: [String], in table: String) -> [String] {
        var position: [String: Int] = [:]
        var inside = false
        for (number, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let header = line.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                inside = header == table || header == "\"\(table)\""
                continue
            }
            guard inside, let equals = line.firstIndex(of: "=") else { continue }
            var key = line[..<equals].trimmingCharacters(in: .whitespaces)
            if key.count >= 2, let first = key.first, first == key.last, first == "\"" || first == "'" { key = String(key.dropFirst().dropLast()) }
            if position[key] == nil { position[key] = number }
        }
        return keys.sorted { a, b in
            switch (position[a], position[b]) {
            case let (x?, y?): return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a < b
            }
        }
    }
}
