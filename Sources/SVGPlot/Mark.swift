/// Something drawn in a ``Panel``'s axes, in the order the panel lists it.
public enum Mark: Sendable {
    case line(LineSeries)
    case reference(ReferenceLine)
    case histogram(Histogram)
    case heatMap(HeatMap)
    case raster(Raster)
    case annotation(Annotation)
}
