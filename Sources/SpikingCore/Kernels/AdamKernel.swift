/// The element-wise arithmetic of ``Adam``: PyTorch's single-tensor update, eight lanes at a time.
enum AdamKernel {
    /// The element-wise update, eight lanes at a time (each lane does exactly the scalar arithmetic).
    static func update(
        _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, _ m: UnsafeMutableBufferPointer<Float>,
        _ v: UnsafeMutableBufferPointer<Float>, weight1: Float, keep2: Float, weight2: Float, bc2: Float, eps: Float,
        stepSize: Float
    ) {
        func lanes<V: SIMD>(_ p: inout V, _ g: V, _ m: inout V, _ v: inout V) where V.Scalar == Float {
            m = m + weight1 * (g - m)  // lerp, weight < 0.5
            v = v * keep2 + (weight2 * g) * g  // addcmul: value * t1 * t2, left to right
            p = p + ((-stepSize) * m) / (v.squareRoot() / bc2 + eps)  // addcdiv: value * t1 / t2
        }
        var i = 0
        while i + 8 <= p.count {
            let raw = UnsafeMutableRawPointer(p.baseAddress! + i), gr = UnsafeRawPointer(g.baseAddress! + i)
            let mr = UnsafeMutableRawPointer(m.baseAddress! + i), vr = UnsafeMutableRawPointer(v.baseAddress! + i)
            var pv = raw.loadUnaligned(as: SIMD8<Float>.self), mv = mr.loadUnaligned(as: SIMD8<Float>.self)
            var vv = vr.loadUnaligned(as: SIMD8<Float>.self)
            lanes(&pv, gr.loadUnaligned(as: SIMD8<Float>.self), &mv, &vv)
            raw.storeBytes(of: pv, as: SIMD8<Float>.self)
            mr.storeBytes(of: mv, as: SIMD8<Float>.self)
            vr.storeBytes(of: vv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < p.count {
            var pv = SIMD2<Float>(p[i], 0), mv = SIMD2<Float>(m[i], 0), vv = SIMD2<Float>(v[i], 0)
            lanes(&pv, SIMD2(g[i], 0), &mv, &vv)
            p[i] = pv[0]; m[i] = mv[0]; v[i] = vv[0]
            i += 1
        }
    }
}
