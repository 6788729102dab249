namespace MaMA.MLNet.Reporting;

/// <summary>A vertical marker on a per-step plot at <paramref name="Step"/>, named in the legend by <paramref name="Label"/>.</summary>
/// <param name="Step">The step where the event happens.</param>
/// <param name="Label">What happens there (e.g. "late losses start at step 301").</param>
public sealed record StepMarker(long Step, string Label);
