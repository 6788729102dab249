namespace MaMA.MLNet.Reporting;

/// <summary>What a loss plot draws beside the curves to make them readable: chance levels and marked steps.</summary>
public sealed record LossPlotGuides
{
    /// <summary>Each term's value at chance over its steps (dashed, in the term's colour).</summary>
    public IReadOnlyList<LossChanceLine> ChanceLines { get; init; } = [];

    /// <summary>Steps to mark with a vertical line (e.g. where late loss terms join).</summary>
    public IReadOnlyList<StepMarker> Markers { get; init; } = [];
}
