import Foundation

/// The notebook's loss: negative log-likelihood of the label under `log_softmax` of the scores
/// (PyTorch's `NLLLoss(LogSoftmax(m))`), computed stably by subtracting the maximum first.
public enum SoftmaxCrossEntropy {
    /// The loss of one sample, `-log_softmax(logits)[label]`.
    public static func loss(logits: [Float], label: Int) -> Float {
        lossAndGradient(logits: logits, label: label, gradScale: 0).loss
    }

    /// The loss of one sample and `gradScale * (softmax - onehot)`, the gradient of
    /// `gradScale * loss` with respect to the logits.
    public static func lossAndGradient(logits: [Float], label: Int, gradScale: Float) -> (loss: Float, gradient: [Float]) {
        precondition(!logits.isEmpty && (0 ..< logits.count).contains(label),
                     "SoftmaxCrossEntropy: label \(label) for \(logits.count) classes")
        var maximum = -Float.infinity
        for x in logits { maximum = max(maximum, x) }
        var sum: Float = 0
        for x in logits { sum += Foundation.exp(x - maximum) }
        let logSum = Foundation.log(sum)
        var gradient = [Float](repeating: 0, count: logits.count)
        for c in logits.indices {
            let p = Foundation.exp(logits[c] - maximum - logSum)
            gradient[c] = gradScale * (p - (c == label ? 1 : 0))
        }
        return (-(logits[label] - maximum - logSum), gradient)
    }
}
