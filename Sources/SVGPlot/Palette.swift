/// Colours for series that do not name their own.
public enum Palette {
    /// matplotlib's default colour cycle ("tab10"), used in order for lines and histograms without a colour.
    public static let tab10 = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]
}
