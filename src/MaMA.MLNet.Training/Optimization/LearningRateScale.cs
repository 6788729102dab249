namespace MaMA.MLNet.Training;

/// <summary>
/// A parameter group that trains at <paramref name="Scale"/> times the scheduled learning rate, warm-up and decay
/// included: e.g. a pretrained image encoder at 0.1x while the new heads and the text side train at 1x, so the
/// features it starts from are adapted rather than overwritten. Weight decay stays as the trainer's other groups have it.
/// </summary>
/// <param name="Name">A label for the optimiser groups and errors, for example <c>image_encoder</c>.</param>
/// <param name="Scale">The multiple of the learning rate; positive and finite.</param>
/// <param name="ParameterPrefixes">
/// Names in the module's <c>named_parameters()</c>, matched as <see cref="FrozenParameters"/> matches them (the name
/// itself or the name followed by a dot). Each prefix must match at least one parameter; a parameter may be in one group only.
/// </param>
public sealed record LearningRateScale(string Name, double Scale, IReadOnlyList<string> ParameterPrefixes)
{
    /// <summary>True when <paramref name="parameterName"/> belongs to this group.</summary>
    public bool Contains(string parameterName) => ParameterPrefixes.Any(p => FrozenParameters.Matches(p, parameterName));
}
