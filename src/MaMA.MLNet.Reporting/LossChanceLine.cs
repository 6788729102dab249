namespace MaMA.MLNet.Reporting;

/// <summary>
/// A loss term's value at chance over a range of steps, drawn as a dashed line in the term's colour: where the curve
/// should start from and must end below. A term whose chance value changes (a total whose terms join late) has one
/// line per range; consecutive ranges of a term are joined into one stepped line.
/// </summary>
/// <param name="Term">The loss term (as in the curves' points).</param>
/// <param name="FromStep">First step of the range.</param>
/// <param name="ToStep">Last step of the range.</param>
/// <param name="Value">The term's value at chance.</param>
public sealed record LossChanceLine(string Term, long FromStep, long ToStep, double Value);
