import Foundation

/// The notebook's loss: negative log-likelihood of the label under `log_softmax` of the scores
/// (PyTorch's `NLLLoss(LogSoftmax(m))`), computed stably by subtracting the maximum first.
public enum SoftmaxCrossEntropy {
    /// The loss of one sample, `-log_softmax(logits)[label]`.
    public static func loss(logits: [Float], label: Int) -> Float {
        logits.withUnsafeBufferPointer { lossAndGradient(logits: $0.baseAddress!, count: $0.count, label: label, gradScale: 0, gradient: nil) }
    }

    /// The loss of one sample and, if `gradient` is given, writes `gradScale * (softmax - onehot)`,
    /// the gradient of `gradScale * loss` with respect to the logits.
    public static func lossAndGradient(
        logits: UnsafePointer<Float>, count: Int, label: Int, gradScale: Float, gradient: UnsafeMutablePointer<Float>?
    ) -> Float {
        var maximum = -Float.infinity
        for c in 0 ..< count { maximum = max(maximum, logits[c]) }
        var sum: Float = 0
        for c in 0 ..< count { sum += Foundation.exp(logits[c] - maximum) }
        let logSum = Foundation.log(sum)
        if let gradient {
            for c in 0 ..< count {
                let p = Foundation.exp(logits[c] - maximum - logSum)
                gradient[c] = gradScale * (p - (c == label ? 1 : 0))
            }
        }
        return -(logits[label] - maximum - logSum)
    }
}
