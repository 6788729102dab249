namespace MaMA.MLNet.Training;

/// <summary>
/// A learnable log-scale parameter (CLIP's <c>logit_scale</c>, MaMA's <c>local_scale</c>): logits are multiplied by
/// <c>exp(value)</c>. The trainer logs <c>exp(value)</c> under <see cref="Name"/> and, after every optimiser step,
/// clamps the raw value into [<see cref="Min"/>, <see cref="Max"/>] where a bound is given.
/// </summary>
/// <param name="Name">The name in logs and progress reports.</param>
/// <param name="ParameterName">The parameter's name in the module's <c>named_parameters()</c>; a scalar.</param>
/// <param name="Min">Lower bound of the raw (log) value, or null for none.</param>
/// <param name="Max">Upper bound of the raw (log) value, or null for none.</param>
public sealed record LearnableScale(string Name, string ParameterName, double? Min, double? Max)
{
    /// <summary>ln(100): CLIP's ceiling for <c>logit_scale</c>, so logits are multiplied by at most 100.</summary>
    public static readonly double ClipMaximum = Math.Log(100.0);

    /// <summary>
    /// The clamp CLIP applies (OpenAI CLIP and open_clip clamp <c>logit_scale</c> to [0, ln 100] after each step,
    /// so the temperature stays between 1 and 1/100). The MaMA reference code does not clamp; pass
    /// <c>new LearnableScale(name, parameter, null, null)</c> to reproduce it exactly.
    /// </summary>
    public static LearnableScale ClipStyle(string name, string parameterName) => new(name, parameterName, 0.0, ClipMaximum);
}
