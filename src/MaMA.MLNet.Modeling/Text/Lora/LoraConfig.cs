namespace MaMA.MLNet.Modeling.Text.Lora;

/// <summary>
/// Low-rank adaptation settings. The defaults are the paper's (PEFT defaults for GPT-2 with r 8, alpha 32,
/// dropout 0.1): adapters on the fused attention projection <c>c_attn</c> only.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>Rank r of the update B A.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>Alpha; the update is scaled by <see cref="Scaling"/> = alpha / r.</summary>
    public double Alpha { get; init; } = 32;

    /// <summary>Dropout applied to the adapter's input in training mode.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>
    /// Target module names, matched as PEFT does: a module is adapted when its full name equals a target or
    /// ends with "." + target (so <c>c_attn</c> matches <c>h.3.attn.c_attn</c>, <c>mlp.c_proj</c> matches
    /// only the MLP's projection).
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["c_attn"];

    /// <summary>alpha / r.</summary>
    public double Scaling => Alpha / Rank;

    /// <summary>Whether the module with this full name is a target.</summary>
    public bool IsTarget(string moduleName) =>
        TargetModules.Any(t => moduleName == t || moduleName.EndsWith("." + t, StringComparison.Ordinal));

    /// <summary>Checks rank, alpha, dropout and targets.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (Rank <= 0) throw new ArgumentException($"LoraConfig.Rank must be positive, got {Rank}.");
        if (!(Alpha > 0)) throw new ArgumentException($"LoraConfig.Alpha must be positive, got {Alpha}.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"LoraConfig.Dropout must be in [0, 1), got {Dropout}.");
        if (TargetModules.Count == 0 || TargetModules.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("LoraConfig.TargetModules must name at least one module and no empty names.");
    }

    /// <summary>
    /// Adapter parameters for a GPT-2 encoder of this configuration, counted without allocating:
    /// r x (in + out) for every targeted linear layer (A is [r, in], B is [out, r]).
    /// </summary>
    public long CountParameters(Gpt2Config config) =>
        config.LinearLayers().Where(l => IsTarget(l.Name)).Sum(l => (long)Rank * (l.InFeatures + l.OutFeatures));
}
