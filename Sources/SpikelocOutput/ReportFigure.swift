import SVGPlot

/// One figure of the run report: the file it is saved to and the text around it in `report.html`.
struct ReportFigure {
    /// File name inside the run folder, e.g. `fig2-loss.svg`.
    let fileName: String
    /// Section heading in the report.
    let heading: String
    /// What the figure shows, in a sentence or two.
    let caption: String
    let figure: Figure
}
