namespace MaMA.MLNet.Reporting;

/// <summary>
/// A plot cannot be drawn as it should on this machine, e.g. SkiaSharp finds no font (axis labels and titles would
/// silently be missing otherwise).
/// </summary>
public sealed class PlotRenderingException(string message) : Exception(message);
