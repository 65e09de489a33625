/// The fixed "Poisson noise" of a data set, regenerated instead of stored: element `(sample,
/// step, channel)` of data set `set` has a 32-bit uniform that is a pure function of the key,
/// the set and the element, so the spikes can be rebuilt every epoch over the same noise, in any
/// order and on any thread.
///
/// Channels are grouped in blocks of eight. Block `b` of step `t` of sample `n` has the counter
/// `g = (n * steps + t) * blocks + b` and the 64-bit hash `H = mix(key ^ (set << 44 | g))`
/// (``SplitMix64/mix(_:)->UInt64``, a bijection): byte `k` of `H` is the top 8 bits of the uniform of
/// channel `8 b + k`, and `mix(H ^ fineKey ^ k) >> 40` its next 24 bits. Counters are distinct
/// within a set and the set number sits above them, so no two elements of the sets of one key
/// (training, validation, every test set) share a hash: their noise is independent.
/// A comparison `u < p` needs the 24 further bits only when the top byte ties with `floor(256 p)`
/// (about once in 256), which is what makes the stimulus cheap.
public struct FixedNoise: Equatable, Sendable {
    /// The key (one per seed).
    public let key: UInt64
    /// The data set's number (below 2^20).
    public let set: UInt64

    /// Bits of the block counter; a set may have at most 2^44 blocks.
    public static let counterBits = 44
    /// The largest set number.
    public static let maxSet: UInt64 = (1 << 20) - 1
    /// Mixed into the hash of the fine bits.
    public static let fineKey: UInt64 = 0xD1B5_4A32_D192_ED03

    /// The noise of data set `set` under `key`.
    public init(key: UInt64, set: UInt64) {
        precondition(set <= Self.maxSet, "FixedNoise: set \(set) above \(Self.maxSet)")
        self.key = key
        self.set = set
    }

    /// The hash of block `block` of step `step` of sample `sample` (`steps` steps and `blocks`
    /// blocks of eight channels per step).
    @inlinable
    public func blockHash(sample: Int, step: Int, block: Int, steps: Int, blocks: Int) -> UInt64 {
        let g = UInt64((sample &* steps &+ step) &* blocks &+ block)
        return SplitMix64.mix(key ^ (set << UInt64(Self.counterBits) | g))
    }

    /// `key ^ (set << counterBits)`: the block hash of counter `g` (below `2^counterBits`) is
    /// `mix(counterBase ^ g)`.
    @inlinable
    public var counterBase: UInt64 { key ^ (set << UInt64(Self.counterBits)) }

    /// The 24 bits below the top byte of lane `lane` of a block with hash `hash`.
    @inlinable
    public static func fineBits(hash: UInt64, lane: Int) -> UInt64 {
        SplitMix64.mix(hash ^ fineKey ^ UInt64(lane)) >> 40
    }

    /// The uniform of one element, in [0, 1), with 32 random bits.
    public func uniform(sample: Int, step: Int, channel: Int, steps: Int, channels: Int) -> Double {
        let h = blockHash(sample: sample, step: step, block: channel / 8, steps: steps, blocks: (channels + 7) / 8)
        let lane = channel % 8
        let top = (h >> UInt64(8 * lane)) & 0xFF
        return (Double(top) + Double(Self.fineBits(hash: h, lane: lane)) * 0x1p-24) / 256
    }
}
