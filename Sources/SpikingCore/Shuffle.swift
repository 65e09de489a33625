/// Bounded integers and shuffles of spikeloc's own, on ``Xoshiro256StarStar``: the standard
/// library's `shuffle(using:)` and `random(in:using:)` may change their algorithms between Swift
/// releases, which would change every seeded run and break resuming across toolchains. These are
/// fixed here, once, and pinned by tests to literal values.
extension Xoshiro256StarStar {
    /// A uniform integer in `0 ..< bound` (`bound > 0`), by Lemire's nearly divisionless method
    /// ("Fast random integer generation in an interval", 2019): the high 64 bits of
    /// `next() * bound`, drawing again while the low 64 bits fall below `2^64 mod bound`.
    @inlinable
    public mutating func nextInt(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "nextInt(below:): the bound must be positive")
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound  // 2^64 mod bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }
}

extension MutableCollection where Self: RandomAccessCollection {
    /// Shuffles the elements in place by Fisher-Yates (Durstenfeld's form): for `i` from the
    /// last position down to the second, swap element `i` with element `j = g.nextInt(below: i + 1)`
    /// (positions counted from the start). Every permutation is equally likely, and the result
    /// depends only on the generator's state.
    public mutating func fisherYatesShuffle(using g: inout Xoshiro256StarStar) {
        let n = count
        guard n > 1 else { return }
        var i = n - 1
        while i > 0 {
            let j = Int(g.nextInt(below: UInt64(i + 1)))
            swapAt(index(startIndex, offsetBy: i), index(startIndex, offsetBy: j))
            i -= 1
        }
    }
}
