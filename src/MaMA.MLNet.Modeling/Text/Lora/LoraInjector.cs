using TorchSharp;

namespace MaMA.MLNet.Modeling.Text.Lora;

/// <summary>Applies LoRA to a GPT-2 encoder by module name and manages the adapters as a whole.</summary>
public static class LoraInjector
{
    /// <summary>
    /// Freezes every parameter of <paramref name="encoder"/> (requires_grad false) and attaches an adapter to
    /// each linear layer that <see cref="LoraConfig.IsTarget"/> selects, as PEFT's <c>get_peft_model</c> does.
    /// Returns the names of the adapted layers.
    /// </summary>
    /// <exception cref="ArgumentException">The configuration is invalid or targets no layer of this encoder.</exception>
    public static IReadOnlyList<string> Apply(Gpt2TextEncoder encoder, LoraConfig config)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var targets = encoder.LinearLayers().Where(l => config.IsTarget(l.Name)).ToList();
        if (targets.Count == 0)
            throw new ArgumentException(
                $"LoRA targets [{string.Join(", ", config.TargetModules)}] match no linear layer of the encoder " +
                "(its layers are named like h.0.attn.c_attn, h.0.attn.c_proj, h.0.mlp.c_fc, h.0.mlp.c_proj).");
        foreach (var p in encoder.parameters()) p.requires_grad = false;
        foreach (var (_, layer) in targets) layer.AddAdapter(config.Rank, config.Alpha, config.Dropout);
        return targets.Select(t => t.Name).ToList();
    }

    /// <summary>The adapter parameters (<c>...lora_A.weight</c>, <c>...lora_B.weight</c>) with their names.</summary>
    public static IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> AdapterParameters(torch.nn.Module module) =>
        module.named_parameters().Where(p => p.name.Contains(".lora_A.", StringComparison.Ordinal) || p.name.Contains(".lora_B.", StringComparison.Ordinal));

    /// <summary>Folds every adapter into its base weight (inference without extra matmuls).</summary>
    public static void MergeAll(Gpt2TextEncoder encoder)
    {
        foreach (var (_, layer) in encoder.LinearLayers()) layer.Merge();
    }

    /// <summary>Takes every adapter back out of its base weight (to continue training).</summary>
    public static void UnmergeAll(Gpt2TextEncoder encoder)
    {
        foreach (var (_, layer) in encoder.LinearLayers()) layer.Unmerge();
    }
}
