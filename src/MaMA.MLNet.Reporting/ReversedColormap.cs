using ScottPlot;

namespace MaMA.MLNet.Reporting;

/// <summary>A colormap read from its far end: position p takes the colour of 1 - p.</summary>
internal sealed class ReversedColormap(IColormap inner) : IColormap
{
    /// <inheritdoc />
    public string Name => inner.Name + " (reversed)";

    /// <inheritdoc />
    public Color GetColor(double position) => inner.GetColor(double.IsNaN(position) ? position : 1 - position);
}
