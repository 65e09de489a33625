#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Flush to zero: float arithmetic that treats subnormal numbers (magnitudes below 2^-126) as 0.
///
/// A trained network's backward pass produces subnormal numbers (the surrogate's derivative far
/// from the threshold underflows), and each operation on one takes the processor's slow path: the
/// seed model's training batch takes 2.2 times as long as it does with subnormals flushed to zero.
/// Flushing changes results (those tiny terms become 0, so sums may differ in their last bit), so
/// it is off unless asked for (PyTorch's default is off too; `torch.set_flush_denormal(True)` is
/// its switch). The mode belongs to a thread: ``ParallelChunks`` runs its workers in the caller's.
public enum SubnormalMode {
    /// Whether this processor's mode can be set (x86-64: MXCSR's FTZ and DAZ bits; arm64: FPCR.FZ).
    public static var isSupported: Bool {
        #if arch(x86_64) || arch(arm64)
        return true
        #else
        return false
        #endif
    }

    /// Whether the current thread flushes subnormal numbers to zero.
    public static var isFlushing: Bool {
        var env = fenv_t()
        fegetenv(&env)
        return flushBits(env) != 0
    }

    /// Runs `body` on this thread with subnormal numbers flushed to zero (when `flush` is true and
    /// the processor supports it), then restores the thread's mode.
    public static func flushingToZero<R>(_ flush: Bool = true, _ body: () throws -> R) rethrows -> R {
        guard flush, isSupported else { return try body() }
        var saved = fenv_t()
        fegetenv(&saved)
        var env = saved
        setFlushBits(&env)
        fesetenv(&env)
        defer { fesetenv(&saved) }
        return try body()
    }

    /// Runs `body` on this thread in the floating-point environment `env`, then restores the thread's own.
    static func with<R>(_ env: fenv_t, _ body: () throws -> R) rethrows -> R {
        var saved = fenv_t(), env = env
        fegetenv(&saved)
        fesetenv(&env)
        defer { fesetenv(&saved) }
        return try body()
    }

    /// The current thread's floating-point environment.
    static var current: fenv_t {
        var env = fenv_t()
        fegetenv(&env)
        return env
    }

    private static func flushBits(_ env: fenv_t) -> UInt64 {
        #if arch(x86_64)
        return UInt64(env.__mxcsr) & 0x8040  // FTZ (bit 15), DAZ (bit 6)
        #elseif arch(arm64)
        return UInt64(env.__fpcr) & (1 << 24)  // FZ
        #else
        return 0
        #endif
    }

    private static func setFlushBits(_ env: inout fenv_t) {
        #if arch(x86_64)
        env.__mxcsr |= 0x8040
        #elseif arch(arm64)
        env.__fpcr |= 1 << 24
        #endif
    }
}
