/// Conversions between row-major float matrices and the kernels' padded layout (rows of
/// `groups` `SIMD8<Float>`, the lanes past `columns` zero), row by row with plain copies.
enum PaddedLayout {
    /// Copies `rows x columns` floats from `source` (row-major) into the padded `target`
    /// (`rows x stride` vectors, `stride * 8 >= columns`); the padding lanes become zero.
    static func pad(_ source: UnsafeBufferPointer<Float>, rows: Int, columns: Int,
                    into target: UnsafeMutableBufferPointer<SIMD8<Float>>, stride: Int) {
        precondition(source.count == rows * columns && target.count == rows * stride && stride * 8 >= columns,
                     "PaddedLayout.pad: shapes do not match")
        let out = UnsafeMutableRawPointer(target.baseAddress!).assumingMemoryBound(to: Float.self)
        let width = stride * 8
        for r in 0 ..< rows {
            let row = out + r * width
            row.update(from: source.baseAddress! + r * columns, count: columns)
            (row + columns).update(repeating: 0, count: width - columns)
        }
    }

    /// Copies the first `columns` lanes of each of the `rows` padded rows of `source` (`stride`
    /// vectors apart) into the row-major `target`.
    static func unpad(_ source: UnsafeBufferPointer<SIMD8<Float>>, rows: Int, stride: Int,
                      into target: UnsafeMutableBufferPointer<Float>, columns: Int) {
        precondition(target.count == rows * columns && source.count == rows * stride && stride * 8 >= columns,
                     "PaddedLayout.unpad: shapes do not match")
        let input = UnsafeRawPointer(source.baseAddress!).assumingMemoryBound(to: Float.self)
        for r in 0 ..< rows {
            (target.baseAddress! + r * columns).update(from: input + r * stride * 8, count: columns)
        }
    }

    /// Adds the padded buffers `parts[k][range]` to `sum[range]` in the order of `parts`.
    static func accumulate(_ parts: [UnsafePointer<SIMD8<Float>>], range: Range<Int>,
                           into sum: UnsafeMutablePointer<SIMD8<Float>>) {
        for p in parts {
            for i in range { sum[i] += p[i] }
        }
    }
}
