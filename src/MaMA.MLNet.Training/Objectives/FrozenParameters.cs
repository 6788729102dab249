namespace MaMA.MLNet.Training;

/// <summary>
/// Parameters that exist from the start but stay frozen (no gradient, no optimiser update, no weight decay)
/// until <see cref="UntilStep"/>; from that step on they train. MaMA freezes the local projections and
/// <c>local_scale</c> until the late losses start (spec §4, <c>--late_loss 8000</c>).
/// </summary>
/// <param name="Name">A label for logs and errors, for example <c>late_loss</c>.</param>
/// <param name="UntilStep">The first optimiser step (from 0) at which the parameters train.</param>
/// <param name="ParameterPrefixes">
/// Names in the module's <c>named_parameters()</c>: a parameter is in the group when its name equals a prefix
/// or starts with the prefix followed by a dot. Each prefix must match at least one parameter.
/// </param>
public sealed record FrozenParameters(string Name, long UntilStep, IReadOnlyList<string> ParameterPrefixes)
{
    /// <summary>True when <paramref name="parameterName"/> belongs to this group.</summary>
    public bool Contains(string parameterName) => ParameterPrefixes.Any(p => Matches(p, parameterName));

    internal static bool Matches(string prefix, string parameterName) =>
        parameterName == prefix ||
        (parameterName.StartsWith(prefix, StringComparison.Ordinal) && parameterName.Length > prefix.Length &&
         (prefix.EndsWith('.') || parameterName[prefix.Length] == '.'));
}
